"""Checking a batch file: read it, read every cell, run the kind's schema, report (検査).

The three stages, each reporting findings at the clerk's coordinates (sheet, Excel row, column
letter, header, value as written):

1. reading the file (:mod:`validator.reading`): a file that cannot be read at all raises
   :class:`~validator.reading.ReadFailure`; header problems become findings;
2. reading each cell by its column's kind (:mod:`schemas.cells`): 記入漏れ and 誤記入;
3. the kind's pandera schema (:mod:`schemas`): the schemes' rules across columns and rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kyosai.errors import KyosaiError
from schemas import SCHEMAS
from schemas.cells import read

from .findings import from_error, make
from .reading import Limits, Table, read_batch, read_batch_isolated
from .report import Report

__all__ = ["Checked", "check_table", "validate_file"]


def _typed_frame(table: Table, report: Report) -> pd.DataFrame:
    """Read every cell into its Python value; unreadable or missing cells become None plus a finding.

    The unreadable cells' (row, alias) go to ``attrs["unreadable"]`` so that no rule judges a record
    by a cell already reported. Column by column, each distinct raw value read once: labels,
    amounts, dates and codes repeat down a batch.
    """
    sheet, kind = table.source.sheet, table.kind
    unreadable: set[tuple[int, str]] = set()
    # Excel error cells (#N/A …) were reported by the reader: not also 記入漏れ, and no rule uses them.
    error_cells = {(f.row, f.column) for f in table.findings if f.code == "error-cell"}
    rows = [r.row for r in table.records]
    data: dict[str, list] = {}
    for column in kind.columns:
        if column.alias not in table.columns:
            data[column.alias] = [None] * len(rows)
            continue
        letter, header = table.columns[column.alias]
        values, seen = [], {}
        for record in table.records:
            raw = record.values.get(column.alias)
            key = (type(raw), raw)
            try:
                outcome = seen.get(key)
            except TypeError:  # an unhashable value (a signalling NaN): read it, don't keep it
                key, outcome = None, None
            if outcome is None:
                try:
                    outcome = (read(column, raw), None)
                except KyosaiError as error:
                    outcome = (None, error)
                if key is not None:
                    seen[key] = outcome
            value, error = outcome
            if error is not None:
                report.add(from_error(error, value=raw, sheet=sheet, row=record.row, column=letter, header=header))
                unreadable.add((record.row, column.alias))
            elif (record.row, letter) in error_cells:
                unreadable.add((record.row, column.alias))
            elif value is None and column.required:
                report.add(make("missing-value", value=raw, sheet=sheet, row=record.row, column=letter, header=header))
            values.append(value)
        data[column.alias] = values
    frame = pd.DataFrame(data, index=rows, dtype=object)
    frame.attrs["unreadable"] = unreadable
    return frame


def check_table(table: Table, as_of: datetime.date | None = None) -> Report:
    """The report for a table already read."""
    report = Report(table.source, records=len(table.records))
    report.extend(table.findings)
    if not table.records:  # headers but no data: nothing to accept
        report.add(make("file-empty", sheet=table.source.sheet))
    frame = _typed_frame(table, report)
    frame.attrs["as_of"] = as_of or datetime.date.today()
    schema = SCHEMAS[table.kind.name]
    raw_by_row = {r.row: r.values for r in table.records}
    for row, rule_name, problem in schema.failures(frame):
        alias = problem.column or schema.rules[rule_name].column
        letter, header = table.columns.get(alias, (None, table.kind.column(alias).header))
        position = dict(sheet=table.source.sheet, row=row, column=letter, header=header)
        raw = raw_by_row[row].get(alias)
        if problem.error is not None:
            report.add(from_error(problem.error, code=problem.code, value=raw, **position))
        else:
            params = {"value": raw, **problem.params}
            report.add(make(problem.code, **position, **params))
    report.sort()
    return report


@dataclass
class Checked:
    """A file that was read and checked: its report, the table read and where the original is."""

    report: Report
    table: Table
    path: Path


def validate_file(path: str | Path, kind: str | None = None, *, filename: str | None = None,
                  as_of: datetime.date | None = None, limits: Limits = Limits(),
                  isolated: bool = True) -> Checked:
    """Read and check one file; raises ReadFailure when it cannot be read at all.

    ``isolated`` parses the untrusted file in a memory-capped child process, so that a crafted
    file cannot take the caller down.
    """
    reader = read_batch_isolated if isolated else read_batch
    table = reader(path, kind, filename=filename, limits=limits)
    return Checked(check_table(table, as_of), table, Path(path))
