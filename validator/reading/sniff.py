"""Which format a file is, from its bytes, never its name: the entry of :func:`read_batch`.

A zip is an xlsx/xlsm workbook (:mod:`.workbook`), an OLE2 container an old ``.xls`` or a
password-protected workbook (refused with what to do), plain binary or markup is refused, anything
else is tried as CSV (:mod:`.delimited`).
"""

from __future__ import annotations

import hashlib
import os

from schemas.batches import KINDS, BatchKind

from ..report import Source
from .delimited import read_csv
from .failures import ReadFailure, fail, fail_detail, guarded, megabytes
from .limits import Limits
from .table import Table
from .workbook import read_workbook

__all__ = ["read_batch", "read_table", "want_kind"]


def want_kind(kind) -> BatchKind | None:
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
    return read_table(path, want_kind(kind), filename, limits)


def read_table(
    path, want: BatchKind | None, filename: str | None, limits: Limits, *, parse_alongside: bool = False
) -> Table:
    """:func:`read_batch` with the kind already looked up, every error of a broken file turned into a
    ReadFailure. ``parse_alongside``: a large sheet is parsed while it is scanned
    (:func:`.workbook.read_workbook`; the reading child)."""
    path = os.fspath(path)
    source = Source(filename=filename or os.path.basename(path), sha256="", size=0)
    with guarded(source):
        return _read(path, want, source, limits, parse_alongside)


def _read(path: str, want: BatchKind | None, source: Source, limits: Limits, parse_alongside: bool) -> Table:
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise fail_detail(
            "file-unreadable",
            source,
            "ファイルを開けません。ファイルの場所と権限を確認してください",
            f"cannot open the file ({error.strerror})",
        ) from None
    source.size = size
    if size > limits.max_bytes:
        raise fail_detail(
            "file-too-large",
            source,
            f"{megabytes(size)}で、上限の{megabytes(limits.max_bytes)}を超えています",
            f"{size:,} bytes, at most {limits.max_bytes:,}",
        )
    with open(path, "rb") as f:
        data = f.read(limits.max_bytes + 1)
    source.size = len(data)
    source.sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        raise fail("file-empty", source)
    if data[:2] == b"PK":
        return read_workbook(data, want, source, limits, parse_alongside=parse_alongside)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _ole2(data, source)
    _refuse_binary(data, source)
    return read_csv(data, want, source, limits)


def _ole2(data: bytes, source: Source) -> ReadFailure:
    """An OLE2 compound file: an encrypted OOXML workbook, an old .xls, or another Office file."""
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        source.format = "xlsx"
        return fail("file-encrypted", source)
    for stream, name_ja, name_en in (
        ("WordDocument", "Word文書（.doc）", "a Word .doc document"),
        ("PowerPoint Document", "PowerPoint（.ppt）", "a PowerPoint .ppt file"),
    ):
        if stream.encode("utf-16-le") in data:
            return fail_detail("file-unsupported", source, name_ja, name_en)
    source.format = "xls"
    return fail("file-old-format", source)


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
            raise fail_detail("file-unsupported", source, name_ja, name_en)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise fail_detail(
            "file-unsupported",
            source,
            "UTF-16のテキストです。「CSV UTF-8（コンマ区切り）」で保存し直してください",
            "UTF-16 text; save it as 'CSV UTF-8 (comma delimited)'",
        )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<html", b"<!doctype", b"<table")):
        raise fail_detail(
            "file-unsupported",
            source,
            "XMLまたはHTMLのファイルで、ExcelブックでもCSVでもありません",
            "an XML or HTML file, neither a workbook nor a CSV",
        )
    zero = data.find(b"\x00")
    if zero >= 0:
        line = data.count(b"\n", 0, zero) + 1
        raise fail_detail(
            "file-unsupported",
            source,
            f"バイナリファイル、{line}行目にNUL文字があります",
            f"binary data (a NUL byte on line {line})",
        )
