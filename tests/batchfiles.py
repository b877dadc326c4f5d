"""Test helpers: write batch files (xlsx or csv) the way clerks fill the templates.

Rows are given by column alias; the files carry a title row and an instruction row above the
header (row 3), so the first record sits on Excel row 4 unless told otherwise.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import openpyxl

from schemas import samples
from schemas.batches import KINDS

# One valid record of each kind, as text (as clerks type into cells formatted as text): the kind's first
# sample record (schemas/data/samples.toml, the templates' 記入例), which each test changes as it needs.
VALID = {kind: {alias: samples.as_text(value) for alias, value in samples.records(kind)[0].items()} for kind in KINDS}
AS_OF = datetime.date(2024, 12, 10)


def rows_of(kind: str, changes: list[dict]) -> list[dict]:
    """Valid rows of a kind, each changed as given (receipt numbers made unique)."""
    base = VALID[kind]
    prefix = base["receipt_no"][:2]
    return [{**base, "receipt_no": f"{prefix}{i + 1:04d}", **change} for i, change in enumerate(changes)]


def write_xlsx(
    path: Path,
    kind: str,
    rows: list[dict],
    *,
    header_row: int = 3,
    sheet: str | None = None,
    blank_rows_after: tuple[int, ...] = (),
) -> Path:
    spec = KINDS[kind]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet or spec.sheet
    ws.cell(1, 1, spec.title_ja)
    if header_row > 2:
        ws.cell(2, 1, "記入例を参考に入力してください")
    for col, column in enumerate(spec.columns, start=1):
        ws.cell(header_row, col, column.header)
    excel_row = header_row
    for i, row in enumerate(rows):
        excel_row += 1
        for col, column in enumerate(spec.columns, start=1):
            value = row.get(column.alias)
            if value is not None:
                ws.cell(excel_row, col).value = value
                ws.cell(excel_row, col).number_format = "@"
        if i in blank_rows_after:
            excel_row += 1
    book.save(path)
    return path


def write_csv(path: Path, kind: str, rows: list[dict], *, encoding: str = "utf-8-sig") -> Path:
    spec = KINDS[kind]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in spec.columns])
        for row in rows:
            writer.writerow(["" if row.get(c.alias) is None else row[c.alias] for c in spec.columns])
    return path


def flat(report) -> list[tuple]:
    """(row, column, code) of every finding, as frictionless' tests compare them."""
    return [f.as_tuple() for f in report.findings]
