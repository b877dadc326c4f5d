"""The table read (:class:`Table`): the header row located, the columns matched, the records as a
frame of text with their real row numbers, and the cells' findings (error values, formulas).

Every cell is text, as the sheet shows it (a number ``9`` is ``"9"``, a date cell ``"2024-12-02"``),
so that codes keep their leading zeros and one reader per column kind reads workbooks and CSV alike
(:mod:`validator.cells`). A blank cell is null. The frame is a polars ``DataFrame`` whose columns are
the aliases of the kind's columns found, in the kind's order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas.batches import KINDS, BatchKind, find_kind_by_headers

from ..findings import Finding, make
from ..report import Source
from .failures import fail, fail_detail
from .limits import Limits

if TYPE_CHECKING:  # polars is imported where used: a process forks its reading child before it loads polars
    import polars as pl

    from .scan import Scan

__all__ = [
    "Record",
    "Table",
    "column_letter",
    "column_index",
    "cell_text",
    "EXCEL_ERRORS",
    "HEADER_ROWS",
    "locate_header",
    "build_table",
]


@dataclass(slots=True)
class Record:
    """One non-blank row: its Excel row number (CSV: the line it starts on) and its cells' text by alias."""

    row: int
    values: dict[str, object]


@dataclass(eq=False)
class Table:
    """A batch as read: kind, source, header row, columns found, the records (``rows`` and
    ``frame``: the form the checks use) and the reading findings."""

    kind: BatchKind
    source: Source
    header_row: int
    columns: dict[str, tuple[str, str]]  # alias -> (column letter, header as written)
    rows: list[int]  # each record's Excel row number (CSV: the line it starts on)
    frame: pl.DataFrame  # alias (columns present, in the kind's order) -> each record's text
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def from_records(
        cls,
        kind: BatchKind,
        source: Source,
        header_row: int,
        columns: dict[str, tuple[str, str]],
        records: list[Record],
        findings: list[Finding] | None = None,
    ) -> Table:
        """A table made of records whose values are any Python values, as the reader would show them."""
        import polars as pl

        frame = pl.DataFrame(
            {
                alias: pl.Series(alias, [cell_text(r.values.get(alias)) for r in records], dtype=pl.String)
                for alias in columns
            }
        )
        return cls(kind, source, header_row, columns, [r.row for r in records], frame, findings or [])

    @property
    def values(self) -> dict[str, list]:
        """Each column's cells as a list (text or None), by alias."""
        return self.frame.to_dict(as_series=False)

    @property
    def records(self) -> list[Record]:
        """The records one by one (the checks read the columns)."""
        aliases = self.frame.columns
        if not aliases:
            return [Record(row, {}) for row in self.rows]
        return [
            Record(row, dict(zip(aliases, cells, strict=True)))
            for row, cells in zip(self.rows, self.frame.iter_rows(), strict=True)
        ]

    def __eq__(self, other) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return (self.kind, self.source, self.header_row, self.columns, self.rows, self.findings) == (
            other.kind,
            other.source,
            other.header_row,
            other.columns,
            other.rows,
            other.findings,
        ) and self.frame.equals(other.frame)


def column_letter(index: int) -> str:
    """The Excel column letter of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
    """0-based column index of Excel column letters."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def cell_text(value: Any) -> str | None:
    """A Python value as the reader shows a cell holding it: None and "" are blank; a whole float is
    its digits, a date its ISO form, a bool ``true``/``false`` (as the workbook reader gives them)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# Excel's error values (also those of newer Excel), as they appear in a cell or in a CSV export.
EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

HEADER_ROWS = 10

# A date cell is shown by the workbook reader with its time of day ("2024-12-02 00:00:00", or with a
# "T" for an ISO date cell); at midnight the date alone is what Excel shows.
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$"


def _threshold(kind: BatchKind) -> int:
    """How many of a kind's headers a row must hold to be its header row."""
    required = sum(1 for c in kind.columns if c.required)
    return max(2, (required + 1) // 2)


def _matches(kind: BatchKind, texts: list[str]) -> int:
    return len({c.alias for t in texts if t for c in [kind.match_header(t)] if c})


def locate_header(head: list[tuple], kind: BatchKind | None) -> tuple[BatchKind, int] | None:
    """(kind, 0-based index of the header row) within the first rows (cells as text), or None."""
    for index, row in enumerate(head[:HEADER_ROWS]):
        texts = [cell or "" for cell in row]
        if not any(texts):
            continue
        if kind is not None:
            if _matches(kind, texts) >= _threshold(kind):
                return kind, index
            continue
        found = find_kind_by_headers(texts)
        if found is not None:
            return found, index
        scored = sorted(((_matches(k, texts), k.name, k) for k in KINDS.values()), key=lambda t: -t[0])
        best = [t for t in scored if t[0] >= _threshold(t[2])]
        if best and (len(best) == 1 or best[0][0] > best[1][0]):
            return best[0][2], index
    return None


def build_table(
    kind: BatchKind,
    source: Source,
    sheet: str | None,
    grid: pl.DataFrame,
    header_index: int,
    numbers: list[int] | None,
    limits: Limits,
    scan: Scan,
    *,
    first_column: int = 0,
) -> Table:
    """The table of a sheet (or CSV) read as a grid of text: ``grid``'s column ``j`` is the sheet's
    column ``first_column + j``; its row ``i`` is Excel row ``i + 1`` (``numbers[i]`` for a CSV: the
    line it starts on). ``scan`` holds a workbook's error cells and formulas."""
    import polars as pl

    number = (lambda i: i + 1) if numbers is None else numbers.__getitem__
    header_row = number(header_index)
    findings: list[Finding] = []
    columns: dict[str, tuple[str, str]] = {}
    indexes: dict[str, int] = {}
    for j, cell in enumerate(grid.row(header_index)):
        text = cell or ""
        if not text.strip():
            continue
        letter = column_letter(first_column + j)
        column = kind.match_header(text)
        if column is None:
            findings.append(make("unknown-column", sheet=sheet, row=header_row, column=letter, header=text))
        elif column.alias in columns:
            findings.append(
                make(
                    "duplicate-column",
                    sheet=sheet,
                    row=header_row,
                    column=letter,
                    header=text,
                    first_column=columns[column.alias][0],
                )
            )
        else:
            columns[column.alias] = (letter, text)
            indexes[column.alias] = j
    for column in kind.columns:
        if column.required and column.alias not in columns:
            findings.append(make("missing-column", sheet=sheet, row=header_row, header=column.header))

    # the present columns in the kind's order, named by alias; "" is blank
    aliases = [c.alias for c in kind.columns if c.alias in columns]
    columns = {a: columns[a] for a in aliases}
    source.kind, source.sheet = kind.name, sheet
    first_data = header_index + 1
    data = grid.slice(first_data).select([pl.col(grid.columns[indexes[a]]).replace("", None).alias(a) for a in aliases])
    if numbers is None:  # a workbook's date cells at midnight: the date, as Excel shows it
        data = data.with_columns(  # the pattern only where a literal test finds a time (a third of the cost)
            pl.when(pl.col(a).str.ends_with("00:00:00"))
            .then(pl.col(a).str.replace(_MIDNIGHT, "$1"))
            .otherwise(pl.col(a))
            for a in aliases
        )
    del grid
    if not aliases:
        return Table(kind, source, header_row, columns, [], pl.DataFrame(), findings)

    # error cells (a workbook's from the scan, grid row/column → 0-based data row, alias)
    at_alias = {first_column + indexes[a]: a for a in aliases}
    errors = {
        (i - first_data, at_alias[j]): text for (i, j), text in scan.errors.items() if i >= first_data and j in at_alias
    }
    # blank rows dropped (a row whose only cell is an error value is kept: the error is reported)
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    filled = pl.any_horizontal(pl.col(a).is_not_null() for a in aliases)
    if errors:
        filled = filled | position.is_in(sorted({k for k, _ in errors}))
    data = data.with_columns(position.alias("__position")).filter(filled)
    if data.height > limits.max_rows:
        raise fail("too-many-rows", source, sheet=sheet, limit=f"{limits.max_rows:,}")
    positions = data["__position"].to_list()
    data = data.drop("__position")
    row_numbers = [number(first_data + k) for k in positions]
    record_of = {k: r for r, k in enumerate(positions)}  # 0-based data row -> record index

    _check_cell_lengths(data, columns, row_numbers, source, sheet, limits)
    cell_findings: list[Finding] = []
    if numbers is not None:  # a CSV holds error values as text ("#N/A")
        for alias in aliases:
            hits = data.select(pl.arg_where(pl.col(alias).is_in(list(EXCEL_ERRORS))))
            for r in hits.to_series().to_list():
                errors[positions[r], alias] = data[alias][r]
    if errors:
        cleared = {alias: sorted(record_of[k] for k, a in errors if a == alias) for alias in aliases}
        data = data.with_columns(
            pl.when(pl.int_range(pl.len()).is_in(rows)).then(None).otherwise(pl.col(alias)).alias(alias)
            for alias, rows in cleared.items()
            if rows
        )
        for (k, alias), text in errors.items():
            letter, header = columns[alias]
            cell_findings.append(
                make("error-cell", sheet=sheet, row=row_numbers[record_of[k]], column=letter, header=header, value=text)
            )
    for i, j in scan.formulas:
        k, formula_alias = i - first_data, at_alias.get(j)
        if formula_alias is not None and k in record_of and (k, formula_alias) not in errors:
            letter, header = columns[formula_alias]
            cell_findings.append(
                make(
                    "formula-cell",
                    sheet=sheet,
                    row=row_numbers[record_of[k]],
                    column=letter,
                    header=header,
                    value=data[formula_alias][record_of[k]],
                )
            )
    findings.extend(sorted(cell_findings, key=cell_order))
    return Table(kind, source, header_row, columns, row_numbers, data, findings)


def _check_cell_lengths(data: pl.DataFrame, columns, row_numbers, source, sheet, limits: Limits) -> None:
    """A cell longer than Excel allows (a crafted or broken file) refuses the file."""
    import polars as pl

    longest = data.select(pl.col(a).str.len_chars().max() for a in data.columns).row(0)
    for alias, length in zip(data.columns, longest, strict=True):
        if length is not None and length > limits.max_cell_chars:
            r = data.select(pl.arg_where(pl.col(alias).str.len_chars() > limits.max_cell_chars).first()).item()
            letter, header = columns[alias]
            raise fail_detail(
                "file-too-large",
                source,
                f"{letter}{row_numbers[r]}のセルが{limits.max_cell_chars:,}文字を超えています",
                f"the cell {letter}{row_numbers[r]} has more than {limits.max_cell_chars:,} characters",
                sheet=sheet,
                row=row_numbers[r],
                column=letter,
                header=header,
            )


def cell_order(finding: Finding) -> tuple:
    return finding.row or 0, len(finding.column or ""), finding.column or ""
