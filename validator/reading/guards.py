"""The zip and XML guards: a workbook's parts are checked before anything is parsed.

The zip's central directory against :class:`~.limits.Limits` (member count, declared sizes,
compression ratio), every XML part's prolog for a DOCTYPE/ENTITY declaration (entity expansion,
external entities), the shared strings' declared count; our own XML parsing goes through
``defusedxml``.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from defusedxml import ElementTree as _SafeET  # standard protection for the XML we parse ourselves

from ..report import Source
from .failures import ReadFailure, fail, fail_detail, megabytes, unreadable
from .limits import Limits

__all__ = [
    "check_zip",
    "not_a_workbook",
    "workbook_format",
    "small_part",
    "check_prolog",
    "check_shared_strings",
    "parse_xml",
    "local_name",
    "inflate",
]

_CT_MAIN = re.compile(r"spreadsheetml\.(sheet|template)\.main\+xml|ms-excel\.(sheet|template)\.macroEnabled\.main\+xml")
_SST_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*["'](\d+)["']""")
_RATIO_FLOOR = 1024 * 1024  # the ratio check applies to members larger than this
_PROLOG_BYTES = 64 * 1024
_SMALL_PART = 16 * 1024 * 1024  # workbook.xml, rels, content types: parsed in memory


def check_zip(archive: zipfile.ZipFile, source: Source, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """The zip's central directory against the limits, before anything is inflated."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise fail_detail(
            "file-suspicious",
            source,
            f"zipの要素が{len(infos):,}個あり、上限の{limits.max_members:,}個を超えています",
            f"too many zip members ({len(infos):,}, at most {limits.max_members:,})",
        )
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.filename in members:
            raise fail_detail(
                "file-suspicious",
                source,
                f"zipに同じ名前の要素「{info.filename[:80]}」が2つあります",
                f"two zip members share a name ({info.filename[:80]})",
            )
        members[info.filename] = info
        if info.flag_bits & 0x1:
            raise fail("file-encrypted", source)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise fail_detail(
                "file-unsupported",
                source,
                f"zipの圧縮方式{info.compress_type}はExcelのものではありません",
                f"zip compression method {info.compress_type} is not Excel's",
            )
        total += info.file_size
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise fail_detail(
                    "file-suspicious",
                    source,
                    f"圧縮率が異常に高い要素があります：{info.filename[:80]} が"
                    f"{ratio:,.0f}倍、上限{limits.max_ratio}倍",
                    f"a zip member is compressed suspiciously well ({info.filename[:80]}: "
                    f"{ratio:,.0f}:1, at most {limits.max_ratio}:1)",
                )
    if total > limits.max_uncompressed:
        raise fail_detail(
            "file-too-large",
            source,
            f"展開後{megabytes(total)}で、上限の{megabytes(limits.max_uncompressed)}を超えています",
            f"{total:,} bytes uncompressed, at most {limits.max_uncompressed:,}",
        )
    return members


def not_a_workbook(members: dict[str, zipfile.ZipInfo], source: Source) -> ReadFailure:
    names = set(members)
    if "xl/workbook.bin" in names:
        ja, en = (
            "Excelバイナリブック（.xlsb）。.xlsx 形式で保存し直してください",
            "an Excel binary workbook (.xlsb); save it as .xlsx",
        )
    elif "word/document.xml" in names:
        ja, en = "Word文書（.docx）", "a Word document (.docx)"
    elif "ppt/presentation.xml" in names:
        ja, en = "PowerPoint（.pptx）", "a PowerPoint file (.pptx)"
    elif "mimetype" in names or "content.xml" in names:
        ja, en = (
            "OpenDocument形式（.ods など）。Excelで .xlsx 形式で保存し直してください",
            "an OpenDocument file (.ods …); save it as .xlsx",
        )
    else:
        ja, en = "Excelブックではないzipファイル", "a zip archive that is not an Excel workbook"
    return fail_detail("file-unsupported", source, ja, en)


def workbook_format(content_types: bytes, members) -> str:
    match = _CT_MAIN.search(content_types.decode("utf-8", "replace"))
    if (match and match.group(2)) or "xl/vbaProject.bin" in members:
        return "xlsm"
    return "xlsx"


def small_part(archive, members, name: str, source: Source) -> bytes | None:
    info = members.get(name)
    if info is None:
        return None
    if info.file_size > _SMALL_PART:
        raise fail_detail(
            "file-suspicious",
            source,
            f"{name} が{megabytes(info.file_size)}もあります",
            f"{name} is too large ({info.file_size:,} bytes)",
        )
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise unreadable(error, source) from None


def decode_head(head: bytes) -> bytes:
    """The start of an XML part as UTF-8 bytes (UTF-16 parts are re-encoded for the checks)."""
    if head.startswith(codecs.BOM_UTF8):
        return head[3:]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        encoding = (
            "utf-16"
            if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            else ("utf-16-le" if head[:2] == b"<\x00" else "utf-16-be")
        )
        return head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    return head


def root_tag(head: bytes) -> bytes | None:
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
            return head[i : j + 1]
        else:
            return None


def check_prolog(archive, info, source: Source) -> bytes | None:
    """Refuse DOCTYPE/ENTITY declarations (billion laughs, external entities); the root tag."""
    try:
        with archive.open(info) as f:
            head = decode_head(f.read(_PROLOG_BYTES))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as error:
        raise unreadable(error, source) from None
    try:
        root = root_tag(head)
    except ValueError as error:
        if str(error) == "dtd" or b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise fail_detail(
                "file-suspicious",
                source,
                f"{info.filename[:80]} にDOCTYPE・ENTITY宣言があります",
                f"an XML part declares a DOCTYPE or entities ({info.filename[:80]})",
            ) from None
        if len(head) >= _PROLOG_BYTES:
            raise fail_detail(
                "file-suspicious",
                source,
                f"{info.filename[:80]} の冒頭が長すぎます",
                f"an XML part's prolog is too long ({info.filename[:80]})",
            ) from None
        return None
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise fail_detail(
            "file-suspicious",
            source,
            f"{info.filename[:80]} にDOCTYPE・ENTITY宣言があります",
            f"an XML part declares a DOCTYPE or entities ({info.filename[:80]})",
        )
    return root


def check_shared_strings(archive, info, source: Source) -> None:
    """A declared string count far beyond what the part can hold makes the parser reserve it all."""
    root = check_prolog(archive, info, source) or b""
    match = _SST_UNIQUE.search(root)
    if match and int(match.group(1)) > info.file_size // 8 + 16:
        raise fail_detail(
            "file-suspicious",
            source,
            f"共有文字列の件数の宣言{int(match.group(1)):,}件が実際と合いません",
            f"the shared strings declare an impossible count ({int(match.group(1)):,})",
        )


def parse_xml(data: bytes, source: Source):
    try:
        return _SafeET.fromstring(data, forbid_dtd=True)
    except Exception as error:  # noqa: BLE001 - defusedxml's and the parser's errors alike
        if type(error).__module__.startswith("defusedxml"):
            raise fail_detail(
                "file-suspicious",
                source,
                "XMLにDOCTYPE・ENTITY宣言があります",
                "an XML part declares a DOCTYPE or entities",
            ) from None
        raise fail_detail(
            "file-unreadable",
            source,
            "ブックの構造を表すXMLが壊れています。Excelで開いて保存し直してください",
            f"the workbook's XML is broken ({error})",
        ) from None


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_INFLATE_CHUNK = 4 * 1024 * 1024


def inflate(data: bytes, info: zipfile.ZipInfo, source: Source) -> Iterator[bytes]:
    """A member's bytes, inflated chunk by chunk from the file's own bytes and held to what the zip
    declares: exactly its declared size, with its declared CRC.

    The native parser inflates a member to its end whatever size the zip declares; Python's zipfile
    stops at the declared size. A member that inflates further (a crafted zip: 300 MB behind a
    declared 1 KB) would let the parser see cells the scan never saw: it is refused.
    """
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04":
        raise fail_detail(
            "file-unreadable",
            source,
            "ファイルが壊れています（zipの要素の位置が正しくありません）。元のファイルをもう一度保存して送ってください",
            "the file is corrupt (a zip member is misplaced)",
        )
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    produced, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (bytes(raw[i : i + _INFLATE_CHUNK]) for i in range(0, len(raw), _INFLATE_CHUNK))
    else:
        chunks = _deflated(raw, source)
    for chunk in chunks:
        produced += len(chunk)
        if produced > info.file_size:
            raise fail_detail(
                "file-suspicious",
                source,
                f"zipの要素「{info.filename[:80]}」が宣言された大きさ（{info.file_size:,}バイト）を超えて展開されます",
                f"a zip member inflates beyond its declared size ({info.filename[:80]}: "
                f"{info.file_size:,} bytes declared)",
            )
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != info.file_size or crc != info.CRC:
        raise fail_detail(
            "file-unreadable",
            source,
            "ファイルが壊れています（zipのCRCが一致しません）。元のファイルをもう一度保存して送ってください",
            f"the file is corrupt: bad CRC or size ({info.filename[:80]})",
        )


def _deflated(raw: memoryview, source: Source) -> Iterator[bytes]:
    decompressor = zlib.decompressobj(-15)
    position = 0
    pending: bytes | memoryview  # what the decompressor left over, or the next chunk of the member
    try:
        while not decompressor.eof:
            if decompressor.unconsumed_tail:
                pending = decompressor.unconsumed_tail
            elif position < len(raw):
                pending = raw[position : position + _INFLATE_CHUNK]
                position += _INFLATE_CHUNK
            else:
                break
            chunk = decompressor.decompress(pending, _INFLATE_CHUNK)  # at most a chunk at a time: a bomb stays small
            if chunk:
                yield chunk
    except zlib.error as error:
        raise unreadable(error, source) from None
