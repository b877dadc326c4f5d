"""The sheet scan: one streaming pass over a sheet's XML for what the fast parser does not say.

Cells far out (a cell at XFD1048576 makes the parser allocate the whole grid — calamine#693) are
refused before parsing; Excel error cells (``#N/A``: the parser reads them as empty) and formulas
are collected. Literal searches only, so that it costs a fraction of the parse.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field

from ..report import Source
from .failures import ReadFailure, fail_detail, unreadable
from .guards import check_prolog, inflate
from .limits import Limits
from .table import column_index, column_letter

__all__ = ["Scan", "scan_sheet"]


@dataclass
class Scan:
    """What the sheet XML says that the fast parser does not: error cells and formulas (0-based)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    first_column: int = 0  # the leftmost column holding a value: where the parser's grid starts


_SCAN_CHUNK = 4 * 1024 * 1024
SCAN_CONTEXT = 2048
_ATTR_R = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
_FAR_CELL = re.compile(rb'r="(?:([A-Z]{2,3})([0-9]+)|([A-Z])([0-9]{7,}))"')
# A cell in one of columns A–Z at a 6-digit row: a batch of 100,000 rows or more has millions of them,
# so only their largest row is taken (6 digits each: the largest text is the largest number).
_SIX_DIGIT_ROW = re.compile(rb'r="[A-Z]([0-9]{6})"')
_ROW_R = re.compile(rb"""<(?:[\w.-]+:)?row\b[^>]*?\sr\s*=\s*["']([0-9]+)["']""")
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]{0,64})</(?:[\w.-]+:)?v>")


def scan_sheet(data: bytes, archive, info, source: Source, limits: Limits, sheet_name: str) -> Scan:
    """One streaming pass over a sheet's XML before the parser loads it.

    Refuses a grid the parser would have to allocate in full (a cell far out: last row × last
    column beyond ``limits.max_cells``, or a column beyond ``limits.max_columns``); collects the
    Excel error cells (the parser reads them as empty) and the formula cells. Literal searches
    only, so that it costs a fraction of the parse.
    """
    root = check_prolog(archive, info, source) or b"<worksheet"
    prefix = b""
    m = re.match(rb"<([\w.-]+:)?", root)
    if m and m.group(1):
        prefix = m.group(1)
    f_open, c_open, c_close = b"<" + prefix + b"f", b"<" + prefix + b"c", b"</" + prefix + b"c>"
    # Excel and the usual libraries quote attributes with "; a part that uses ' is searched for both
    needles = (b't="e"', b"t='e'") if b"'" in root else (b't="e"',)
    scan = Scan()
    leftmost = _Leftmost(prefix)
    far_row, far_col, far_ref = 0, 0, ""
    last_row_tag = 0
    carry, done = b"", 0
    try:
        chunks = inflate(data, info, source)  # what the parser will see, held to what the zip declares
        while True:
            chunk = next(chunks, b"")
            eof = not chunk
            buf = carry + chunk if carry else chunk
            limit = len(buf) if eof else max(done, len(buf) - SCAN_CONTEXT)
            # cells far out: the parser densifies the grid up to the last row and column
            for m in _FAR_CELL.finditer(buf, done, limit):
                letters, digits = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                row, col = int(digits), column_index(letters) + 1
                if col > far_col:
                    far_col, far_ref = col, (letters + digits).decode()
                    if far_col > limits.max_columns:
                        raise fail_detail(
                            "file-too-large",
                            source,
                            f"{far_ref}にセルがあり、列数が上限の{limits.max_columns}列を超えています。"
                            "不要な列を削除してください",
                            f"more than {limits.max_columns} columns (a cell at {far_ref}); "
                            "delete the columns not needed",
                            sheet=sheet_name,
                        )
                if row > far_row:
                    far_row = row
                    if far_row > 1_048_576:
                        raise fail_detail(
                            "file-suspicious",
                            source,
                            f"行番号{row}はExcelの範囲外です",
                            f"an impossible row number ({row})",
                            sheet=sheet_name,
                        )
            leftmost.search(buf, done, limit)
            six = _SIX_DIGIT_ROW.findall(buf, done, limit)
            if six:
                far_row = max(far_row, int(max(six)))
            _find_errors(buf, done, limit, c_open, c_close, scan, needles)
            _find_formulas(buf, done, limit, f_open, c_open, scan)
            if eof:
                tail = buf.rfind(b"<" + prefix + b"row ", max(0, len(buf) - 64 * 1024))
                if tail >= 0:
                    m = _ROW_R.match(buf, tail)
                    if m:
                        last_row_tag = int(m.group(1))
                break
            start = max(0, limit - SCAN_CONTEXT)
            carry, done = buf[start:], limit - start
    except ReadFailure:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise unreadable(error, source) from None
    scan.first_column = leftmost.column or 0
    rows = max(far_row, last_row_tag, 1)
    cols = max(far_col, 26 if far_row or last_row_tag else 1)
    if rows * cols > limits.max_cells:
        where = f"{column_letter(cols - 1)}{rows}"
        raise fail_detail(
            "file-too-large",
            source,
            f"シートの使用範囲が{where}まで、{rows:,}行×{cols}列に及びます。不要な行・列を削除してください",
            f"the sheet's used range is too large ({rows:,} rows × {cols} columns, up to {where}); "
            "delete the rows and columns not needed",
            sheet=sheet_name,
        )
    return scan


class _Leftmost:
    """The leftmost column that holds a value (a ``<v>`` or an inline string): the parser's grid
    starts there, not at column A (cells that are only formatted do not count).

    The first cell with a value in the XML gives a first answer (usually column A: the title or the
    header); after that only the columns left of the answer are searched for, by their references.
    """

    def __init__(self, prefix: bytes):
        self.column: int | None = None
        self._c_open, self._c_close = b"<" + prefix + b"c", b"</" + prefix + b"c>"
        self._cell = re.compile(re.escape(self._c_open) + rb"(?=[\s/>])[^>]*>")
        self._values = (b"<" + prefix + b"v>", b"<" + prefix + b"v ", b"<" + prefix + b"is>")
        self._left: re.Pattern | None = None

    def search(self, buf: bytes, lo: int, hi: int) -> None:
        if self.column == 0:
            return
        if self.column is None:
            for cell in self._cell.finditer(buf, lo, hi):
                if self._has_value(buf, cell.end(), cell.group()):
                    at = _ref(cell.group())
                    self._found(0 if at is None else at[1])  # a cell without a reference: its row's first
                    break
            else:
                return
        end = min(len(buf), hi + 32)  # a reference across the window's end is searched here
        while self.column and self._left is not None:
            m = self._left.search(buf, lo, end)
            while m is not None and m.start() < hi:
                found = _cell_at(buf, m.start(), self._c_open)
                if (
                    found is not None
                    and found[1] > m.start()
                    and self._has_value(buf, found[1] + 1, buf[found[0] : found[1] + 1])
                ):
                    self._found(column_index(m.group(1)))
                    break
                m = self._left.search(buf, m.end(), end)
            else:
                return

    def _has_value(self, buf: bytes, end: int, tag: bytes) -> bool:
        if tag.endswith(b"/>"):
            return False
        close = buf.find(self._c_close, end, end + SCAN_CONTEXT)
        content = buf[end : close if close >= 0 else end + SCAN_CONTEXT]
        return any(v in content for v in self._values)

    def _found(self, column: int) -> None:
        self.column = column if self.column is None else min(self.column, column)
        letters = b"|".join(column_letter(j).encode() for j in range(self.column))
        self._left = re.compile(rb"""\sr\s*=\s*["'](""" + letters + rb""")[0-9]""") if self.column else None


def _cell_at(buf: bytes, p: int, c_open: bytes) -> tuple[int, int] | None:
    """The start of the <c> tag that encloses position p, or None."""
    lo = max(0, p - SCAN_CONTEXT)
    q = p
    while True:
        q = buf.rfind(c_open, lo, q)
        if q < 0:
            return None
        nxt = buf[q + len(c_open) : q + len(c_open) + 1]
        if nxt in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            end = buf.find(b">", q)
            return (q, end) if end >= 0 else None


def _ref(tag: bytes) -> tuple[int, int] | None:
    m = _ATTR_R.search(tag)
    if not m:
        return None
    return int(m.group(2)) - 1, column_index(m.group(1))


def _find_errors(buf, lo, hi, c_open, c_close, scan: Scan, needles) -> None:
    for needle in needles:
        p = buf.find(needle, lo, hi + len(needle))
        while p >= 0:
            found = _cell_at(buf, p, c_open)
            if found is not None and found[1] > p:
                start, end = found
                at = _ref(buf[start:end])
                if at is not None:
                    value = "#N/A"
                    if buf[end - 1 : end] != b"/":  # not an empty <c …/>
                        close = buf.find(c_close, end, end + SCAN_CONTEXT)
                        m = _CELL_VALUE.search(buf, end, close if close >= 0 else end + SCAN_CONTEXT)
                        if m:
                            value = m.group(1).decode("utf-8", "replace").strip() or value
                    scan.errors[at] = value
            p = buf.find(needle, p + 1, hi + len(needle))


def _find_formulas(buf, lo, hi, f_open, c_open, scan: Scan) -> None:
    n = len(f_open)
    p = buf.find(f_open, lo, hi + n)
    while p >= 0:
        if buf[p + n : p + n + 1] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            found = _cell_at(buf, p, c_open)
            if found is not None:
                at = _ref(buf[found[0] : found[1]])
                if at is not None:
                    scan.formulas.add(at)
        p = buf.find(f_open, p + 1, hi + n)
