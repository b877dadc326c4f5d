#!/usr/bin/env python
"""Generate the bad-input corpus in ``tests/corpus/``: ``python scripts/build_corpus.py [--check]``.

Every case is a file made by code here (never a hand-made binary) and an entry in
``tests/corpus/expected.json`` that says what the file is and what must come of it:

- ``exit``: the exit status of ``kyosai validate`` — 2 unreadable, 1 a batch with errors, 0 valid;
- for an unreadable file, the finding ``code``, the ``http_status`` a service answers with
  (:data:`validator.service.errors.READ_FAILURE_STATUS`) and a fragment of the Japanese message (``message_ja``);
- for a readable one, the ``findings`` as ``[row, column, code]`` in report order, the values
  ``escaped`` in the CSV report (formula injection) and values that must be read exactly
  (``values``: ``[row, alias, value]``);
- ``committed``: false for the cases too big to keep in git (over ~200 KB: zip bombs, 10 MB lines,
  300,001 rows). They are built at test time into a temporary folder by the same function
  (``tests/corpus/__init__.py``: :func:`corpus.materialize`).

The output is deterministic (fixed zip timestamps and document properties): ``--check`` rebuilds
every committed file and compares it with the one in the repository (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests"):  # run from a checkout; the test fixtures' builders are reused
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from fixtures.batchfiles import (
    SKY_HEADERS,
    WORKSHEET_OPEN,
    inline_row,
    make_xlsx,
    patch_member,
    raw_xlsx,
    rewrite_zip,
    sky_row,
    write_csv,
    zip_bomb,
)
from validator.reading import Limits, column_letter
from validator.service.errors import READ_FAILURE_STATUS as HTTP_STATUS

CORPUS = ROOT / "tests" / "corpus"
FILES = CORPUS / "files"
EXPECTED = CORPUS / "expected.json"
DOC = ROOT / "docs" / "robustness.md"
TABLE_START, TABLE_END = "<!-- corpus table: scripts/build_corpus.py writes it -->", "<!-- end of corpus table -->"
AS_OF = "2024-12-10"  # every readable case is checked as of this day
SKY_SHEET = "小規模企業共済_申込"
ZIP_TIME = (2024, 12, 1, 0, 0, 0)

# ============================================================================== rows

_SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
]
_GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("陽子", "ヨウコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("直美", "ナオミ"),
    ("翔", "ショウ"),
    ("恵", "メグミ"),
]


def person(n: int, **values) -> list:
    """A valid sky-application row for applicant ``n`` (distinct name and birth date per ``n``)."""
    surname, given = _SURNAMES[n % 10], _GIVEN[(n // 10) % 10]
    kana = f"{surname[1]} {given[1]}"
    defaults = dict(
        name=f"{surname[0]} {given[0]}",
        name_kana=kana,
        account_holder_kana=kana,
        birth_date=datetime.date(1960, 1, 1) + datetime.timedelta(days=97 * n),
    )
    return sky_row(n, **{**defaults, **values})


def text_row(n: int, **values) -> list[str]:
    """``person`` as a CSV holds it (all text)."""
    return ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in person(n, **values)]


def col(header: str) -> str:
    """The column letter of a sky-application header in the template's order."""
    return column_letter(SKY_HEADERS.index(header))


# ============================================================================== determinism

_W3CDTF = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def fixed_zip(path: Path) -> Path:
    """Rewrite a zip with fixed timestamps and document properties, members in the same order."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(rb"\g<1>2024-12-01T00:00:00Z\g<3>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, data)
    return path


def workbook(path: Path, rows, **kwargs) -> Path:
    """make_xlsx for the sky-application sheet, deterministic."""
    return fixed_zip(make_xlsx(path, [(kwargs.pop("sheet", SKY_SHEET), rows)], **kwargs))


def raw(path: Path, sheet_xml: bytes, **kwargs) -> Path:
    return fixed_zip(raw_xlsx(path, sheet_xml, **kwargs))


def sheet_xml(*rows: bytes, prolog: bytes = b"") -> bytes:
    return prolog + WORKSHEET_OPEN + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


# ============================================================================== OLE2 (compound file)

_ENDOFCHAIN, _FATSECT, _FREESECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (MS-CFB, version 3, 512-byte sectors) holding ``streams`` at the root.

    Streams under 4,096 bytes go into the mini stream, as the format requires; what an encrypted
    workbook (EncryptionInfo, EncryptedPackage) or an old .xls (Workbook) is made of.
    """
    sector, mini, cutoff = 512, 64, 4096
    names = list(streams)
    small = [n for n in names if len(streams[n]) < cutoff]
    large = [n for n in names if len(streams[n]) >= cutoff]

    def sectors(size: int, unit: int = sector) -> int:
        return -(-size // unit)

    # the mini stream: small streams in 64-byte mini sectors, chained in the mini FAT
    ministream, minifat, mini_start = b"", [], {}
    for n in small:
        data = streams[n]
        count = max(1, sectors(len(data), mini))
        mini_start[n] = len(minifat)
        minifat += [len(minifat) + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN]
        ministream += data.ljust(count * mini, b"\0")
    entries = 1 + len(names)
    dir_n = sectors(entries * 128)
    minifat_n = sectors(len(minifat) * 4) if minifat else 0
    mini_n = sectors(len(ministream)) if ministream else 0
    large_n = {n: sectors(len(streams[n])) for n in large}
    payload = dir_n + minifat_n + mini_n + sum(large_n.values())
    fat_n = 1
    while fat_n * (sector // 4) < payload + fat_n:
        fat_n += 1
    assert fat_n <= 109
    fat: list[int] = [_FATSECT] * fat_n
    starts: dict[str, int] = {}

    def chain(count: int) -> int:
        first = len(fat)
        fat.extend([first + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN])
        return first

    dir_start = chain(dir_n)
    minifat_start = chain(minifat_n) if minifat_n else _ENDOFCHAIN
    ministream_start = chain(mini_n) if mini_n else _ENDOFCHAIN
    for n in large:
        starts[n] = chain(large_n[n])
    fat += [_FREESECT] * (fat_n * (sector // 4) - len(fat))

    def entry(name: str, kind: int, start: int, size: int, right: int = _NOSTREAM, child: int = _NOSTREAM) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, _NOSTREAM, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    # siblings as a right-leaning chain in the format's order (shorter names first, then by upper case)
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    directory = [entry("Root Entry", 5, ministream_start, len(ministream), child=order[0] + 1 if names else _NOSTREAM)]
    right_of = {order[k]: order[k + 1] + 1 for k in range(len(order) - 1)}
    for i, n in enumerate(names):
        start = mini_start[n] if n in mini_start else starts[n]
        directory.append(entry(n, 2, start, len(streams[n]), right=right_of.get(i, _NOSTREAM)))
    unused = b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM) + b"\0" * 56
    body = b"".join(directory) + unused * (dir_n * sector // 128 - entries)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIII", 0, fat_n, dir_start, 0, cutoff, minifat_start, minifat_n, _ENDOFCHAIN)
        + struct.pack("<I", 0)
        + struct.pack("<109I", *(list(range(fat_n)) + [_FREESECT] * (109 - fat_n)))
    )
    assert len(header) == sector
    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += body
    if minifat_n:
        out += struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_n * sector, b"\xff")
    if mini_n:
        out += ministream.ljust(mini_n * sector, b"\0")
    for n in large:
        out += streams[n].ljust(large_n[n] * sector, b"\0")
    return bytes(out)


def _pseudo_random(size: int, seed: bytes) -> bytes:
    """Deterministic bytes that look like ciphertext."""
    out, block = bytearray(), seed
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def encrypted_workbook(path: Path) -> Path:
    """What Excel writes for 'Encrypt with Password': an OLE2 file with EncryptionInfo and EncryptedPackage."""
    info = (
        struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
        b'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" '
        b'keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>'
    )
    package = struct.pack("<Q", 6144) + _pseudo_random(6144, b"kyosai-corpus")
    path.write_bytes(compound_file({"EncryptionInfo": info, "EncryptedPackage": package, "\x06DataSpaces": b"\0" * 64}))
    return path


def _biff_record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def old_xls(path: Path) -> Path:
    """An Excel 97–2003 workbook: an OLE2 file whose Workbook stream starts with a BIFF8 BOF record."""
    workbook_stream = (
        _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
        + _biff_record(0x0042, struct.pack("<H", 932))  # CODEPAGE: Shift_JIS
        + _biff_record(0x000A, b"")
    ).ljust(4608, b"\0")  # EOF, padded past the cutoff
    summary = b"\xfe\xff\x00\x00" + b"\0" * 44
    path.write_bytes(compound_file({"Workbook": workbook_stream, "\x05SummaryInformation": summary}))
    return path


# ============================================================================== zip surgery


def _central_entries(data: bytes):
    """(offset of each central directory entry, its file name) in a zip's bytes."""
    end = data.rfind(b"PK\x05\x06")
    count, _, cd_offset = struct.unpack("<HII", data[end + 10 : end + 20])
    p = cd_offset
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[p + 28 : p + 34])
        yield p, data[p + 46 : p + 46 + name_len].decode("utf-8")
        p += 46 + name_len + extra_len + comment_len


def patch_headers(
    path: Path,
    member: str,
    *,
    flag_bits: int | None = None,
    method: int | None = None,
    crc: int | None = None,
    size: int | None = None,
) -> Path:
    """Change a member's general-purpose flags, compression method, CRC or declared uncompressed size
    in both its local header and the central directory (what a crafted zip says about itself)."""
    data = bytearray(path.read_bytes())
    for p, name in _central_entries(bytes(data)):
        if name != member:
            continue
        local = struct.unpack("<I", data[p + 42 : p + 46])[0]
        for at, flags_at, method_at, crc_at, size_at in ((p, 8, 10, 16, 24), (local, 6, 8, 14, 22)):
            if flag_bits is not None:
                struct.pack_into(
                    "<H",
                    data,
                    at + flags_at,
                    struct.unpack("<H", data[at + flags_at : at + flags_at + 2])[0] | flag_bits,
                )
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
            if crc is not None:
                struct.pack_into("<I", data, at + crc_at, crc)
            if size is not None:
                struct.pack_into("<I", data, at + size_at, size)
    path.write_bytes(bytes(data))
    return path


# ============================================================================== the cases


def valid_xlsx(path):
    return workbook(
        path, [["小規模企業共済 契約申込"], ["太枠内を記入してください"], SKY_HEADERS, person(1), person(2), person(3)]
    )


def valid_csv(path):
    return write_csv(path, [SKY_HEADERS, text_row(1), text_row(2), text_row(3)], encoding="utf-8-sig")


def small_zip_bomb(path):
    """8 MiB of zeros packed into a few KB: the ratio check refuses it from the directory alone."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open(zipfile.ZipInfo("[Content_Types].xml", ZIP_TIME), "w") as w:
            w.write(b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as w:
            for _ in range(8):
                w.write(b"\0" * (1 << 20))
    return path


def big_zip_bomb(path):
    """300 MiB of zeros at ~1000:1 (the fixtures' builder, streamed)."""
    return zip_bomb(path, megabytes=300)


def lying_sizes(path):
    """A sheet that inflates to ~300 MB of cells while the zip declares 1 KB (and the CRC of that KB).

    The directory checks see a small member; the native parser would inflate the whole stream, so
    the scan inflates the member itself and refuses it once it passes the declared size.
    """
    row = b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c><c r="C2"><v>3</v></c></row>'
    head = WORKSHEET_OPEN + b"<sheetData>" + inline_row(1, SKY_HEADERS)
    raw_xlsx(path, head + b"</sheetData></worksheet>")
    target = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist() if i.filename != target]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(target, ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=False) as w:
            w.write(head)
            chunk = row * 8192
            for _ in range(300 * (1 << 20) // len(chunk)):
                w.write(chunk)
            w.write(b"</sheetData></worksheet>")
    declared = 1024
    with zipfile.ZipFile(path) as z:
        with z.open(target) as f:
            prefix = f.read(declared)
    return patch_headers(path, target, size=declared, crc=zlib.crc32(prefix))


def shared_strings_count(path):
    sheet = sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
        b'uniqueCount="4000000000"><si><t>a</t></si></sst>'
    )
    return raw(path, sheet, shared_strings=sst)


def shared_strings_huge(path):
    """A real 2,000,000-string sharedStrings part (~60 MB inflated, under every zip limit) that the
    sheet barely uses: the parser must load it all. Valid data otherwise."""
    from xml.sax.saxutils import escape

    rows = [SKY_HEADERS, person(1), person(2)]
    strings = []
    for r in rows:
        for v in r:
            if isinstance(v, str):
                strings.append(v)
    index = {s: i for i, s in enumerate(dict.fromkeys(strings))}
    body = []
    for r_no, r in enumerate(rows, start=1):
        cells = []
        for j, v in enumerate(r):
            ref = f"{column_letter(j)}{r_no}"
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
            elif isinstance(v, datetime.date):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{v.isoformat()}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
        body.append(f'<row r="{r_no}">{"".join(cells)}</row>'.encode())
    extra = 2_000_000
    path = Path(path)
    raw_xlsx(path, sheet_xml(*body), shared_strings=b"<sst/>")
    with zipfile.ZipFile(path) as src:
        items = [(i.filename, src.read(i)) for i in src.infolist() if i.filename != "xl/sharedStrings.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/sharedStrings.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as w:
            total = len(index) + extra
            w.write(
                f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{total}" '
                f'uniqueCount="{total}">'.encode()
            )
            w.write("".join(f"<si><t>{escape(s)}</t></si>" for s in index).encode())
            for start in range(0, extra, 100_000):
                w.write(
                    "".join(f"<si><t>未使用の文字列{i:07d}</t></si>" for i in range(start, start + 100_000)).encode()
                )
            w.write(b"</sst>")
    return path


def corner_cell(path):
    sheet = (
        WORKSHEET_OPEN
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + inline_row(1, SKY_HEADERS)
        + b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    return raw(path, sheet)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def entity_expansion(path):
    return raw(
        path,
        sheet_xml(
            inline_row(1, SKY_HEADERS),
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
            prolog=ENTITY_BOMB,
        ),
    )


def external_entity(path):
    path = workbook(path, [SKY_HEADERS, person(1)])
    patch_member(path, "xl/workbook.xml", b"<workbook", EXTERNAL + b"<workbook")
    return fixed_zip(path)


def parameter_entity(path):
    """An out-of-band XXE: a parameter entity fetching a remote DTD, in the styles part."""
    path = workbook(path, [SKY_HEADERS, person(1)])
    patch_member(
        path,
        "xl/styles.xml",
        b"<styleSheet",
        b'<?xml version="1.0"?><!DOCTYPE styleSheet [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">'
        b"%remote;]><styleSheet",
    )
    return fixed_zip(path)


def doctype_utf16(path):
    """A DOCTYPE in a sheet written in UTF-16 (a byte search for '<!DOCTYPE' would miss it)."""
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + WORKSHEET_OPEN.decode()
        + "<sheetData>"
        + inline_row(1, SKY_HEADERS).decode()
        + "</sheetData></worksheet>"
    )
    return raw(path, "\ufeff".encode("utf-16-le") + xml.encode("utf-16-le"))


def truncated(path):
    path = workbook(path, [SKY_HEADERS] + [person(i) for i in range(1, 21)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def wrong_crc(path):
    path = workbook(path, [SKY_HEADERS, person(1)])
    rewrite_zip(path, stored=("xl/worksheets/sheet1.xml",))
    fixed_zip(path)
    data = bytearray(path.read_bytes())
    at = data.find("佐藤 太郎".encode())
    assert at > 0
    data[at : at + 3] = "加".encode()  # same length, other bytes: the CRC no longer matches
    path.write_bytes(bytes(data))
    return path


def not_a_zip(path):
    path.write_text("これはExcelのファイルではありません。\r\n名前だけ .xlsx です。\r\n", encoding="utf-8")
    return path


def binary_garbage(path):
    path.write_bytes(_pseudo_random(1500, b"garbage").replace(b"PK", b"pk") + b"\x00")
    return path


def empty(path):
    path.write_bytes(b"")
    return path


def blank_csv(path):
    path.write_bytes(b"\xef\xbb\xbf\r\n ,,\r\n\r\n")
    return path


def no_sheets(path):
    workbook_xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheets/></workbook>'
    )
    return raw(path, sheet_xml(), workbook_xml=workbook_xml)


def only_chart(path):
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    data = wb.active
    for r in [["月", "件数"], [10, 3], [11, 5], [12, 8]]:
        data.append(r)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    sheet = wb.create_chartsheet("グラフ")
    sheet.add_chart(chart)
    wb.remove(data)
    wb.save(path)
    return fixed_zip(path)


def columns_16384(path):
    return raw(path, sheet_xml(inline_row(1, list(range(16384)))))


def last_row_used(path):
    return raw(
        path,
        sheet_xml(
            inline_row(1, SKY_HEADERS),
            inline_row(2, ["x"] * 40),
            b'<row r="1048576"><c r="A1048576"><v>2</v></c></row>',
        ),
    )


def too_many_rows_csv(path):
    """One record more than the default limit (short rows: the count decides)."""
    path.write_bytes((",".join(SKY_HEADERS) + "\n").encode() + b"A-1,2024-12-02\n" * (Limits().max_rows + 1))
    return path


def too_many_rows_xlsx(path):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(2, Limits().max_rows + 3))
    return raw(path, sheet_xml(inline_row(1, SKY_HEADERS), rows), name=SKY_SHEET)


def ten_mb_line(path):
    path.write_bytes((",".join(SKY_HEADERS) + "\n").encode() + b"x" * (10 * 1024 * 1024))
    return path


def nul_bytes(path):
    data = (",".join(SKY_HEADERS) + "\n" + ",".join(text_row(1)) + "\n").encode() + b"A-0002,\x00\x00\n"
    path.write_bytes(data)
    return path


def mixed_encodings(path):
    data = (",".join(SKY_HEADERS) + "\r\n" + ",".join(text_row(1)) + "\r\n").encode("utf-8")
    data += (",".join(text_row(2)) + "\r\n").encode("cp932")
    path.write_bytes(data)
    return path


def utf16(path):
    path.write_bytes((",".join(SKY_HEADERS) + "\r\n" + ",".join(text_row(1)) + "\r\n").encode("utf-16"))
    return path


def pdf_named_xlsx(path):
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path


def docx_named_xlsx(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", ZIP_TIME), "<Types/>")
        z.writestr(zipfile.ZipInfo("word/document.xml", ZIP_TIME), "<document/>")
    return path


def xlsb_named_xlsx(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", ZIP_TIME), "<Types/>")
        z.writestr(zipfile.ZipInfo("xl/workbook.bin", ZIP_TIME), b"\0" * 16)
    return path


def zip_encrypted_member(path):
    """A zip whose sheet member is flagged as ZipCrypto-encrypted (a zip password, not Excel's)."""
    path = workbook(path, [SKY_HEADERS, person(1)])
    return patch_headers(path, "xl/worksheets/sheet1.xml", flag_bits=0x1)


def zip_bzip2(path):
    path = workbook(path, [SKY_HEADERS, person(1)])
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in items:
            z.writestr(
                zipfile.ZipInfo(name, ZIP_TIME),
                data,
                compress_type=zipfile.ZIP_BZIP2 if name.endswith("sheet1.xml") else zipfile.ZIP_DEFLATED,
            )
    return path


def too_many_members(path):
    path = raw(path, sheet_xml(inline_row(1, SKY_HEADERS)))
    with zipfile.ZipFile(path, "a") as z:
        for i in range(2001):
            z.writestr(zipfile.ZipInfo(f"customXml/item{i}.xml", ZIP_TIME), b"<a/>")
    return path


def long_cell_csv(path):
    return write_csv(path, [SKY_HEADERS, text_row(1, address="東京都" + "あ" * 40_000)], encoding="utf-8")


def header_below_row_10(path):
    return workbook(path, [["title"]] + [[] for _ in range(10)] + [SKY_HEADERS, person(1)])


def unknown_kind(path):
    return write_csv(path, [["氏名", "メールアドレス", "備考"], ["山田 太郎", "taro@example.jp", "-"]])


def macros(path):
    """An .xlsm whose vbaProject.bin holds an Auto_Open macro that shells out: read as data, never run."""
    path = make_xlsx(path, [(SKY_SHEET, [SKY_HEADERS, person(1), person(2)])], vba=True)
    project = compound_file(
        {
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\nName="VBAProject"\r\n',
            "Module1": b'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\n  Shell "cmd /c calc.exe"\r\nEnd Sub\r\n',
        }
    )
    rewrite_zip(path, lambda name, data: project if name == "xl/vbaProject.bin" else data)
    return fixed_zip(path)


def sjis_nec(path):
    rows = [
        SKY_HEADERS,
        text_row(1, name="①山田㈱太郎", address="東京都港区虎ノ門３－５－１ ㈱サンプル№２ Ⅲ号室"),
        text_row(2, name="髙橋 﨑子", name_kana="ﾀｶﾊｼ ｻｷｺ", account_holder_kana="ﾀｶﾊｼ ｻｷｺ"),
    ]
    return write_csv(path, rows, encoding="cp932")


def formulas_and_errors(path):
    rows = [SKY_HEADERS, person(1, employees="#N/A"), person(2), person(3, bank_code="#REF!")]
    path = workbook(path, rows)
    amount, employees = col("掛金月額"), col("常時使用する従業員数")
    patch_member(
        path,
        "xl/worksheets/sheet1.xml",
        f'<c r="{amount}3" t="n"><v>70000</v></c>'.encode(),
        f'<c r="{amount}3"><f>35000*2</f><v>70000</v></c>'.encode(),
    )
    patch_member(
        path,
        "xl/worksheets/sheet1.xml",
        f'<c r="{employees}3" t="n"><v>3</v></c>'.encode(),
        f'<c r="{employees}3" t="e"><f>VLOOKUP(A3,従業員!A:B,2,FALSE)</f><v>#N/A</v></c>'.encode(),
    )
    return fixed_zip(path)


def errors_in_csv(path):
    return write_csv(path, [SKY_HEADERS, text_row(1, employees="#N/A"), text_row(2, monthly_amount="#VALUE!")])


def merged_header(path):
    headers = SKY_HEADERS[:5] + [None] + SKY_HEADERS[5:]
    rows = [["小規模企業共済 契約申込"], [], headers, person(1)[:5] + [None] + person(1)[5:]]
    return workbook(path, rows, merges={SKY_SHEET: ["A1:W1", "E3:F3"]})


def header_row_7(path):
    rows = [
        ["小規模企業共済 契約申込（令和6年12月分）"],
        [],
        ["代理店: 虎ノ門支店"],
        ["記入者: 窓口"],
        [],
        ["※ 太枠内を記入してください"],
        SKY_HEADERS,
        person(1),
        person(2),
    ]
    return workbook(path, rows)


def duplicate_headers(path):
    return workbook(path, [SKY_HEADERS + ["氏名"], person(1) + ["別人 花子"]])


INJECTIONS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


def _injected(n: int) -> dict:
    return dict(
        name_kana=INJECTIONS[0],
        account_holder_kana=INJECTIONS[0],
        phone=INJECTIONS[1],
        postal_code=INJECTIONS[2],
        employees=INJECTIONS[3],
    )


def formula_injection_csv(path):
    return write_csv(path, [SKY_HEADERS, text_row(1, **_injected(1)), text_row(2)], encoding="utf-8")


def formula_injection_xlsx(path):
    """The same strings as text cells (openpyxl would write a leading '=' as a formula: patched in)."""
    placeholder = "INJECTION-PLACEHOLDER"
    path = workbook(
        path,
        [
            SKY_HEADERS,
            person(1, **(_injected(1) | dict(name_kana=placeholder, account_holder_kana=placeholder))),
            person(2),
        ],
    )
    escaped = INJECTIONS[0].replace('"', "&quot;").encode()
    patch_member(
        path, "xl/worksheets/sheet1.xml", f"<t>{placeholder}</t>".encode(), b"<t>" + escaped + b"</t>", count=2
    )
    return fixed_zip(path)


def long_strings(path):
    return workbook(path, [SKY_HEADERS, person(1, address="東京都港区" + "長" * 32_762), person(2, name="名" * 1001)])


def unicode_oddities(path):
    """Half-width kana, combining voiced marks, zero-width spaces, a BOM-less UTF-8 with NFKC letters."""
    rows = [
        SKY_HEADERS,
        text_row(1, name_kana="ﾔﾏﾀﾞ ﾀﾛｳ", account_holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ"),  # half-width kana
        text_row(
            2, name_kana="サトウ ハナコ".replace("ハ", "ハ"), name="佐藤 花子", account_holder_kana="サトウ ハナコ"
        ),
        text_row(3, name_kana="スス\u3099キ イチロウ", account_holder_kana="スズキ イチロウ"),  # combining ゛
        text_row(
            4,
            receipt_no="A-0004\u200b",
            name="高橋\u200b 陽子",  # zero-width space
            bank_code="０００９",
            phone="０３－１２３４－５６７８",
        ),  # full-width digits
        text_row(5, name_kana="タナカ\u200bケン", account_holder_kana="タナカ ケン"),
    ]
    return write_csv(path, rows, encoding="utf-8")


def zero_width_duplicates(path):
    """The same applicant twice, once with zero-width spaces (U+200B) in the receipt number and name:
    invisible in Excel, so the duplicates must still be found."""
    return write_csv(
        path,
        [SKY_HEADERS, text_row(1), text_row(1, receipt_no="A-0001\u200b", name="佐藤\u200b 太郎"), text_row(2)],
        encoding="utf-8",
    )


def nfkc_headers(path):
    headers = list(SKY_HEADERS)
    headers[0] = "　受付番号 "
    headers[5] = "ﾌﾘｶﾞﾅ"
    headers[13] = "monthly_amount"
    return workbook(path, [headers, person(1)])


# ------------------------------------------------------------------------------ the table


@dataclass
class Case:
    file: str
    what: str
    build: Callable[[Path], Path]
    exit: int
    code: str | None = None  # unreadable: the finding code
    message_ja: str | None = None  # a fragment of the Japanese message
    findings: list = field(default_factory=list)  # readable: [row, column, code] in report order
    escaped: list = field(default_factory=list)  # values that the CSV report must carry escaped
    values: list = field(default_factory=list)  # readable: [row, alias, value] read exactly
    source: dict = field(default_factory=dict)  # readable: source fields (format, encoding, sheet)
    committed: bool = True
    isolated_only: bool = False  # never read in-process (only the child's caps stop it)
    bug: dict | None = None  # a known bug: {"reason", "affects": [what differs until fixed]}

    def entry(self) -> dict:
        e = {
            "file": self.file,
            "what": self.what,
            "builder": self.build.__name__,
            "committed": self.committed,
            "exit": self.exit,
        }
        if self.exit == 2:
            e |= {"code": self.code, "http_status": HTTP_STATUS[self.code], "message_ja": self.message_ja}
        else:
            e |= {
                "valid": self.exit == 0,
                "findings": self.findings,
                "escaped": self.escaped,
                "values": self.values,
                "source": self.source,
            }
        if self.isolated_only:
            e["isolated_only"] = True
        if self.bug:
            e["bug"] = self.bug
        return e


A, E, F = col("受付番号"), col("氏名"), col("フリガナ")
L, N, R = col("常時使用する従業員数"), col("掛金月額"), col("金融機関コード")
H, J, I, V = col("郵便番号"), col("電話番号"), col("住所"), col("口座名義カナ")  # noqa: E741 - I is the column's letter

CASES: list[Case] = [
    # ------------------------------------------------------------------ valid baselines
    Case(
        "valid.xlsx",
        "a valid batch: title and instruction rows, header on row 3, three applicants",
        valid_xlsx,
        0,
        source={"format": "xlsx", "sheet": SKY_SHEET, "kind": "sky-application"},
    ),
    Case(
        "valid-bom.csv",
        "a valid batch as UTF-8 CSV with a BOM",
        valid_csv,
        0,
        source={"format": "csv", "encoding": "utf-8-sig"},
    ),
    # ------------------------------------------------------------------ zip: bombs and crafted archives
    Case(
        "zip-bomb.xlsx",
        "zip bomb: a 300 MiB sheet of zeros at ~1000:1 (built at test time)",
        big_zip_bomb,
        2,
        "file-suspicious",
        "圧縮率",
        committed=False,
    ),
    Case(
        "zip-bomb-small.xlsx",
        "zip bomb, small: 8 MiB of zeros in a few KB, ratio far over 200:1",
        small_zip_bomb,
        2,
        "file-suspicious",
        "圧縮率",
    ),
    Case(
        "zip-lying-sizes.xlsx",
        "a sheet that inflates to ~300 MB while the zip declares 1 KB and that KB's CRC "
        "(built at test time): the scan inflates it from the file's own bytes and stops past the declared size",
        lying_sizes,
        2,
        "file-suspicious",
        "宣言された大きさ",
        committed=False,
        isolated_only=True,
    ),
    Case(
        "shared-strings-count.xlsx",
        "sharedStrings declaring 4,000,000,000 strings in a 1 KB part",
        shared_strings_count,
        2,
        "file-suspicious",
        "共有文字列",
    ),
    Case(
        "shared-strings-huge.xlsx",
        "a real 2,000,000-string sharedStrings part (~70 MB inflated) the sheet does "
        "not use; valid data (built at test time)",
        shared_strings_huge,
        0,
        committed=False,
        source={"format": "xlsx"},
    ),
    Case(
        "cell-at-XFD1048576.xlsx",
        "a 2 KB workbook with a cell at XFD1048576 (calamine#693 allocates the grid)",
        corner_cell,
        2,
        "file-too-large",
        "XFD1048576",
    ),
    Case(
        "entity-expansion.xlsx",
        "billion laughs: nested entities in the sheet XML",
        entity_expansion,
        2,
        "file-suspicious",
        "DOCTYPE",
    ),
    Case(
        "external-entity.xlsx",
        "an external entity (file:///etc/passwd) in workbook.xml",
        external_entity,
        2,
        "file-suspicious",
        "DOCTYPE",
    ),
    Case(
        "parameter-entity.xlsx",
        "an out-of-band XXE: a parameter entity fetching a remote DTD, in styles.xml",
        parameter_entity,
        2,
        "file-suspicious",
        "DOCTYPE",
    ),
    Case(
        "doctype-utf16.xlsx",
        "a DOCTYPE with an external entity in a sheet encoded as UTF-16",
        doctype_utf16,
        2,
        "file-suspicious",
        "DOCTYPE",
    ),
    Case(
        "truncated.xlsx",
        "a workbook cut in half (an interrupted upload)",
        truncated,
        2,
        "file-unreadable",
        "途中で切れている",
    ),
    Case(
        "wrong-crc.xlsx", "a stored member whose bytes no longer match the CRC", wrong_crc, 2, "file-unreadable", "CRC"
    ),
    Case(
        "zip-encrypted-member.xlsx",
        "a zip member flagged as ZipCrypto-encrypted",
        zip_encrypted_member,
        2,
        "file-encrypted",
        "パスワード",
    ),
    Case(
        "zip-bzip2.xlsx",
        "a sheet compressed with bzip2, which Excel never writes",
        zip_bzip2,
        2,
        "file-unsupported",
        "圧縮方式",
    ),
    Case(
        "too-many-members.xlsx",
        "a workbook with 2,006 zip members (built at test time)",
        too_many_members,
        2,
        "file-suspicious",
        "要素",
        committed=False,
    ),
    # ------------------------------------------------------------------ not a workbook
    Case(
        "not-a-zip.xlsx",
        "Japanese text named .xlsx (read as a CSV: no batch headers)",
        not_a_zip,
        2,
        "unknown-kind",
        "判別できません",
    ),
    Case("binary-garbage.xlsx", "random bytes named .xlsx", binary_garbage, 2, "file-unsupported", "バイナリ"),
    Case("pdf-named.xlsx", "a PDF named .xlsx", pdf_named_xlsx, 2, "file-unsupported", "PDF"),
    Case("docx-named.xlsx", "a Word document (.docx zip) named .xlsx", docx_named_xlsx, 2, "file-unsupported", "Word"),
    Case(
        "xlsb-named.xlsx",
        "an Excel binary workbook (.xlsb) named .xlsx",
        xlsb_named_xlsx,
        2,
        "file-unsupported",
        ".xlsb",
    ),
    Case(
        "encrypted.xlsx",
        "a password-protected workbook: OLE2 with EncryptionInfo and EncryptedPackage",
        encrypted_workbook,
        2,
        "file-encrypted",
        "パスワード",
    ),
    Case(
        "old.xls", "an Excel 97-2003 workbook: OLE2 with a BIFF8 Workbook stream", old_xls, 2, "file-old-format", ".xls"
    ),
    Case("utf16.csv", "a CSV saved as UTF-16 (Excel's 'Unicode text')", utf16, 2, "file-unsupported", "UTF-16"),
    # ------------------------------------------------------------------ empty
    Case("empty.xlsx", "an empty file (0 bytes) named .xlsx", empty, 2, "file-empty", "データがありません"),
    Case("blank.csv", "a CSV of a BOM, blank lines and commas", blank_csv, 2, "file-empty", "データがありません"),
    Case("no-sheets.xlsx", "a workbook with no sheets at all", no_sheets, 2, "file-empty", "データがありません"),
    Case(
        "only-chart.xlsx",
        "a workbook whose only sheet is a chart sheet",
        only_chart,
        2,
        "file-empty",
        "データがありません",
    ),
    # ------------------------------------------------------------------ too big
    Case("columns-16384.xlsx", "a header row 16,384 columns wide", columns_16384, 2, "file-too-large", "列数"),
    Case("last-row-used.xlsx", "a sheet used down to row 1,048,576", last_row_used, 2, "file-too-large", "使用範囲"),
    Case(
        "too-many-rows.csv",
        "300,001 records, one more than the limit (built at test time)",
        too_many_rows_csv,
        2,
        "too-many-rows",
        "300,000行",
        committed=False,
    ),
    Case(
        "too-many-rows.xlsx",
        "300,001 records in a workbook (built at test time)",
        too_many_rows_xlsx,
        2,
        "too-many-rows",
        "300,000行",
        committed=False,
    ),
    Case(
        "ten-mb-line.csv",
        "a 10 MB CSV line after the header (built at test time)",
        ten_mb_line,
        2,
        "file-too-large",
        "32,767文字",
        committed=False,
    ),
    Case(
        "long-cell.csv",
        "a CSV cell of 40,003 characters, over Excel's own 32,767",
        long_cell_csv,
        2,
        "file-too-large",
        "32,767文字",
    ),
    # ------------------------------------------------------------------ CSV text
    Case("nul-bytes.csv", "NUL bytes on line 3", nul_bytes, 2, "file-unsupported", "NUL"),
    Case(
        "mixed-encodings.csv", "UTF-8 lines then a Shift_JIS line", mixed_encodings, 2, "file-unreadable", "文字コード"
    ),
    Case("unknown-kind.csv", "a CSV of other data (a mailing list)", unknown_kind, 2, "unknown-kind", "判別できません"),
    Case(
        "header-below-row-10.xlsx",
        "the header on row 12 of the kind's sheet",
        header_below_row_10,
        2,
        "no-header-row",
        "見出し行",
    ),
    # ------------------------------------------------------------------ readable, with or without findings
    Case(
        "macros.xlsm",
        "an .xlsm whose VBA project has an Auto_Open that shells out: read as data, never run",
        macros,
        0,
        source={"format": "xlsm"},
    ),
    Case(
        "sjis-nec.csv",
        "CP932 CSV with NEC special characters (① ㈱ № Ⅲ), IBM extensions (髙 﨑) and half-width kana",
        sjis_nec,
        0,
        source={"format": "csv", "encoding": "cp932"},
        values=[
            [2, "name", "①山田㈱太郎"],
            [2, "address", "東京都港区虎ノ門３－５－１ ㈱サンプル№２ Ⅲ号室"],
            [3, "name", "髙橋 﨑子"],
            [3, "name_kana", "ﾀｶﾊｼ ｻｷｺ"],
        ],
    ),
    Case(
        "formulas-and-errors.xlsx",
        "#N/A and #REF! cells, a formula with a cached value, a formula giving #N/A",
        formulas_and_errors,
        1,
        findings=[[2, L, "error-cell"], [3, L, "error-cell"], [3, N, "formula-cell"], [4, R, "error-cell"]],
    ),
    Case(
        "errors-in-csv.csv",
        "#N/A and #VALUE! exported as text into a CSV",
        errors_in_csv,
        1,
        findings=[[2, L, "error-cell"], [3, N, "error-cell"]],
    ),
    Case(
        "merged-header.xlsx",
        "a merged title and a header cell merged over two columns",
        merged_header,
        0,
        values=[[4, "name_kana", "サトウ タロウ"]],
    ),
    Case(
        "header-row-7.xlsx",
        "six rows of titles and notes, the header on row 7",
        header_row_7,
        0,
        values=[[8, "receipt_no", "A-0001"], [9, "receipt_no", "A-0002"]],
    ),
    Case(
        "duplicate-headers.xlsx", "the header 氏名 twice", duplicate_headers, 1, findings=[[1, "W", "duplicate-column"]]
    ),
    Case("nfkc-headers.xlsx", "headers with full-width spaces, half-width kana and an English alias", nfkc_headers, 0),
    Case(
        "formula-injection.csv",
        "formula-injection strings in data cells of a CSV",
        formula_injection_csv,
        1,
        findings=[
            [2, F, "invalid-format"],
            [2, H, "invalid-format"],
            [2, J, "invalid-format"],
            [2, L, "invalid-number"],
            [2, V, "invalid-format"],
        ],
        escaped=INJECTIONS,
    ),
    Case(
        "formula-injection.xlsx",
        "formula-injection strings typed as text into a workbook",
        formula_injection_xlsx,
        1,
        findings=[
            [2, F, "invalid-format"],
            [2, H, "invalid-format"],
            [2, J, "invalid-format"],
            [2, L, "invalid-number"],
            [2, V, "invalid-format"],
        ],
        escaped=INJECTIONS,
    ),
    Case(
        "long-strings.xlsx",
        "an address of 32,767 characters (Excel's cell limit) and a name of 1,001",
        long_strings,
        1,
        findings=[[2, I, "out-of-range"], [3, E, "out-of-range"]],
    ),
    Case(
        "unicode-oddities.csv",
        "half-width kana, a combining voiced mark, zero-width spaces, full-width digits",
        unicode_oddities,
        1,
        findings=[[6, F, "invalid-format"]],
        values=[[2, "name_kana", "ﾔﾏﾀﾞ ﾀﾛｳ"], [5, "bank_code", "０００９"]],
    ),
    Case(
        "zero-width-duplicates.csv",
        "the same applicant twice, once with zero-width spaces in receipt number and name",
        zero_width_duplicates,
        1,
        findings=[[3, A, "duplicate-receipt"], [3, E, "duplicate-person"]],
    ),
]


# ============================================================================== building


def build_case(case: Case, folder: Path) -> Path:
    """Build one case's file into ``folder``; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.file
    if path.exists():
        path.unlink()
    return Path(case.build(path) or path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected() -> dict:
    return {
        "as_of": AS_OF,
        "about": "Generated by scripts/build_corpus.py; files not committed are built at test time.",
        "cases": [c.entry() for c in CASES],
    }


def build(folder: Path = FILES) -> list[Path]:
    """Build every committed case into ``folder`` and write expected.json (with the files' sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()
    data = expected()
    built = []
    for case, entry in zip(CASES, data["cases"], strict=True):
        if not case.committed:
            continue
        path = build_case(case, folder)
        entry["sha256"] = sha256(path)
        entry["size"] = path.stat().st_size
        assert entry["size"] < 200 * 1024, (case.file, entry["size"])
        built.append(path)
    EXPECTED.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_doc_table()
    return built


def table() -> str:
    """The corpus as a Markdown table for docs/robustness.md."""
    lines = [TABLE_START, "", "| file | what it is | `kyosai validate` | finding / HTTP |", "|---|---|:---:|---|"]
    for case in CASES:
        name = f"`{case.file}`" + ("" if case.committed else " ¹")
        if case.exit == 2:
            outcome = f"`{case.code}` {HTTP_STATUS[case.code]} «{case.message_ja}»"
        elif case.findings:
            codes = list(dict.fromkeys(code for *_, code in case.findings))
            outcome = ", ".join(f"`{c}`" for c in codes) + (" ²" if case.bug else "")
        else:
            outcome = "valid" + (" ²" if case.bug else "")
        lines.append(f"| {name} | {case.what} | {case.exit} | {outcome} |")
    notes = "¹ built at test time (too big for git)."
    if any(case.bug for case in CASES):
        notes += " ² a known bug changes this outcome for now (see the entry's `bug` in expected.json)."
    lines += ["", notes, "", TABLE_END]
    return "\n".join(lines)


def write_doc_table(doc: Path = DOC) -> bool:
    """Put the table between its markers in docs/robustness.md; whether the file changed."""
    if not doc.exists():
        return False
    text = doc.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < 0:
        return False
    new = text[:start] + table() + text[end + len(TABLE_END) :]
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


def check(folder: Path = FILES) -> list[str]:
    """The committed files (and expected.json) that differ from what this script builds now."""
    import tempfile

    problems = []
    if DOC.exists() and table() not in DOC.read_text(encoding="utf-8"):
        problems.append("docs/robustness.md: the corpus table is out of date")
    committed = json.loads(EXPECTED.read_text(encoding="utf-8"))
    entries = {e["file"]: e for e in committed["cases"]}
    want = expected()
    for entry in want["cases"]:
        had = dict(entries.get(entry["file"], {}))
        had.pop("sha256", None)
        had.pop("size", None)
        if had != entry:
            problems.append(f"expected.json: {entry['file']} differs")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            if not case.committed:
                continue
            path = build_case(case, Path(tmp))
            if not (folder / case.file).exists():
                problems.append(f"{case.file}: missing")
            elif sha256(path) != entries.get(case.file, {}).get("sha256") or sha256(path) != sha256(folder / case.file):
                problems.append(f"{case.file}: differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the committed corpus with a fresh build")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p)
        return 1 if problems else 0
    for path in build():
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    print(
        f"{EXPECTED.relative_to(ROOT)}: {len(CASES)} cases ({sum(not c.committed for c in CASES)} built at test time)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
