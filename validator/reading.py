"""Reading an untrusted batch file (受付ファイルの読込): xlsx/xlsm and CSV, safely and fast.

:func:`read_batch` turns an agency's file into a :class:`Table`: the batch kind, the header row,
where each column is (letter and header as written) and the non-blank rows column by column with
their real Excel row numbers (one :class:`Record` per row on demand), plus the findings met while reading (header problems, Excel error
values, formulas). A file that cannot be read at all raises :class:`ReadFailure`, which carries one
file-level finding and the HTTP status a service answers with.

What it does, in order (the batch format of ``schemas/batches.py``):

1. **Size and content.** The format comes from the bytes, never from the name: a zip is an
   xlsx/xlsm workbook (``[Content_Types].xml`` and ``xl/workbook.xml`` must be there), an OLE2
   container is an old ``.xls`` or a password-protected workbook, anything else is tried as CSV.
2. **Before parsing a workbook** the zip's central directory is checked against :class:`Limits`
   (member count, declared sizes, compression ratio), every XML part's prolog is checked for a
   DOCTYPE/ENTITY declaration (entity expansion, external entities), the shared strings' declared
   count is checked, and the chosen sheet's XML is scanned once for cells far out (a cell at
   XFD1048576 makes the parser allocate the whole grid — calamine#693), Excel error cells (``#N/A``:
   the fast parser drops them) and formulas. Our own XML parsing goes through ``defusedxml``.
3. **Parsing**: python-calamine (Rust) for workbooks, never running macros; the ``csv`` module for
   CSV, decoded as UTF-8 with BOM, UTF-8 or CP932 (strictly, in that order).
4. **The table**: the sheet (by name, by headers or the kind given), the header row (first 10 rows),
   the columns (after NFKC/trim), the records; codes come out as text so leading zeros survive.

A crafted file can still crash the native parser; :func:`read_batch_isolated` runs the same read in
a memory- and time-capped child process (:mod:`validator.sandbox`) so that it costs a child, not
the service or the command line.

HTTP statuses of :class:`ReadFailure` (:data:`HTTP_STATUS`): 400 for a file that is broken,
hostile, empty or not a batch (file-unreadable, file-suspicious, file-empty, unknown-kind,
no-header-row); 413 for one that is too big (file-too-large, too-many-rows, also a child that ran
out of memory or time); 415 for a type we do not take (file-unsupported, file-old-format, and
file-encrypted: a password-protected workbook is an OLE2 container, not an OOXML zip, and the remedy
is the same — save it again as a plain .xlsx).

>>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
('A', 'Z', 'AA', 'XFD')
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import gc
import hashlib
import io
import os
import pickle
import posixpath
import re
import threading
import unicodedata
import zipfile
import zlib
from abc import abstractmethod
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable

from schemas.batches import KINDS, BatchKind, Value, find_kind_by_headers, find_kind_by_sheet

from .findings import Finding, make
from .report import Source

try:  # standard protection for the XML we parse ourselves; the prolog check below holds without it
    from defusedxml import ElementTree as _SafeET
except ImportError:  # pragma: no cover
    _SafeET = None
    import xml.etree.ElementTree as _PlainET

__all__ = ["Limits", "Record", "Table", "ReadFailure", "HTTP_STATUS", "read_batch", "read_batch_isolated",
           "start_reading", "Reading", "column_letter"]


# ---------------------------------------------------------------------------------------------- API

@dataclass(frozen=True)
class Limits:
    """What one file may cost. The defaults suit headquarters' service and command line."""

    max_bytes: int = 32 * 1024 * 1024        # upload size (a 100k-row UTF-8 CSV is ~22 MB)
    max_rows: int = 100_000                    # records
    max_columns: int = 200
    max_uncompressed: int = 300 * 1024 * 1024  # sum of declared zip member sizes
    max_ratio: int = 200                       # per-member uncompressed/compressed (members over 1 MiB)
    max_members: int = 2000
    max_cell_chars: int = 32_767
    memory_mb: int = 1024                      # child process address-space cap
    seconds: int = 120                         # child process time limit
    max_cells: int = 6_000_000                 # a sheet's grid (last row × last column) as the parser holds it


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
            self.findings.extend(sorted(columns.findings, key=_cell_order))
        return self

    def cell_findings(self, letter: str) -> list[Finding]:
        """The reader's findings in the column ``letter`` so far (error values, formulas)."""
        pending = self.values.findings if not isinstance(self.values, dict) else []
        return [f for f in (*self.findings, *pending) if f.column == letter]


# The status a service answers a file with that cannot be read (the CLI exits 2 for all of them).
HTTP_STATUS: dict[str, int] = {
    "file-unreadable": 400,
    "file-suspicious": 400,
    "file-empty": 400,
    "unknown-kind": 400,
    "no-header-row": 400,
    "file-too-large": 413,
    "too-many-rows": 413,
    "file-unsupported": 415,
    "file-old-format": 415,
    "file-encrypted": 415,
}


class ReadFailure(Exception):
    """The file cannot be read at all; carries one file-level :class:`Finding` (CLI exit 2, HTTP 4xx).

    ``source`` says what was learnt of the file before it failed (name, size, sha256, format).
    """

    def __init__(self, finding: Finding, http_status: int | None = None, source: Source | None = None):
        super().__init__(finding.message_ja)
        self.finding = finding
        self.http_status = http_status if http_status is not None else HTTP_STATUS.get(finding.code, 400)
        self.source = source

    def __reduce__(self):
        return (ReadFailure, (self.finding, self.http_status, self.source))

    def __str__(self) -> str:
        return f"{self.finding.message_ja} {self.finding.hint_ja} ({self.finding.code})"


def column_letter(index: int) -> str:
    """The Excel column letter of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: bytes | str) -> int:
    """0-based column index of Excel column letters."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _fail(code: str, source: Source | None = None, **params) -> ReadFailure:
    return ReadFailure(make(code, **params), HTTP_STATUS[code], source)


def _detail(code: str, source: Source | None, ja: str, en: str, **position) -> ReadFailure:
    return _fail(code, source, detail_ja=ja, detail_en=en, **position)


def _mb(n: int) -> str:
    """A size as people read it: 20.0MB, or 980バイト below a megabyte."""
    return f"{n / (1024 * 1024):.1f}MB" if n >= 1024 * 1024 else f"{n:,}バイト"


# Excel's error values (also those of newer Excel), as they appear in a cell or in a CSV export.
EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

# Columns whose values are codes: a number typed into them is turned back into its digits.
_CODE_VALUES = frozenset({Value.DIGITS, Value.REFERENCE, Value.POSTAL_CODE, Value.PHONE, Value.CORPORATE_NUMBER})

# A sheet named like the template's sample sheet is taken only when nothing else matches.
_SAMPLE_WORDS = ("記入例", "見本", "サンプル", "sample", "example")

_HEADER_ROWS = 10


# ---------------------------------------------------------------------------------------------- entry

def _want_kind(kind) -> BatchKind | None:
    if kind is None or isinstance(kind, BatchKind):
        return kind
    try:
        return KINDS[str(kind)]
    except KeyError:
        raise ValueError(f"unknown batch kind {kind!r}: one of {', '.join(KINDS)}") from None


def read_batch(path, kind: str | None = None, *, filename: str | None = None, limits: Limits = Limits()) -> Table:
    """Read a batch file into a :class:`Table`; raises :class:`ReadFailure` when it cannot be read.

    ``kind`` (a name of :data:`schemas.batches.KINDS`) forces the batch kind; otherwise it is found
    from the sheet name or the headers. ``filename`` is the name to report (an upload's own name);
    the path's base name by default. An unknown ``kind`` raises ValueError (a usage error).
    """
    return _read_guarded(path, _want_kind(kind), filename, limits)


def _read_guarded(path, want: BatchKind | None, filename: str | None, limits: Limits,
                  complete: bool = True) -> Table:
    """:func:`_read` with every error of a broken file turned into a ReadFailure; ``complete=False``
    leaves the columns to be made when asked for (each under :func:`_guarded` again)."""
    path = os.fspath(path)
    source = Source(filename=filename or os.path.basename(path), sha256="", size=0)
    with _guarded(source):
        table = _read(path, want, source, limits)
        return table.complete() if complete else table


@contextlib.contextmanager
def _guarded(source: Source):
    """Every error of a broken file raised inside becomes a ReadFailure about ``source``."""
    collecting = gc.isenabled()
    gc.disable()        # building ~10⁶ objects: the cyclic collector would rescan them over and over
    try:
        yield
    except ReadFailure as failure:
        if failure.source is None:
            failure.source = source
        raise
    except MemoryError:
        raise _detail("file-too-large", source, "読み込みに必要なメモリが足りません",
                      "not enough memory to read it") from None
    except RecursionError:
        raise _detail("file-suspicious", source, "入れ子が深すぎます", "nesting too deep") from None
    except Exception as error:  # noqa: BLE001 - a parser's own error on a broken file
        raise _unreadable(error, source) from None
    except BaseException as error:  # a native panic surfaces as a BaseException (pyo3 PanicException)
        if type(error).__name__ != "PanicException":
            raise
        raise _unreadable(error, source) from None
    finally:
        if collecting:
            gc.enable()


def _unreadable(error: BaseException, source: Source) -> ReadFailure:
    text = str(error)[:300]
    lowered = text.lower()
    if "crc" in lowered or "checksum" in lowered:
        return _detail("file-unreadable", source, "ファイルが壊れています（zipのCRCが一致しません）。元のファイルをもう一度保存して送ってください",
                       f"the file is corrupt: bad CRC ({text})")
    if "password" in lowered or "encrypt" in lowered:
        return _fail("file-encrypted", source)
    return _detail("file-unreadable", source, f"ファイルが壊れているか形式が正しくありません（{type(error).__name__}）。Excelで開いて保存し直してください",
                   f"the file is broken or malformed ({type(error).__name__}: {text})")


def _read(path: str, want: BatchKind | None, source: Source, limits: Limits) -> Table:
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise _detail("file-unreadable", source, "ファイルを開けません。ファイルの場所と権限を確認してください",
                      f"cannot open the file ({error.strerror})") from None
    source.size = size
    if size > limits.max_bytes:
        raise _detail("file-too-large", source, f"{_mb(size)}で、上限の{_mb(limits.max_bytes)}を超えています",
                      f"{size:,} bytes, at most {limits.max_bytes:,}")
    with open(path, "rb") as f:
        data = f.read(limits.max_bytes + 1)
    source.size = len(data)
    source.sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        raise _fail("file-empty", source)
    if data[:2] == b"PK":
        return _read_workbook(data, want, source, limits)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _ole2(data, source)
    _refuse_binary(data, source)
    return _read_csv(data, want, source, limits)


def _ole2(data: bytes, source: Source) -> ReadFailure:
    """An OLE2 compound file: an encrypted OOXML workbook, an old .xls, or another Office file."""
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        source.format = "xlsx"
        return _fail("file-encrypted", source)
    for stream, name_ja, name_en in (("WordDocument", "Word文書（.doc）", "a Word .doc document"),
                                     ("PowerPoint Document", "PowerPoint（.ppt）", "a PowerPoint .ppt file")):
        if stream.encode("utf-16-le") in data:
            return _detail("file-unsupported", source, name_ja, name_en)
    source.format = "xls"
    return _fail("file-old-format", source)


_SIGNATURES = [
    (b"%PDF", "PDF", "PDF"),
    (b"\x89PNG", "画像（PNG）", "a PNG image"),
    (b"\xff\xd8\xff", "画像（JPEG）", "a JPEG image"),
    (b"GIF8", "画像（GIF）", "a GIF image"),
    (b"\x1f\x8b", "gzip圧縮ファイル", "a gzip file"),
    (b"Rar!", "RAR圧縮ファイル", "a RAR archive"),
    (b"7z\xbc\xaf", "7z圧縮ファイル", "a 7z archive"),
    (b"{\\rtf", "RTF文書", "an RTF document"),
]


def _refuse_binary(data: bytes, source: Source) -> None:
    """Refuse what is plainly not a CSV before trying to decode it as one."""
    for magic, name_ja, name_en in _SIGNATURES:
        if data.startswith(magic):
            raise _detail("file-unsupported", source, name_ja, name_en)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _detail("file-unsupported", source,
                      "UTF-16のテキストです。「CSV UTF-8（コンマ区切り）」で保存し直してください",
                      "UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<html", b"<!doctype", b"<table")):
        raise _detail("file-unsupported", source, "XMLまたはHTMLのファイルで、ExcelブックでもCSVでもありません",
                      "an XML or HTML file, neither a workbook nor a CSV")
    zero = data.find(b"\x00")
    if zero >= 0:
        line = data.count(b"\n", 0, zero) + 1
        raise _detail("file-unsupported", source, f"バイナリファイル、{line}行目にNUL文字があります",
                      f"binary data (a NUL byte on line {line})")


# ---------------------------------------------------------------------------------------------- workbooks

_CT_MAIN = re.compile(r"spreadsheetml\.(sheet|template)\.main\+xml|ms-excel\.(sheet|template)\.macroEnabled\.main\+xml")
_SST_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*["'](\d+)["']""")
_RATIO_FLOOR = 1024 * 1024      # the ratio check applies to members larger than this
_PROLOG_BYTES = 64 * 1024
_SMALL_PART = 16 * 1024 * 1024  # workbook.xml, rels, content types: parsed in memory


def _read_workbook(data: bytes, want: BatchKind | None, source: Source, limits: Limits) -> Table:
    source.format = "xlsx"
    if data[:4] != b"PK\x03\x04":
        raise _detail("file-unsupported", source, "空または分割されたzipファイル", "an empty or split zip archive")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _detail("file-unreadable", source,
                      "ファイルが途中で切れているか壊れています（zipの終わりが見つかりません）。もう一度保存してから送ってください",
                      "the file is truncated or corrupt (no end of zip archive); save and send it again") from None
    with archive:
        members = _check_zip(archive, source, limits)
        content_types = _small_part(archive, members, "[Content_Types].xml", source)
        if content_types is None or "xl/workbook.xml" not in members:
            raise _not_a_workbook(members, source)
        source.format = _workbook_format(content_types, members)
        for info in members.values():
            if info.filename.lower().endswith((".xml", ".rels")):
                _check_prolog(archive, info, source)
        sheets = _sheet_parts(archive, members, source)
        if "xl/sharedStrings.xml" in members:
            _check_shared_strings(archive, members["xl/sharedStrings.xml"], source)
        return _read_sheets(data, archive, members, sheets, want, source, limits)


def _check_zip(archive: zipfile.ZipFile, source: Source, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The zip's central directory against the limits, before anything is inflated."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _detail("file-suspicious", source, f"zipの要素が{len(infos):,}個あり、上限の{limits.max_members:,}個を超えています",
                      f"too many zip members ({len(infos):,}, at most {limits.max_members:,})")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.filename in members:
            raise _detail("file-suspicious", source, f"zipに同じ名前の要素「{info.filename[:80]}」が2つあります",
                          f"two zip members share a name ({info.filename[:80]})")
        members[info.filename] = info
        if info.flag_bits & 0x1:
            raise _fail("file-encrypted", source)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _detail("file-unsupported", source, f"zipの圧縮方式{info.compress_type}はExcelのものではありません",
                          f"zip compression method {info.compress_type} is not Excel's")
        total += info.file_size
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise _detail("file-suspicious", source,
                              f"圧縮率が異常に高い要素があります：{info.filename[:80]} が{ratio:,.0f}倍、上限{limits.max_ratio}倍",
                              f"a zip member is compressed suspiciously well ({info.filename[:80]}: "
                              f"{ratio:,.0f}:1, at most {limits.max_ratio}:1)")
    if total > limits.max_uncompressed:
        raise _detail("file-too-large", source, f"展開後{_mb(total)}で、上限の{_mb(limits.max_uncompressed)}を超えています",
                      f"{total:,} bytes uncompressed, at most {limits.max_uncompressed:,}")
    return members


def _not_a_workbook(members: dict[str, zipfile.ZipInfo], source: Source) -> ReadFailure:
    names = set(members)
    if "xl/workbook.bin" in names:
        ja, en = "Excelバイナリブック（.xlsb）。.xlsx 形式で保存し直してください", "an Excel binary workbook (.xlsb); save it as .xlsx"
    elif "word/document.xml" in names:
        ja, en = "Word文書（.docx）", "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        ja, en = "PowerPoint（.pptx）", "a PowerPoint file (.pptx)"
    elif "mimetype" in names or "content.xml" in names:
        ja, en = "OpenDocument形式（.ods など）。Excelで .xlsx 形式で保存し直してください", "an OpenDocument file (.ods …); save it as .xlsx"
    else:
        ja, en = "Excelブックではないzipファイル", "a zip archive that is not an Excel workbook"
    return _detail("file-unsupported", source, ja, en)


def _workbook_format(content_types: bytes, members) -> str:
    match = _CT_MAIN.search(content_types.decode("utf-8", "replace"))
    if (match and match.group(2)) or "xl/vbaProject.bin" in members:
        return "xlsm"
    return "xlsx"


def _small_part(archive, members, name: str, source: Source) -> bytes | None:
    info = members.get(name)
    if info is None:
        return None
    if info.file_size > _SMALL_PART:
        raise _detail("file-suspicious", source, f"{name} が{_mb(info.file_size)}もあります",
                      f"{name} is too large ({info.file_size:,} bytes)")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise _unreadable(error, source) from None


def _decode_head(head: bytes) -> bytes:
    """The start of an XML part as UTF-8 bytes (UTF-16 parts are re-encoded for the checks)."""
    if head.startswith(codecs.BOM_UTF8):
        return head[3:]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else (
            "utf-16-le" if head[:2] == b"<\x00" else "utf-16-be")
        return head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    return head


def _root_tag(head: bytes) -> bytes | None:
    """The root element's start tag, after the XML declaration, comments and processing instructions.

    Raises ValueError("dtd") on a DOCTYPE or any other markup declaration, ValueError("long") when
    the prolog does not end within the bytes given.
    """
    i, n = 0, len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return None
        if head.startswith(b"<?", i):
            j = head.find(b"?>", i)
            if j < 0:
                raise ValueError("long")
            i = j + 2
        elif head.startswith(b"<!--", i):
            j = head.find(b"-->", i)
            if j < 0:
                raise ValueError("long")
            i = j + 3
        elif head.startswith(b"<!", i):
            raise ValueError("dtd")
        elif head.startswith(b"<", i):
            j = head.find(b">", i)
            if j < 0:
                raise ValueError("long")
            return head[i:j + 1]
        else:
            return None


def _check_prolog(archive, info, source: Source) -> bytes | None:
    """Refuse DOCTYPE/ENTITY declarations (billion laughs, external entities); the root tag."""
    try:
        with archive.open(info) as f:
            head = _decode_head(f.read(_PROLOG_BYTES))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as error:
        raise _unreadable(error, source) from None
    try:
        root = _root_tag(head)
    except ValueError as error:
        if str(error) == "dtd" or b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise _detail("file-suspicious", source,
                          f"{info.filename[:80]} にDOCTYPE・ENTITY宣言があります",
                          f"an XML part declares a DOCTYPE or entities ({info.filename[:80]})") from None
        if len(head) >= _PROLOG_BYTES:
            raise _detail("file-suspicious", source, f"{info.filename[:80]} の冒頭が長すぎます",
                          f"an XML part's prolog is too long ({info.filename[:80]})") from None
        return None
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise _detail("file-suspicious", source, f"{info.filename[:80]} にDOCTYPE・ENTITY宣言があります",
                      f"an XML part declares a DOCTYPE or entities ({info.filename[:80]})")
    return root


def _check_shared_strings(archive, info, source: Source) -> None:
    """A declared string count far beyond what the part can hold makes the parser reserve it all."""
    root = _check_prolog(archive, info, source) or b""
    match = _SST_UNIQUE.search(root)
    if match and int(match.group(1)) > info.file_size // 8 + 16:
        raise _detail("file-suspicious", source,
                      f"共有文字列の件数の宣言{int(match.group(1)):,}件が実際と合いません",
                      f"the shared strings declare an impossible count ({int(match.group(1)):,})")


def _parse_xml(data: bytes, source: Source):
    try:
        if _SafeET is not None:
            return _SafeET.fromstring(data, forbid_dtd=True)
        return _PlainET.fromstring(data)  # pragma: no cover - the prolog check refused DTDs already
    except Exception as error:  # noqa: BLE001 - defusedxml's and the parser's errors alike
        if type(error).__module__.startswith("defusedxml"):
            raise _detail("file-suspicious", source, "XMLにDOCTYPE・ENTITY宣言があります",
                          "an XML part declares a DOCTYPE or entities") from None
        raise _detail("file-unreadable", source, "ブックの構造を表すXMLが壊れています。Excelで開いて保存し直してください",
                      f"the workbook's XML is broken ({error})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class _SheetPart:
    name: str
    part: str | None      # the zip member of its XML
    hidden: bool
    chart: bool


def _sheet_parts(archive, members, source: Source) -> list[_SheetPart]:
    """The workbook's sheets in order, with the zip member of each sheet's XML."""
    workbook = _parse_xml(_small_part(archive, members, "xl/workbook.xml", source) or b"", source)
    rels_data = _small_part(archive, members, "xl/_rels/workbook.xml.rels", source)
    targets: dict[str, tuple[str, str]] = {}
    if rels_data is not None:
        for rel in _parse_xml(rels_data, source).iter():
            if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
                target = rel.get("Target")
                part = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join("xl", target)))
                targets[rel.get("Id")] = (part, rel.get("Type", ""))
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        part, typ = targets.get(rid, (None, ""))
        sheets.append(_SheetPart(element.get("name", ""), part if part in members else None,
                                 element.get("state", "visible") != "visible",
                                 not typ.endswith("/worksheet") and bool(typ)))
    return sheets


def _is_sample(name: str) -> bool:
    folded = unicodedata.normalize("NFKC", name).lower()
    return any(word in folded for word in _SAMPLE_WORDS)


def _candidates(sheets: list[_SheetPart], want: BatchKind | None) -> list[tuple[_SheetPart, BatchKind | None]]:
    """Worksheets in the order they are tried: named for the kind, then others, then samples, then
    sheets named for another kind than the one asked for; hidden sheets after visible ones."""
    ordered = []
    for sheet in sheets:
        if sheet.chart:
            continue
        named = find_kind_by_sheet(sheet.name)
        if want is not None and named is not None and named is not want:
            rank = 3
        else:
            rank = 0 if named is not None else (2 if _is_sample(sheet.name) else 1)
        ordered.append(((sheet.hidden, rank), sheet, named))
    ordered.sort(key=lambda t: t[0])      # stable: workbook order within a rank
    return [(sheet, named) for _, sheet, named in ordered]


def _read_sheets(data: bytes, archive, members, sheets, want, source, limits) -> Table:
    import python_calamine

    candidates = _candidates(sheets, want)
    if not candidates:
        if any(not s.chart for s in sheets):
            raise _fail("unknown-kind", source)
        raise _fail("file-empty", source)
    # the very bytes that were checked, not the path again
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    no_header: str | None = None
    parsing = None
    try:
        for sheet, named in candidates:
            kind = want or named
            info = members[sheet.part] if sheet.part else None
            if info is not None and _isolated and info.file_size > _SCAN_ALONGSIDE_BYTES:
                # calamine releases the GIL: it parses while the scan runs, on another core. Should
                # the scan refuse the sheet, the child answers and exits, parse and all.
                parsing = _Parsing(workbook, sheet.name)
                scan = _scan_sheet(archive, info, source, limits, sheet.name)
                grid = parsing.grid()
                parsing = None
            else:
                scan = _scan_sheet(archive, info, source, limits, sheet.name) if info is not None else _Scan()
                grid = workbook.get_sheet_by_name(sheet.name)
            head = grid.to_python(skip_empty_area=False, nrows=_HEADER_ROWS)
            found = _locate_header(head, kind)
            if found is None:
                if kind is not None and no_header is None:
                    no_header = sheet.name
                continue
            kind, header_index = found
            source.sheet, source.kind = sheet.name, kind.name
            rows = grid.to_python(skip_empty_area=False)
            del grid
            return _build_table(kind, source, sheet.name, rows, header_index, None, limits, scan)
    finally:
        if parsing is None:            # not while a parse still runs in its thread
            workbook.close()
    if no_header is not None:
        source.sheet = no_header
        raise _fail("no-header-row", source, sheet=no_header)
    raise _fail("unknown-kind", source)


# In the reading child (read_batch_isolated) a large sheet is parsed while it is scanned: a child
# may abandon a parse half-way, it exits right after answering. A small sheet, the usual crafted
# one, is scanned first, so that a cell far out is refused before the parser allocates its grid.
_isolated = False
_SCAN_ALONGSIDE_BYTES = 8 * 1024 * 1024


class _Parsing:
    """calamine parsing one sheet in a thread."""

    def __init__(self, workbook, name: str):
        self._grid = self._error = None
        self._thread = threading.Thread(target=self._run, args=(workbook, name), daemon=True,
                                        name="kyosai-parse")
        self._thread.start()

    def _run(self, workbook, name):
        try:
            self._grid = workbook.get_sheet_by_name(name)
        except BaseException as error:  # noqa: BLE001 - raised again in the reading thread
            self._error = error

    def grid(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._grid


# ---------------------------------------------------------------------------------------------- the sheet scan

@dataclass
class _Scan:
    """What the sheet XML says that the fast parser does not: error cells and formulas (0-based)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)


_SCAN_CHUNK = 4 * 1024 * 1024
_SCAN_CONTEXT = 2048
_ATTR_R = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
_FAR_CELL = re.compile(rb'r="(?:([A-Z]{2,3})([0-9]+)|([A-Z])([0-9]{6,}))"')
_ROW_R = re.compile(rb"""<(?:[\w.-]+:)?row\b[^>]*?\sr\s*=\s*["']([0-9]+)["']""")
_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]{0,64})</(?:[\w.-]+:)?v>")


def _scan_sheet(archive, info, source: Source, limits: Limits, sheet_name: str) -> _Scan:
    """One streaming pass over a sheet's XML before the parser loads it.

    Refuses a grid the parser would have to allocate in full (a cell far out: last row × last
    column beyond ``limits.max_cells``, or a column beyond ``limits.max_columns``); collects the
    Excel error cells (the parser reads them as empty) and the formula cells. Literal searches
    only, so that it costs a fraction of the parse.
    """
    root = _check_prolog(archive, info, source) or b"<worksheet"
    prefix = b""
    m = re.match(rb"<([\w.-]+:)?", root)
    if m and m.group(1):
        prefix = m.group(1)
    f_open, c_open, c_close = b"<" + prefix + b"f", b"<" + prefix + b"c", b"</" + prefix + b"c>"
    # Excel and the usual libraries quote attributes with "; a part that uses ' is searched for both
    needles = (b't="e"', b"t='e'") if b"'" in root else (b't="e"',)
    scan = _Scan()
    far_row, far_col, far_ref = 0, 0, ""
    last_row_tag = 0
    carry, done = b"", 0
    try:
        with archive.open(info) as f:
            while True:
                data = f.read(_SCAN_CHUNK)
                eof = not data
                buf = carry + data if carry else data
                limit = len(buf) if eof else max(done, len(buf) - _SCAN_CONTEXT)
                # cells far out: the parser densifies the grid up to the last row and column
                for m in _FAR_CELL.finditer(buf, done, limit):
                    letters, digits = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                    row, col = int(digits), _column_index(letters) + 1
                    if col > far_col:
                        far_col, far_ref = col, (letters + digits).decode()
                        if far_col > limits.max_columns:
                            raise _detail("file-too-large", source,
                                          f"{far_ref}にセルがあり、列数が上限の{limits.max_columns}列を超えています。"
                                          "不要な列を削除してください",
                                          f"more than {limits.max_columns} columns (a cell at {far_ref}); "
                                          "delete the columns not needed", sheet=sheet_name)
                    if row > far_row:
                        far_row = row
                        if far_row > 1_048_576:
                            raise _detail("file-suspicious", source, f"行番号{row}はExcelの範囲外です",
                                          f"an impossible row number ({row})", sheet=sheet_name)
                _find_errors(buf, done, limit, c_open, c_close, scan, needles)
                _find_formulas(buf, done, limit, f_open, c_open, scan)
                if eof:
                    tail = buf.rfind(b"<" + prefix + b"row ", max(0, len(buf) - 64 * 1024))
                    if tail >= 0:
                        m = _ROW_R.match(buf, tail)
                        if m:
                            last_row_tag = int(m.group(1))
                    break
                start = max(0, limit - _SCAN_CONTEXT)
                carry, done = buf[start:], limit - start
    except ReadFailure:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise _unreadable(error, source) from None
    rows = max(far_row, last_row_tag, 1)
    cols = max(far_col, 26 if far_row or last_row_tag else 1)
    if rows * cols > limits.max_cells:
        where = f"{column_letter(cols - 1)}{rows}"
        raise _detail("file-too-large", source,
                      f"シートの使用範囲が{where}まで、{rows:,}行×{cols}列に及びます。不要な行・列を削除してください",
                      f"the sheet's used range is too large ({rows:,} rows × {cols} columns, up to {where}); "
                      "delete the rows and columns not needed", sheet=sheet_name)
    return scan


def _cell_at(buf: bytes, p: int, c_open: bytes) -> tuple[int, int] | None:
    """The start of the <c> tag that encloses position p, or None."""
    lo = max(0, p - _SCAN_CONTEXT)
    q = p
    while True:
        q = buf.rfind(c_open, lo, q)
        if q < 0:
            return None
        nxt = buf[q + len(c_open):q + len(c_open) + 1]
        if nxt in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            end = buf.find(b">", q)
            return (q, end) if end >= 0 else None


def _ref(tag: bytes) -> tuple[int, int] | None:
    m = _ATTR_R.search(tag)
    if not m:
        return None
    return int(m.group(2)) - 1, _column_index(m.group(1))


def _find_errors(buf, lo, hi, c_open, c_close, scan: _Scan, needles) -> None:
    for needle in needles:
        p = buf.find(needle, lo, hi + len(needle))
        while p >= 0:
            found = _cell_at(buf, p, c_open)
            if found is not None and found[1] > p:
                start, end = found
                at = _ref(buf[start:end])
                if at is not None:
                    value = "#N/A"
                    if buf[end - 1:end] != b"/":      # not an empty <c …/>
                        close = buf.find(c_close, end, end + _SCAN_CONTEXT)
                        m = _CELL_VALUE.search(buf, end, close if close >= 0 else end + _SCAN_CONTEXT)
                        if m:
                            value = m.group(1).decode("utf-8", "replace").strip() or value
                    scan.errors[at] = value
            p = buf.find(needle, p + 1, hi + len(needle))


def _find_formulas(buf, lo, hi, f_open, c_open, scan: _Scan) -> None:
    n = len(f_open)
    p = buf.find(f_open, lo, hi + n)
    while p >= 0:
        if buf[p + n:p + n + 1] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            found = _cell_at(buf, p, c_open)
            if found is not None:
                at = _ref(buf[found[0]:found[1]])
                if at is not None:
                    scan.formulas.add(at)
        p = buf.find(f_open, p + 1, hi + n)


# ---------------------------------------------------------------------------------------------- CSV

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
            raise _detail("file-unreadable", source,
                          f"{line}行目にUTF-8として読めない文字があり、文字コードが混在しています。"
                          "UTF-8 で保存し直してください",
                          f"line {line} is not valid UTF-8 (mixed encodings); save the file as UTF-8 again") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as cp932_error:
            line8, line932 = _bad_line(data, utf8_error), _bad_line(data, cp932_error)
            raise _detail("file-unreadable", source,
                          f"文字コードが判別できません。UTF-8としては{line8}行目、Shift_JIS(CP932)としては{line932}行目に読めない文字があり、"
                          "文字コードが混在している可能性があります。UTF-8 または Shift_JIS のどちらか一方で保存し直してください",
                          f"the encoding cannot be told (not UTF-8 at line {line8}, not CP932 at line {line932}; "
                          "mixed encodings?); save the file as UTF-8 or Shift_JIS") from None


def _read_csv(data: bytes, want: BatchKind | None, source: Source, limits: Limits) -> Table:
    source.format = "csv"
    text, source.encoding = _decode(data, source)
    del data
    if not text.strip(" \t\r\n\u3000,;"):
        raise _fail("file-empty", source)
    first = text[: text.find("\n") if "\n" in text else len(text)]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    rows, numbers = _csv_rows(text, delimiter, source, limits)
    del text
    found = _locate_header(rows[:_HEADER_ROWS], want)
    if found is None:
        raise _fail("no-header-row" if want is not None else "unknown-kind", source)
    kind, header_index = found
    source.kind = kind.name
    return _build_table(kind, source, None, rows, header_index, numbers, limits, _Scan())


def _csv_rows(text: str, delimiter: str, source: Source, limits: Limits) -> tuple[list[list[str]], list[int]]:
    """Every row (blank lines included, as []) and the line each starts on."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    filled = 0
    cap = limits.max_rows + _HEADER_ROWS
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
                        raise _detail("file-too-large", source,
                                      f"{line}行目に{limits.max_cell_chars:,}文字を超えるセルがあります。セルの内容を確認してください",
                                      f"line {line} has a cell of more than {limits.max_cell_chars:,} "
                                      "characters") from None
                    raise _detail("file-unreadable", source, f"{line}行目をCSVとして読めません。引用符（\"）の対応を確認してください：{error}",
                                  f"line {line} is not valid CSV ({error})", row=line) from None
                while row and row[-1] == "":
                    row.pop()
                if len(row) > limits.max_columns:
                    raise _detail("file-too-large", source,
                                  f"{start}行目の列数が{len(row):,}列で、上限の{limits.max_columns}列を超えています。区切り文字と不要な列を確認してください",
                                  f"line {start} has more than {limits.max_columns} columns ({len(row):,})", row=start)
                if row:
                    filled += 1
                    if filled > cap:
                        raise _fail("too-many-rows", source, limit=f"{limits.max_rows:,}")
                rows.append(row)
                numbers.append(start)
        finally:
            csv.field_size_limit(saved)
    return rows, numbers


# ---------------------------------------------------------------------------------------------- the table

def _header_text(cell) -> str:
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


def _locate_header(head: list[list], kind: BatchKind | None) -> tuple[BatchKind, int] | None:
    """(kind, 0-based index of the header row) within the first rows, or None."""
    for index, row in enumerate(head[:_HEADER_ROWS]):
        texts = [_header_text(cell) for cell in row]
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
    if column_value in _CODE_VALUES:
        return [(v or None) if type(v) is str else (_code_text(v) if type(v) is float else v) for v in col]
    return [(v or None) if type(v) is str else ((int(v) if v.is_integer() else v) if type(v) is float else v)
            for v in col]


def _longest(col) -> tuple[int, bool]:
    """(the longest text's length, whether every cell is text)."""
    try:
        return max(map(len, col), default=0), True
    except TypeError:
        return max((len(v) for v in col if type(v) is str), default=0), False


def _build_table(kind: BatchKind, source: Source, sheet: str | None, rows: list[list], header_index: int,
                 numbers: list[int] | None, limits: Limits, scan: _Scan) -> Table:
    number = (lambda i: i + 1) if numbers is None else numbers.__getitem__
    header_row = number(header_index)
    findings: list[Finding] = []
    columns: dict[str, tuple[str, str]] = {}
    indexes: dict[str, int] = {}
    for j, cell in enumerate(rows[header_index]):
        text = _header_text(cell)
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
        raise _fail("too-many-rows", source, sheet=sheet, limit=f"{limits.max_rows:,}")
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
            raise _detail("file-too-large", source,
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


class _Columns(Mapping):
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


class _Made(_Columns):
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


def _cell_order(finding: Finding) -> tuple:
    return finding.row or 0, len(finding.column or ""), finding.column or ""


# ---------------------------------------------------------------------------------------------- isolation

def _read_packed(path, kind, filename, limits, reader=None):
    """In the child: read, then send the table in parts (a generator, see :func:`sandbox.start`):
    first its head (kind, source, columns, row numbers, header findings), then each column as soon
    as it is made, with its cells' findings, so that the caller reads one column's cells while the
    next is made here.

    multiprocessing's own pickling memoizes every object (~1 s for 100k rows × 22 cells) and
    rebuilds each date through its constructor (~1 µs each); a column is sent as a plain list
    pickled in "fast" mode, its dates as ordinals.
    """
    global _isolated
    gc.disable()                          # the child exits right after; nothing to collect
    _isolated = True
    if reader is None:
        table = _read_guarded(path, _want_kind(kind), filename, limits, complete=False)
    else:                                 # a test's stand-in
        table = reader(path, kind, filename=filename, limits=limits)
        if not isinstance(table, Table):
            return table
    aliases = tuple(table.values)
    yield ("head", table.kind.name, table.source, table.header_row, table.columns, aliases,
           array("q", table.rows).tobytes(), table.findings)
    pending = getattr(table.values, "findings", [])
    for alias in aliases:
        with _guarded(table.source):
            column = table.values[alias]
        found, pending[:] = list(pending), []
        yield ("column", alias, _pack_column(table.kind.column(alias).value, column), found)
    return None


def _pack_column(value: Value, column: list) -> bytes:
    spots = array("q")
    if value in (Value.DATE, Value.MONTH):
        date = _dt.date
        spots.extend(i for i, v in enumerate(column) if type(v) is date)
        if spots:
            column = list(column)
            for i in spots:
                column[i] = column[i].toordinal()
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True                   # no memo: nothing here refers to itself
    pickler.dump((column, spots))
    return buffer.getvalue()


def _unpack_column(data: bytes) -> list:
    collecting = gc.isenabled()
    gc.disable()
    try:
        column, spots = pickle.loads(data)
        fromordinal = _dt.date.fromordinal
        for i in spots:
            column[i] = fromordinal(column[i])
        return column
    finally:
        if collecting:
            gc.enable()


class _Arriving(_Columns):
    """Columns arriving from the reading child, in the kind's order (the order the checks read
    them in): a column not there yet is waited for."""

    def __init__(self, aliases, parts, failure: Callable[[Exception], Exception]):
        super().__init__(aliases)
        self._parts, self._failure = parts, failure

    def _fetch(self, alias: str) -> None:
        while alias not in self._got:
            part = self._next()
            if part is None:
                raise RuntimeError("the reading child ended before sending every column")
            _, got, data, found = part
            self._got[got] = _unpack_column(data)
            self.findings.extend(found)

    def _next(self):
        """The child's next part; None when it has finished without trouble."""
        from . import sandbox

        try:
            return next(self._parts)
        except StopIteration:
            return None
        except sandbox.ChildFailure as failure:
            raise self._failure(failure) from None

    def _done(self) -> None:
        if self._next() is not None:      # the child's last word: it finished without trouble
            raise RuntimeError("the reading child sent more than the table")


def _failure_source(path: str, filename: str | None) -> Source:
    source = Source(filename=filename or os.path.basename(path), sha256="", size=0)
    with contextlib.suppress(OSError):        # what is known of a file that is gone: its name
        source.size = os.stat(path).st_size
        if source.size <= 256 * 1024 * 1024:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            source.sha256 = digest.hexdigest()
    return source


def read_batch_isolated(path, kind: str | None = None, *, filename: str | None = None,
                        limits: Limits = Limits(), _reader=None) -> Table:
    """:func:`read_batch` in a child process capped at ``limits.memory_mb`` and ``limits.seconds``.

    A child that crashes (a native abort), runs out of memory or time raises :class:`ReadFailure`
    here — file-too-large (413) for memory and time, file-unreadable (400) for a crash — and the
    caller carries on. ``_reader`` replaces :func:`read_batch` in the child (tests only; it must be
    a module-level function).

    As with any program that starts processes by forkserver or spawn, the caller's main script must
    not start work when it is imported: keep it under ``if __name__ == "__main__":`` (the
    ``kyosai`` command, gunicorn and pytest are fine).
    """
    table = start_reading(path, kind, filename=filename, limits=limits, _reader=_reader).table()
    return table.complete() if isinstance(table, Table) else table   # (a test's stand-in may answer otherwise)


def start_reading(path, kind: str | None = None, *, filename: str | None = None,
                  limits: Limits = Limits(), _reader=None) -> Reading:
    """Start :func:`read_batch_isolated` and return at once: :meth:`Reading.table` waits for the
    table's head and gives a table whose columns arrive while the caller reads the first ones
    (a ReadFailure may then still come from a column: ``Table.complete`` waits for them all)."""
    from . import sandbox

    want = _want_kind(kind)
    path = os.fspath(path)
    child = sandbox.start(_read_packed, path, want.name if want else None, filename, limits, _reader,
                          memory_mb=limits.memory_mb, seconds=limits.seconds)
    return Reading(child, path, filename, limits)


@dataclass
class Reading:
    """A file being read in its child process (:func:`start_reading`)."""

    child: Any
    path: str
    filename: str | None
    limits: Limits

    def table(self) -> Table:
        """The table, its columns still arriving; raises :class:`ReadFailure` as
        :func:`read_batch_isolated` does."""
        from . import sandbox

        parts = self.child.stream()
        try:
            head = next(parts)
        except StopIteration as stop:     # a test's stand-in reader that returned something else
            return stop.value
        except sandbox.ChildFailure as failure:
            raise self._failure(failure) from None
        _, kind_name, source, header_row, columns, aliases, numbers, findings = head
        rows = array("q")
        rows.frombytes(numbers)
        return Table(KINDS[kind_name], source, header_row, columns, rows.tolist(),
                     _Arriving(aliases, parts, self._failure), findings)

    def _failure(self, failure) -> ReadFailure:
        from . import sandbox

        limits = self.limits
        source = _failure_source(self.path, self.filename)
        if failure.reason == sandbox.CRASHED:
            how = (sandbox.signal_name(failure.signal) if failure.signal
                   else f"終了コード {failure.exitcode}" if failure.exitcode is not None else "結果なし")
            return _detail("file-unreadable", source,
                           f"読み込み中に処理が異常終了しました（{how}）。ファイルが壊れているか、不正な構造の可能性があります。"
                           "Excelで開いて保存し直してください",
                           f"reading crashed: {failure.detail_en.rstrip('.')}; the file is broken or crafted")
        if failure.reason == sandbox.MEMORY:
            ja = f"読み込みに{limits.memory_mb:,}MBを超えるメモリが必要です。ファイルを分割するか、不要な行・列を削除してください"
        else:
            ja = f"読み込みが{limits.seconds}秒以内に終わりません。ファイルを分割するか、不要な行・列を削除してください"
        return _detail("file-too-large", source, ja, failure.detail_en.rstrip("."))

    def cancel(self) -> None:
        """Abandon the reading (the caller was interrupted): the child is killed."""
        self.child.kill()
