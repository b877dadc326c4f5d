"""Checking a batch file: read it, read every cell, run the kind's schema, report (検査).

The three stages, each reporting findings at the clerk's coordinates (sheet, Excel row, column
letter, header, value as written):

1. reading the file (:mod:`validator.reading`): a file that cannot be read at all raises
   :class:`~validator.reading.ReadFailure`; header problems become findings;
2. reading each cell by its column's kind (:mod:`schemas.cells`): 記入漏れ and 誤記入;
3. the kind's pandera schema (:mod:`schemas`): the schemes' rules across columns and rows.

polars and pandera are imported where first used, not with this module: the
command line starts the reading child first and imports them while it reads (:func:`validate_file`).
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import gc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kyosai import calendar
from kyosai.month import Month
from schemas.batches import Value
from schemas.cells import read_texts

from .findings import from_error, make
from .reading import Limits, Table, read_batch, start_reading
from .report import BankUse, Report

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

    from schemas.rules import Batch

__all__ = ["Checked", "check_table", "validate_file"]


def _read_cells(table: Table, report: Report, as_of: datetime.date) -> Batch:
    """Read every cell into its value; unreadable or missing cells become None plus a finding.

    The unreadable cells' (row, alias) go to ``Batch.unreadable`` so that no rule judges a record by
    a cell already reported. Column by column, each distinct text is read once (labels, amounts,
    dates and codes repeat down a batch), the common forms all at once
    (:func:`schemas.cells.read_texts`); each cell's group of equal texts is kept for the rules to
    group records by.
    """
    import numpy as np

    from schemas.rules import Batch

    sheet, kind, rows = table.source.sheet, table.kind, table.rows
    # Excel error cells (#N/A …) were reported by the reader: not also 記入漏れ, and no rule uses them.
    error_cells = {(f.row, f.column) for f in table.findings if f.code == "error-cell"}
    unreadable: set[tuple[int, str]] = set()
    values: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    distinct: dict[str, list] = {}
    for column in kind.columns:
        if column.alias not in table.columns:
            values[column.alias] = np.full(len(rows), None, dtype=object)
            codes[column.alias] = np.zeros(len(rows), dtype=np.int64)
            distinct[column.alias] = [None]
            continue
        letter, header = table.columns[column.alias]
        group, texts = _distinct(table.frame[column.alias])
        results, errors = read_texts(column, texts)
        read = np.empty(len(results), dtype=object)
        read[:] = results
        missing = (
            np.setdiff1d(np.flatnonzero(np.equal(read, None)), list(errors)).tolist()  # type: ignore[call-overload]
            if column.required
            else []
        )
        written = texts.to_list() if errors or missing else []
        for k in _rows_of(group, list(errors)):
            report.add(
                from_error(
                    errors[group[k]], value=written[group[k]], sheet=sheet, row=rows[k], column=letter, header=header
                )
            )
            unreadable.add((rows[k], column.alias))
        for k in _rows_of(group, missing):
            if (rows[k], letter) in error_cells:
                unreadable.add((rows[k], column.alias))
            else:
                report.add(
                    make(
                        "missing-value", value=written[group[k]], sheet=sheet, row=rows[k], column=letter, header=header
                    )
                )
        values[column.alias], codes[column.alias], distinct[column.alias] = read[group], group, results
    row_numbers = np.asarray(rows, dtype=np.int64)

    def typed(aliases: list[str]) -> pl.DataFrame:
        """The typed polars columns of ``aliases`` (dates as Date, numbers as Int64, labels as
        their text), with each record's Excel row in "__row"."""
        import polars as pl

        return pl.DataFrame(
            [pl.Series("__row", row_numbers, dtype=pl.Int64)]
            + [
                pl.Series(
                    alias, [_typed_value(v) for v in distinct[alias]], dtype=_dtype(kind.column(alias).value)
                ).gather(codes[alias])
                for alias in aliases
            ]
        )

    return Batch(row_numbers, values, codes, distinct, typed, as_of, frozenset(unreadable))


def _typed_value(value):
    """A value as the typed frame holds it: a Month as its first day, a label as its text."""
    if isinstance(value, Month):
        return value.first_day
    return value.value if isinstance(value, enum.Enum) else value


def _dtype(value: Value):
    """The polars type of a column of the kind ``value`` in the typed frame."""
    import polars as pl

    return {
        Value.DATE: pl.Date,
        Value.MONTH: pl.Date,
        Value.AMOUNT: pl.Int64,
        Value.COUNT: pl.Int64,
        Value.CALENDAR_MONTH: pl.Int64,
    }.get(value, pl.String)


def _distinct(texts: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Each cell's group of equal texts (blank cells one group), and each group's text, in order of
    first appearance. A column of mostly different texts (receipt numbers, phone numbers) is not
    grouped: each cell is its own group, which costs less than finding the few repeats."""
    import numpy as np

    if 2 * texts.head(4096).n_unique() > min(len(texts), 4096):  # judged by the first rows: any grouping is right
        return np.arange(len(texts), dtype=np.int64), texts.rename("text")
    cells = texts.rename("text").to_frame()
    groups = cells.unique(maintain_order=True).with_row_index("group")
    group = cells.join(groups, on="text", how="left", nulls_equal=True, maintain_order="left")["group"]
    return group.to_numpy().astype("int64", copy=False), groups["text"]


def _rows_of(group: np.ndarray, groups: list[int]) -> np.ndarray:
    """The positions of the cells in any of ``groups``."""
    import numpy as np

    return np.flatnonzero(np.isin(group, groups)) if groups else np.empty(0, dtype=np.int64)


def check_table(table: Table, as_of: datetime.date | None = None) -> Report:
    """The report for a table already read, checked as of ``as_of`` (today in Japan by default)."""
    with _collector_paused():
        return _check(table, as_of or calendar.today())


@contextlib.contextmanager
def _collector_paused():
    """Checking makes ~10⁶ short-lived objects and no cycles: the cyclic collector would only rescan them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _check(table: Table, as_of: datetime.date) -> Report:
    report = Report(table.source, records=len(table.rows))
    batch = _read_cells(table, report, as_of)
    report.extend(table.findings)
    if not table.rows:  # headers but no data: nothing to accept
        report.add(make("file-empty", sheet=table.source.sheet))
    schema = _schemas()[table.kind.name]
    if uses_registries(schema):  # what the codes were looked up in goes into the report
        from schemas import registries

        report.source.registries = registries.versions()
        report.banks = _banks_named(batch)
    position = {row: k for k, row in enumerate(table.rows)}
    failures = [
        (row, problem.column or schema.rules[rule_name].column, problem)
        for row, rule_name, problem in schema.failures(batch)
    ]
    written = _written(table, [(alias, position[row]) for row, alias, _ in failures])
    for row, alias, problem in failures:
        letter, header = table.columns[alias] if alias in table.columns else (None, table.kind.column(alias).header)
        where = dict(sheet=table.source.sheet, row=row, column=letter, header=header)
        raw = written.get((alias, position[row]))
        if problem.error is not None:
            report.add(from_error(problem.error, code=problem.code, value=raw, **where))
        else:
            params = {"value": raw, **problem.params}
            report.add(make(problem.code, **where, **params))
    report.sort()
    return report


def _written(table: Table, cells: list[tuple[str, int]]) -> dict[tuple[str, int], str | None]:
    """The texts as written of the cells (alias, record position) in the table: only those, not
    whole columns (a finding shows its cell)."""
    wanted: dict[str, list[int]] = {}
    for alias, at in cells:
        if alias in table.columns:
            wanted.setdefault(alias, []).append(at)
    return {
        (alias, at): text
        for alias, positions in wanted.items()
        for at, text in zip(positions, table.frame[alias].gather(positions).to_list(), strict=True)
    }


@dataclass
class Checked:
    """A file that was read and checked: its report, the table read and where the original is."""

    report: Report
    table: Table | None  # None: not read again (a stored workbook's report annotates the file itself)
    path: Path


def validate_file(
    path: str | Path,
    kind: str | None = None,
    *,
    filename: str | None = None,
    as_of: datetime.date | None = None,
    limits: Limits = Limits(),
    isolated: bool = True,
) -> Checked:
    """Read and check one file; raises ReadFailure when it cannot be read at all.

    ``isolated`` parses the untrusted file in a memory-capped child process, so that a crafted
    file cannot take the caller down; meanwhile this process loads what checking needs (polars,
    pandera, the holiday calendar: about half a second the first time) on the other core.
    """
    if not isolated:
        table = read_batch(path, kind, filename=filename, limits=limits)
    else:
        reading = start_reading(path, kind, filename=filename, limits=limits)
        try:
            _prepare()
        except BaseException:
            reading.cancel()
            raise
        table = reading.table()
    return Checked(check_table(table, as_of), table, Path(path))


def _prepare() -> None:
    """Load what checking needs: polars, the schemas (pandera and its polars backend), the holiday
    calendar (the holidays package builds it on first use) and the bank and postal registries."""
    import polars  # noqa: F401 - the table arrives as a polars frame

    from schemas import registries
    from schemas.rules import load_backends

    _schemas()
    load_backends()
    calendar.is_business_day(calendar.today())
    registries.load()


def _banks_named(batch) -> list[BankUse]:
    """The banks and branches the file names (both codes readable), with their registry names."""
    import numpy as np

    from schemas import registries
    from schemas.rules import combined

    banks, bank_codes = batch.ids("bank_code")
    branches, branch_codes = batch.ids("branch_code")
    pair = combined(banks, branches)
    named = pair >= 0
    _, first, counts = np.unique(pair[named], return_index=True, return_counts=True)
    at = np.flatnonzero(named)[first]
    pairs = {
        (bank_codes[banks[k]], branch_codes[branches[k]]): int(n)
        for k, n in zip(at.tolist(), counts.tolist(), strict=True)
    }
    return [
        BankUse(bank, branch, registries.bank_name(bank), registries.branch_name(bank, branch), rows)
        for (bank, branch), rows in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def uses_registries(schema) -> bool:
    """Whether the kind's rules look codes up in the public registries (schemas.common.REGISTRY_RULES)."""
    from schemas.common import REGISTRY_RULES

    return any(rule.name in schema.rules for rule in REGISTRY_RULES)


def _schemas() -> dict:
    """The kinds' schemas, imported on first use (see :func:`validate_file`)."""
    from schemas import SCHEMAS

    return SCHEMAS
