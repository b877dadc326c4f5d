"""The table read (:class:`Table`): the header row located, the columns matched, the records
column by column with their real row numbers, and the cells' findings (error values, formulas).

Codes come out as text so that leading zeros survive; whole numbers as ``int``; blank cells as
``None``. Columns are made when first asked for (:class:`Columns`), so that the reading child can send
one column while it makes the next (:mod:`.child`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Callable

from schemas.batches import KINDS, BatchKind, Value, find_kind_by_headers

from ..findings import Finding, make
from ..report import Source
from .failures import fail, fail_detail
from .limits import Limits

if TYPE_CHECKING:
    from .scan import Scan

__all__ = ["Record", "Table", "Columns", "column_letter", "column_index", "EXCEL_ERRORS", "HEADER_ROWS",
           "locate_header", "build_table"]


@dataclass(slots=True)
class Record:
    """One non-blank row: its Excel row number (CSV: the line it starts on) and raw values by alias."""

    row: int
    values: dict[str, object]


@dataclass
class Table:
    """A batch as read: kind, source, header row, columns found, the records column by column
    (``rows`` and ``values``: the form the checks use) and reading findings."""

    kind: BatchKind
    source: Source
    header_row: int
    columns: dict[str, tuple[str, str]]    # alias -> (column letter, header as written)
    rows: list[int]                        # each record's Excel row number (CSV: the line it starts on)
    values: dict[str, list]                # alias (columns present, in the kind's order) -> a raw value per record
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def from_records(cls, kind: BatchKind, source: Source, header_row: int, columns: dict[str, tuple[str, str]],
                     records: list[Record], findings: list[Finding] | None = None) -> Table:
        values = {alias: [r.values.get(alias) for r in records] for alias in columns}
        return cls(kind, source, header_row, columns, [r.row for r in records], values, findings or [])

    @property
    def records(self) -> list[Record]:
        """The records one by one (made on demand: the checks read the columns)."""
        self.complete()
        aliases = list(self.values)
        return [Record(row, dict(zip(aliases, vs))) for row, vs in zip(self.rows, zip(*self.values.values()))] \
            if aliases else [Record(row, {}) for row in self.rows]


    def complete(self) -> Table:
        """Wait for every column of a table whose columns are still being made or still arriving
        from the reading child (:func:`start_reading`); their cells' findings join ``findings``."""
        if not isinstance(self.values, dict):
            columns = self.values
            self.values = columns.complete()
            self.findings.extend(sorted(columns.findings, key=cell_order))
        return self

    def cell_findings(self, letter: str) -> list[Finding]:
        """The reader's findings in the column ``letter`` so far (error values, formulas)."""
        pending = self.values.findings if not isinstance(self.values, dict) else []
        return [f for f in (*self.findings, *pending) if f.column == letter]


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


# Excel's error values (also those of newer Excel), as they appear in a cell or in a CSV export.
EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

# Columns whose values are codes: a number typed into them is turned back into its digits.
CODE_VALUES = frozenset({Value.DIGITS, Value.REFERENCE, Value.POSTAL_CODE, Value.PHONE, Value.CORPORATE_NUMBER})

HEADER_ROWS = 10


def header_text(cell) -> str:
    if cell is None or cell == "":
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell)


def _threshold(kind: BatchKind) -> int:
    """How many of a kind's headers a row must hold to be its header row."""
    required = sum(1 for c in kind.columns if c.required)
    return max(2, (required + 1) // 2)


def _matches(kind: BatchKind, texts: list[str]) -> int:
    return len({c.alias for t in texts if t for c in [kind.match_header(t)] if c})


def locate_header(head: list[list], kind: BatchKind | None) -> tuple[BatchKind, int] | None:
    """(kind, 0-based index of the header row) within the first rows, or None."""
    for index, row in enumerate(head[:HEADER_ROWS]):
        texts = [header_text(cell) for cell in row]
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


def _code_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _convert(column_value: Value, col, all_text: bool) -> list:
    """Raw cells → values: '' → None; numbers in code columns → their digits; whole floats → int."""
    if all_text:
        return [v or None for v in col]
    if column_value in CODE_VALUES:
        return [(v or None) if type(v) is str else (_code_text(v) if type(v) is float else v) for v in col]
    return [(v or None) if type(v) is str else ((int(v) if v.is_integer() else v) if type(v) is float else v)
            for v in col]


def _longest(col) -> tuple[int, bool]:
    """(the longest text's length, whether every cell is text)."""
    try:
        return max(map(len, col), default=0), True
    except TypeError:
        return max((len(v) for v in col if type(v) is str), default=0), False


def build_table(kind: BatchKind, source: Source, sheet: str | None, rows: list[list], header_index: int,
                 numbers: list[int] | None, limits: Limits, scan: Scan) -> Table:
    number = (lambda i: i + 1) if numbers is None else numbers.__getitem__
    header_row = number(header_index)
    findings: list[Finding] = []
    columns: dict[str, tuple[str, str]] = {}
    indexes: dict[str, int] = {}
    for j, cell in enumerate(rows[header_index]):
        text = header_text(cell)
        if not text.strip():
            continue
        letter = column_letter(j)
        column = kind.match_header(text)
        if column is None:
            findings.append(make("unknown-column", sheet=sheet, row=header_row, column=letter, header=text))
        elif column.alias in columns:
            findings.append(make("duplicate-column", sheet=sheet, row=header_row, column=letter, header=text,
                                 first_column=columns[column.alias][0]))
        else:
            columns[column.alias] = (letter, text)
            indexes[column.alias] = j
    for column in kind.columns:
        if column.required and column.alias not in columns:
            findings.append(make("missing-column", sheet=sheet, row=header_row, header=column.header))

    # order the present columns as the kind lists them
    aliases = [c.alias for c in kind.columns if c.alias in columns]
    columns = {a: columns[a] for a in aliases}
    js = [indexes[a] for a in aliases]
    data = rows[header_index + 1:]
    first_data = header_index + 1
    del rows
    source.kind, source.sheet = kind.name, sheet
    if not js:
        return Table(kind, source, header_row, columns, [], {}, findings)
    width = max(js) + 1
    if numbers is not None:            # CSV rows are ragged
        data = [r if len(r) >= width else r + [""] * (width - len(r)) for r in data]
    pick = itemgetter(*js) if len(js) > 1 else (lambda r, j=js[0]: (r[j],))
    picked = list(map(pick, data))
    del data
    n = len(js)
    error_rows = {i - first_data for (i, j) in scan.errors if i >= first_data and j in js}
    keep = [i for i, t in enumerate(picked) if t.count("") != n or i in error_rows]
    if len(keep) > limits.max_rows:
        raise fail("too-many-rows", source, sheet=sheet, limit=f"{limits.max_rows:,}")
    row_numbers = [number(first_data + i) for i in keep]
    if len(keep) < len(picked):
        picked = [picked[i] for i in keep]
    position = {first_data + i: k for k, i in enumerate(keep)}    # 0-based grid row -> record index

    def column_values(alias: str) -> tuple[list, list[Finding]]:
        """One column's values (as :func:`_convert` makes them) and its cells' findings."""
        p = aliases.index(alias)
        j, column, (letter, header) = js[p], kind.column(alias), columns[alias]
        raw = [t[p] for t in picked]
        longest, all_text = _longest(raw)
        if longest > limits.max_cell_chars:
            k = next(k for k, v in enumerate(raw) if type(v) is str and len(v) > limits.max_cell_chars)
            raise fail_detail("file-too-large", source,
                          f"{letter}{row_numbers[k]}のセルが{limits.max_cell_chars:,}文字を超えています",
                          f"the cell {letter}{row_numbers[k]} has more than {limits.max_cell_chars:,} characters",
                          sheet=sheet, row=row_numbers[k], column=letter, header=header)
        col = _convert(column.value, raw, all_text)
        del raw
        found: list[Finding] = []
        where = dict(sheet=sheet, column=letter, header=header)
        # a workbook's error cells come from the scan; a CSV holds them as text ("#N/A")
        if numbers is not None and not EXCEL_ERRORS.isdisjoint(col):
            for k, v in enumerate(col):
                if type(v) is str and v in EXCEL_ERRORS:
                    col[k] = None
                    found.append(make("error-cell", row=row_numbers[k], value=v, **where))
        for (i, jj), text in scan.errors.items():
            k = position.get(i)
            if k is not None and jj == j:
                col[k] = None
                found.append(make("error-cell", row=row_numbers[k], value=text, **where))
        for (i, jj) in scan.formulas:
            k = position.get(i)
            if k is not None and jj == j and (i, jj) not in scan.errors:
                found.append(make("formula-cell", row=row_numbers[k], value=col[k], **where))
        return col, found

    return Table(kind, source, header_row, columns, row_numbers, _Made(aliases, column_values), findings)


class Columns(Mapping):
    """A table's columns, each had when first asked for (``Table.values``): made from the rows
    read (:class:`_Made`) or received from the reading child (:class:`_Arriving`). ``findings``
    collects the findings of the cells (error values, formulas) of the columns had so far;
    :meth:`complete` gives them all as a dict.
    """

    def __init__(self, aliases):
        self.aliases = list(aliases)
        self.findings: list[Finding] = []
        self._got: dict[str, list] = {}

    def __getitem__(self, alias: str) -> list:
        if alias not in self.aliases:
            raise KeyError(alias)
        if alias not in self._got:
            self._fetch(alias)
        return self._got[alias]

    def __iter__(self):
        return iter(self.aliases)

    def __len__(self) -> int:
        return len(self.aliases)

    def __contains__(self, alias) -> bool:
        return alias in self.aliases

    def complete(self) -> dict[str, list]:
        """Every column, in the kind's order."""
        got = {alias: self[alias] for alias in self.aliases}
        self._done()
        return got

    @abstractmethod
    def _fetch(self, alias: str) -> None:
        """Have the column ``alias`` (into ``_got``) and its cells' findings."""

    def _done(self) -> None:
        """Called once every column is had."""


class _Made(Columns):
    """Columns made from the rows read when first asked for: the reading child sends them one by
    one as it makes them, so that the caller reads the first columns' cells while the next are made
    (:func:`start_reading`)."""

    def __init__(self, aliases, make: Callable[[str], tuple[list, list[Finding]]]):
        super().__init__(aliases)
        self._make: Callable | None = make

    def _fetch(self, alias: str) -> None:
        self._got[alias], found = self._make(alias)
        self.findings.extend(found)

    def _done(self) -> None:
        self._make = None                 # the rows read are let go


def cell_order(finding: Finding) -> tuple:
    return finding.row or 0, len(finding.column or ""), finding.column or ""
