"""Reading a CSV (or tab-separated) batch: decoded strictly as UTF-8 with BOM, UTF-8 or CP932.

Every row is kept with the line it starts on (a quoted cell may span lines), so that findings point
at the line a clerk sees in a text editor.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import threading
from typing import TYPE_CHECKING

from schemas.batches import BatchKind

from ..report import Source
from .failures import fail, fail_detail
from .limits import Limits
from .scan import Scan
from .table import HEADER_ROWS, Table, build_table, locate_header

if TYPE_CHECKING:
    import polars as pl

__all__ = ["read_csv"]


_CSV_LOCK = threading.Lock()


def _bad_line(data: bytes, error: UnicodeDecodeError, offset: int = 0) -> int:
    return data.count(b"\n", 0, error.start + offset) + 1


def _decode(data: bytes, source: Source) -> tuple[str, str]:
    """(text, encoding): UTF-8 with BOM, UTF-8, else CP932 — each strictly."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            line = _bad_line(data, error, 3)
            raise fail_detail(
                "file-unreadable",
                source,
                f"{line}行目にUTF-8として読めない文字があり、文字コードが混在しています。UTF-8 で保存し直してください",
                f"line {line} is not valid UTF-8 (mixed encodings); save the file as UTF-8 again",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as cp932_error:
            line8, line932 = _bad_line(data, utf8_error), _bad_line(data, cp932_error)
            raise fail_detail(
                "file-unreadable",
                source,
                f"文字コードが判別できません。UTF-8としては{line8}行目、Shift_JIS(CP932)としては{line932}行目に読めない文字があり、"
                "文字コードが混在している可能性があります。UTF-8 または Shift_JIS のどちらか一方で保存し直してください",
                f"the encoding cannot be told (not UTF-8 at line {line8}, not CP932 at line {line932}; "
                "mixed encodings?); save the file as UTF-8 or Shift_JIS",
            ) from None


def read_csv(data: bytes, want: BatchKind | None, source: Source, limits: Limits) -> Table:
    source.format = "csv"
    text, source.encoding = _decode(data, source)
    # the bytes polars may read as they are (UTF-8), else None: the text is encoded again for it
    utf8 = data[3:] if source.encoding == "utf-8-sig" else data if source.encoding == "utf-8" else None
    del data
    if not text.strip(" \t\r\n\u3000,;"):
        raise fail("file-empty", source)
    first = text[: text.find("\n") if "\n" in text else len(text)]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    grid, numbers = _csv_grid(text, delimiter, source, limits, utf8)
    del text, utf8
    found = locate_header(grid.head(HEADER_ROWS).rows(), want)
    if found is None:
        raise fail("no-header-row" if want is not None else "unknown-kind", source)
    kind, header_index = found
    source.kind = kind.name
    return build_table(kind, source, None, grid, header_index, numbers, limits, Scan())


_CHUNK_ROWS = 20_000  # rows held as Python lists before they join the frame (memory: a 300,000-row CSV)


def _grid(rows: list[list[str]]) -> pl.DataFrame:
    """Rows as a frame of text, column by column (a short row's missing cells are blank)."""
    import polars as pl

    width = max(map(len, rows), default=0) or 1  # blank lines too: the frame keeps every row
    columns = itertools.zip_longest(*rows, [None] * width, fillvalue=None)
    return pl.DataFrame([pl.Series(f"c{j}", cells[:-1], dtype=pl.String) for j, cells in enumerate(columns)])


def _split_grid(
    text: str, delimiter: str, limits: Limits, utf8: bytes | None = None
) -> tuple[pl.DataFrame, list[int]] | None:
    """:func:`_csv_grid` of a CSV without a quote character whose lines end in LF or CR LF — what
    most systems and Excel write when no cell holds a comma, a quote or a line break: each line is
    one record, split by polars, not a Python object per cell. None for any other file, or one that
    passes a limit: the full reader then reads it and says where.

    The same grid as the full reader (tests/test_reading.py proves it on generated texts): empty
    cells at a row's end are blank (None), the others "", a blank line a row of blanks."""
    if '"' in text or text.count("\r") != text.count("\r\n"):
        return None
    import polars as pl

    data = text.encode("utf-8") if utf8 is None else utf8

    def split(width: int) -> pl.DataFrame:
        return pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char=None,
            schema={f"c{j}": pl.String for j in range(width)},
            missing_columns="insert",  # a short row's missing cells, like its empty ones
            empty_string_is_null=False,
            raise_if_empty=False,
        )

    def widest(lines: list[str]) -> int:
        return 1 + max(map(str.count, lines, itertools.repeat(delimiter)))

    # as wide as the widest of the first lines (a batch's rows are as wide as its header), else the widest
    width = widest(text[: 1 << 16].split("\n")[:-1] or [text])
    try:
        try:
            if width > limits.max_columns:
                return None
            frame = split(width)
        except pl.exceptions.ComputeError:  # a longer row further down
            width = widest(text.split("\n"))
            if width > limits.max_columns:
                return None
            frame = split(width)
    except pl.exceptions.PolarsError:
        return None
    # a row's trailing empty cells are dropped, as the full reader does: blank, not ""
    columns = frame.get_columns()
    filled = pl.Series("filled", [False] * frame.height, dtype=pl.Boolean)
    for j in reversed(range(width)):
        filled = filled | (columns[j].str.len_bytes() > 0)
        columns[j] = columns[j].zip_with(filled, pl.Series([None], dtype=pl.String))
    used = max((j + 1 for j, column in enumerate(columns) if column.null_count() < frame.height), default=1)
    frame = pl.DataFrame(columns[:used])
    longest = frame.select(pl.max_horizontal(pl.all().str.len_chars().max())).item()
    if (longest or 0) > limits.max_cell_chars or int(filled.sum()) > limits.max_rows + HEADER_ROWS:
        return None
    return frame, list(range(1, frame.height + 1))


def _csv_grid(
    text: str, delimiter: str, source: Source, limits: Limits, utf8: bytes | None = None
) -> tuple[pl.DataFrame, list[int]]:
    """Every row as a frame of text (blank lines included) and the line each starts on: split by
    polars when it can (:func:`_split_grid`), else by the full reader (:func:`_reader_grid`)."""
    split = _split_grid(text, delimiter, limits, utf8)
    return split if split is not None else _reader_grid(text, delimiter, source, limits)


def _reader_grid(text: str, delimiter: str, source: Source, limits: Limits) -> tuple[pl.DataFrame, list[int]]:
    """:func:`_csv_grid` by Python's csv reader, which knows quoted cells across lines: the rows join
    the frame a chunk at a time, so that they are never all Python objects at once."""
    import polars as pl

    chunks: list[pl.DataFrame] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    filled = 0
    cap = limits.max_rows + HEADER_ROWS
    with _CSV_LOCK:
        saved = csv.field_size_limit(limits.max_cell_chars)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            line = 0
            while True:
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    line = reader.line_num or start
                    if "field larger than field limit" in str(error):
                        raise fail_detail(
                            "file-too-large",
                            source,
                            f"{line}行目に{limits.max_cell_chars:,}文字を超えるセルがあります。セルの内容を確認してください",
                            f"line {line} has a cell of more than {limits.max_cell_chars:,} characters",
                        ) from None
                    raise fail_detail(
                        "file-unreadable",
                        source,
                        f'{line}行目をCSVとして読めません。引用符（"）の対応を確認してください：{error}',
                        f"line {line} is not valid CSV ({error})",
                        row=line,
                    ) from None
                while row and row[-1] == "":
                    row.pop()
                if len(row) > limits.max_columns:
                    raise fail_detail(
                        "file-too-large",
                        source,
                        f"{start}行目の列数が{len(row):,}列で、上限の{limits.max_columns}列を超えています。区切り文字と不要な列を確認してください",
                        f"line {start} has more than {limits.max_columns} columns ({len(row):,})",
                        row=start,
                    )
                if row:
                    filled += 1
                    if filled > cap:
                        raise fail("too-many-rows", source, limit=f"{limits.max_rows:,}")
                rows.append(row)
                numbers.append(start)
                if len(rows) == _CHUNK_ROWS:
                    chunks.append(_grid(rows))
                    rows = []
        finally:
            csv.field_size_limit(saved)
    if rows or not chunks:
        chunks.append(_grid(rows))
    return pl.concat(chunks, how="diagonal") if len(chunks) > 1 else chunks[0], numbers
