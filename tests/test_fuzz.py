"""Property-based fuzzing (issue 6): no input raises anything but the project's own errors.

- the readers: random bytes behind every magic number, byte-mutated workbooks, mutated sheet XML,
  mutated CSV text in every encoding → a :class:`Table` or a :class:`ReadFailure` (with a known
  code), never another exception; a table that comes out is then checked without an exception too;
- the isolated reader agrees with the in-process one (a few examples: each costs a child);
- the Japanese input parsers, the code validators, the labels and ``schemas.cells.read`` on any value
  a file or Excel can give → a value or a :class:`kyosai.errors.KyosaiError`; and what the core
  writes (和暦, Excel serials, amounts with 万/円) reads back.

Examples are kept few enough that the module runs in well under a minute; ``HYPOTHESIS_PROFILE=fuzz``
runs 20× as many.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import corpus
from kyosai import codes, japanese
from kyosai.errors import KyosaiError
from schemas.batches import KINDS
from schemas.cells import read
from validator.check import check_table
from validator.reading import Limits, ReadFailure, Table, read_batch, read_batch_isolated
from validator.report import Report
from validator.service.errors import READ_FAILURE_STATUS as HTTP_STATUS

SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 1
AS_OF = datetime.date(2024, 12, 10)
FILE = settings(
    max_examples=60 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE = settings(max_examples=300 * SCALE, deadline=None)

VALID_XLSX = (corpus.FILES / "valid.xlsx").read_bytes()
VALID_CSV = (corpus.FILES / "valid-bom.csv").read_bytes()[3:].decode("utf-8")
SHEET = "xl/worksheets/sheet1.xml"


def outcome(path) -> tuple:
    """read_batch's result as data; a table is checked too. Anything but a ReadFailure propagates."""
    try:
        table = read_batch(path, limits=Limits(max_rows=500))
    except ReadFailure as failure:
        assert failure.finding.code in HTTP_STATUS  # each has the status a service answers with
        assert failure.finding.message_ja and failure.finding.hint_ja
        return ("failure", failure.finding.code)
    assert isinstance(table, Table)
    report = check_table(table, AS_OF)
    assert isinstance(report, Report)
    return ("table", len(table.records), report.valid)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------ bytes

MAGIC = [
    b"",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"<?xml",
    b"%PDF",
    "受付番号,申込日\r\n".encode(),
    "受付番号,申込日\r\n".encode("cp932"),
]


@FILE
@given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=3000))
def test_random_bytes_behind_any_magic_number(tmp_path, magic, body):
    outcome(write(tmp_path, "fuzz.xlsx", magic + body))


@st.composite
def byte_mutations(draw, data: bytes):
    """Up to 8 bytes replaced, a slice deleted or repeated, or the end cut off."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    how = draw(st.sampled_from(["none", "cut", "delete", "repeat"]))
    a = draw(st.integers(0, len(out) - 1))
    b = draw(st.integers(a, min(len(out), a + 400)))
    if how == "cut":
        del out[a:]
    elif how == "delete":
        del out[a:b]
    elif how == "repeat":
        out[a:a] = out[a:b]
    return bytes(out)


@FILE
@given(data=byte_mutations(VALID_XLSX))
def test_byte_mutated_workbooks(tmp_path, data):
    outcome(write(tmp_path, "fuzz.xlsx", data))


XML_TOKENS = [
    '<c r="XFD1048576"><v>1</v></c>',
    '<c r="A2" t="e"><v>#N/A</v></c>',
    '<c r="B2"><f>1+1</f><v>2</v></c>',
    '<c r="C2" t="s"><v>99999</v></c>',
    '<c r="D2" t="inlineStr"><is><t>x</t></is></c>',
    "</row>",
    '<row r="3">',
    '<row r="1048577">',
    '<row r="0">',
    '<c r="A0">',
    '<c r="ZZZZ1">',
    't="e"',
    "<f>",
    "</c>",
    "&amp;",
    "&lol;",
    "<!DOCTYPE x>",
    "\x00",
    '<c r="AA7" t="b"><v>1</v></c>',
    '<c r="E2" t="d"><v>x</v></c>',
    '<c r="E2" t="n"><v>1e400</v></c>',
    '<c r="E2" t="n"><v>nan</v></c>',
    "<v>",
    "</v>",
    "]]>",
    "<![CDATA[",
    '<mergeCell ref="A1:XFD1048576"/>',
    "<sheetData/>",
    '<dimension ref="A1:XFD1048576"/>',
    "一",
    "\ufeff",
]


@st.composite
def xml_mutations(draw, text: str):
    out = text
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(out)))
        if draw(st.booleans()):
            out = out[:at] + draw(st.sampled_from(XML_TOKENS)) + out[at:]
        else:
            out = out[:at] + out[at + draw(st.integers(1, 40)) :]
    return out


def _with_sheet(sheet: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as zin, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, sheet if info.filename == SHEET else zin.read(info))
    return buffer.getvalue()


with zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as _z:
    VALID_SHEET = _z.read(SHEET).decode("utf-8")


@FILE
@given(sheet=xml_mutations(VALID_SHEET), encoding=st.sampled_from(["utf-8", "utf-8", "utf-16"]))
def test_mutated_sheet_xml(tmp_path, sheet, encoding):
    outcome(write(tmp_path, "fuzz.xlsx", _with_sheet(sheet.encode(encoding, "surrogatepass"))))


CSV_PIECES = [
    '"',
    '""',
    ",",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\ufeff",
    "#N/A",
    "=1+1",
    "＝",
    "　",
    "\u200b",
    "①",
    "㈱",
    "ﾊﾟ",
    "ガ",
    "\u3099",
    "令和元年",
    "R6.12.2",
    "45627",
    "7万円",
    "-",
    "1e9",
    "\\",
    "¥",
    "\ud800",
]


@st.composite
def csv_mutations(draw, text: str):
    out = text
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(out)))
        piece = draw(st.sampled_from(CSV_PIECES) | st.text(max_size=5))
        out = out[:at] + piece + out[at + draw(st.integers(0, 3)) :]
    return out


@FILE
@given(text=csv_mutations(VALID_CSV), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932", "utf-16", "latin-1"]))
def test_mutated_csv(tmp_path, text, encoding):
    outcome(write(tmp_path, "fuzz.csv", text.encode(encoding, "replace")))


@settings(max_examples=6 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(byte_mutations(VALID_XLSX), csv_mutations(VALID_CSV).map(lambda t: t.encode("utf-8", "replace"))))
def test_the_isolated_reader_agrees(tmp_path, data):
    path = write(tmp_path, "fuzz.bin", data)
    try:
        here = read_batch(path)
    except ReadFailure as failure:
        with pytest.raises(ReadFailure) as there:
            read_batch_isolated(path)
        assert there.value.finding == failure.finding
    else:
        assert read_batch_isolated(path) == here


# ------------------------------------------------------------------------------------ any cell, any column

# what calamine, the CSV reader or Excel (the add-in) can hand over
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=40),
    st.floats(),
    st.integers(min_value=-(2**1023), max_value=2**1023),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.decimals(),
    st.from_regex(r"\A(令和|平成|昭和|大正|明治|R|H|S|T|M)(元|\d{1,3})[年./\-](\d{1,2})[月./\-](\d{1,2})日?\Z"),
    st.from_regex(r"\A[△▲\-]?[¥\\]?(\d{1,4}億)?(\d{1,5}万)?\d{0,7}(\.\d{1,3})?円?\Z"),
    st.from_regex(r"\A\d{2,5}[\-ー－]\d{1,4}[\-ー－]\d{3,4}\Z"),
    st.text(
        alphabet="0123456789０１２３４５６７８９年月日令和平成.-/／－ー万円千,，　 ｱｲｳｶﾞﾊﾟカナがな\u3099\u200b",
        max_size=20,
    ),
)
COLUMNS = [column for kind in KINDS.values() for column in kind.columns]


@PURE
@given(column=st.sampled_from(COLUMNS), raw=CELLS)
def test_any_cell_in_any_column_reads_or_raises_the_projects_error(column, raw):
    try:
        read(column, raw)
    except KyosaiError as error:
        assert error.message_ja and error.message_en


PARSERS = [
    japanese.parse_date,
    japanese.parse_month,
    japanese.parse_amount,
    japanese.parse_count,
    japanese.format_wareki,
    japanese.to_excel_serial,
    codes.validate_postal_code,
    codes.validate_phone,
    codes.validate_corporate_number,
    codes.validate_katakana,
    lambda v: codes.validate_digits(v, "口座番号", 1, 7, pad=True),
]


@PURE
@given(parser=st.sampled_from(PARSERS), raw=CELLS)
def test_the_japanese_parsers_raise_only_the_projects_errors(parser, raw):
    try:
        parser(raw)
    except KyosaiError as error:
        assert error.message_ja and error.message_en


@PURE
@given(text=st.text(max_size=60))
def test_katakana_helpers_never_raise(text):
    assert isinstance(japanese.to_katakana(text), str)
    assert japanese.is_katakana(text) in (True, False)
    codes.kana_name_key(text)


@PURE
@given(day=st.dates(min_value=datetime.date(1873, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_what_the_core_writes_reads_back(day):
    assert japanese.parse_date(japanese.format_wareki(day)) == day
    assert japanese.parse_date(day.isoformat()) == day
    assert japanese.parse_date(f"{day.year}/{day.month}/{day.day}") == day
    if day >= datetime.date(1900, 3, 1):
        serial = japanese.to_excel_serial(day)
        assert japanese.parse_date(serial) == day and japanese.parse_date(float(serial)) == day
        assert japanese.parse_date(str(serial)) == day


@PURE
@given(yen=st.integers(0, 10**12))
def test_amounts_as_clerks_write_them(yen):
    assert japanese.parse_amount(yen) == yen
    assert japanese.parse_amount(f"{yen:,}円") == yen
    assert japanese.parse_amount(f"¥{yen:,}") == yen
    assert japanese.parse_amount(str(yen).translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == yen
    man, ones = divmod(yen, 10_000)
    if man:
        assert japanese.parse_amount(f"{man}万{ones or ''}円") == yen


# ------------------------------------------------------------------------------------ the schemas, on any records


@st.composite
def tables(draw):
    """A table as the reader makes it, with any values in its cells."""
    from validator.reading import Record, column_letter
    from validator.report import Source

    kind = draw(st.sampled_from(list(KINDS.values())))
    present = [c for c in kind.columns if c.required or draw(st.booleans())]
    columns = {c.alias: (column_letter(j), c.header) for j, c in enumerate(present)}
    records = []
    for r in range(draw(st.integers(1, 6))):  # mostly valid cells, a quarter of them anything
        values = {
            c.alias: draw(CELLS) if draw(st.integers(0, 3)) == 0 else _plausible(kind.name, c.alias, r) for c in present
        }
        records.append(Record(r + 2, values))
    source = Source(filename="fuzz.xlsx", sha256="", size=0, kind=kind.name, sheet=kind.sheet, format="xlsx")
    return Table.from_records(kind, source, 1, columns, records)


def _plausible(kind: str, alias: str, r: int):
    """The cell of a valid record of the kind (tests/batchfiles.py), receipt numbers made unique."""
    from batchfiles import VALID

    return f"R-{r:04d}" if alias == "receipt_no" else VALID[kind].get(alias)


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), as_of=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)))
def test_the_schemas_check_any_records_without_raising(table, as_of):
    assume(table.records)
    report = check_table(table, as_of)
    assert report.records == len(table.records)
    for finding in report.findings:
        assert finding.message_ja and finding.row in {r.row for r in table.records} | {None, 1}
