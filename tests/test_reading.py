"""validator.reading: batch files read safely, at the right rows and columns (issues 4 and 6)."""

from __future__ import annotations

import datetime
import hashlib
import os
import pickle
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import hostile
from fixtures.batchfiles import (
    PREPAYMENT_HEADERS,
    SKY_HEADERS,
    WORKSHEET_OPEN,
    csv_text_row,
    inline_row,
    make_xlsx,
    ole2,
    patch_member,
    prepayment_row,
    raw_xlsx,
    rewrite_zip,
    sky_row,
    write_csv,
    zip_bomb,
)
from validator.check import check_table
from validator.findings import CATALOGUE, make
from validator.reading import Limits, ReadFailure, Record, Table, column_letter, read_batch, read_batch_isolated
from validator.report import Source
from validator.service.errors import READ_FAILURE_STATUS as HTTP_STATUS
from validator.service.errors import read_failure_status as status

SKY_SHEET = "小規模企業共済_申込"


def letter_of(header: str) -> str:
    return column_letter(SKY_HEADERS.index(header))


def failure(path, **kwargs) -> ReadFailure:
    with pytest.raises(ReadFailure) as caught:
        read_batch(path, **kwargs)
    return caught.value


def codes(table: Table) -> list[tuple]:
    return [f.as_tuple() for f in table.findings]


# ------------------------------------------------------------------------------------ layout


def test_title_and_instruction_rows_then_header_on_row_3_with_blank_rows(tmp_path):
    rows = [
        ["小規模企業共済 契約申込"],
        ["太枠内を記入してください"],
        SKY_HEADERS,
        sky_row(1),
        [None] * 22,
        sky_row(2),
        [],
        [],
        sky_row(3),
    ]
    path = make_xlsx(tmp_path / "batch.xlsx", [(SKY_SHEET, rows)])
    table = read_batch(path)
    assert table.kind.name == "sky-application"
    assert table.header_row == 3
    assert [r.row for r in table.records] == [4, 6, 9]
    assert table.records[0].values["receipt_no"] == "A-0001"
    assert table.findings == []
    data = path.read_bytes()
    assert table.source == Source(
        filename="batch.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        kind="sky-application",
        sheet=SKY_SHEET,
        encoding=None,
        format="xlsx",
    )
    assert table.columns["receipt_no"] == ("A", "受付番号")
    assert table.columns["account_holder_kana"] == ("V", "口座名義カナ")


def test_header_on_row_7(tmp_path):
    rows = [["title"], [], ["note 1"], ["note 2"], [], ["note 3"], SKY_HEADERS, sky_row(1), sky_row(2)]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)]))
    assert table.header_row == 7
    assert [r.row for r in table.records] == [8, 9]


def test_header_below_row_10_is_not_found(tmp_path):
    rows = [["title"]] + [[] for _ in range(10)] + [SKY_HEADERS, sky_row(1)]
    named = failure(make_xlsx(tmp_path / "a.xlsx", [(SKY_SHEET, rows)]))
    assert (named.finding.code, named.finding.sheet, status(named)) == ("no-header-row", SKY_SHEET, 400)
    anonymous = failure(make_xlsx(tmp_path / "b.xlsx", [("Sheet1", rows)]))
    assert anonymous.finding.code == "unknown-kind"


def test_header_cells_matched_after_nfkc_trim_and_aliases(tmp_path):
    headers = list(SKY_HEADERS)
    headers[0] = "　受付番号 "  # full-width and half-width spaces
    headers[5] = "ﾌﾘｶﾞﾅ"  # half-width kana
    headers[13] = "monthly_amount"  # the alias
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [headers, sky_row(1)])]))
    assert table.columns["receipt_no"] == ("A", "　受付番号 ")
    assert table.columns["name_kana"] == ("F", "ﾌﾘｶﾞﾅ")
    assert table.columns["monthly_amount"] == ("N", "monthly_amount")
    assert table.findings == []


def test_codes_keep_leading_zeros_and_numbers_come_back_as_digits(tmp_path):
    rows = [
        SKY_HEADERS,
        sky_row(1, bank_code="0009", branch_code="001", account_number="0000123"),
        sky_row(
            2,
            receipt_no=17,
            bank_code=9,
            branch_code=1.0,
            account_number=123456.0,
            postal_code=1058453,
            phone=312345678,
            employees=3.0,
            monthly_amount=70000.0,
            designated_month=12,
        ),
        sky_row(3, employees=1.5, account_number=12.5),
    ]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)]))
    text, numbers, odd = (r.values for r in table.records)
    assert (text["bank_code"], text["branch_code"], text["account_number"]) == ("0009", "001", "0000123")
    assert numbers["receipt_no"] == "17"
    assert (numbers["bank_code"], numbers["branch_code"], numbers["account_number"]) == ("9", "1", "123456")
    assert numbers["postal_code"] == "1058453" and numbers["phone"] == "312345678"
    # every cell is the text the sheet shows: a whole number its digits, a fraction its decimals
    assert numbers["employees"] == "3" and numbers["monthly_amount"] == "70000"
    assert odd["employees"] == "1.5" and odd["account_number"] == "12.5"
    assert text["proprietor_ref"] is None and text["prepaid_months"] is None


def test_corporate_number_typed_as_a_number(tmp_path):
    from schemas import samples

    columns = __import__("schemas.batches").batches.SAFETY_APPLICATION.columns
    headers = [c.header for c in columns]
    record = {**samples.records("safety-application")[0], "corporate_number": 1010001008830.0}
    row = [record[c.alias] for c in columns]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [("経営セーフティ共済_申込", [headers, row])]))
    assert table.kind.name == "safety-application"
    assert table.records[0].values["corporate_number"] == "1010001008830"
    assert table.records[0].values["capital"] == "10000000"


def test_dates_typed_and_as_text(tmp_path):
    rows = [
        SKY_HEADERS,
        sky_row(1, application_date=datetime.date(2024, 12, 2), birth_date=datetime.datetime(1975, 4, 1, 9, 30)),
        sky_row(2, application_date="2024/12/2", birth_date="昭和50年4月1日"),
    ]
    typed, text = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)])).records
    # a date cell reads as Excel shows it: the date, and the time of day when it has one
    assert typed.values["application_date"] == "2024-12-02"
    assert typed.values["birth_date"] == "1975-04-01 09:30:00"
    assert text.values["application_date"] == "2024/12/2"
    assert text.values["birth_date"] == "昭和50年4月1日"


def test_excel_error_cells_become_findings_and_none(tmp_path):
    rows = [
        SKY_HEADERS,
        sky_row(1, employees="#N/A"),
        sky_row(2, monthly_amount="#DIV/0!", bank_code="#REF!"),
        [None] * 11 + ["#VALUE!"],
    ]  # a row whose only value is an error is still a record
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)]))
    L, N, R = letter_of("常時使用する従業員数"), letter_of("掛金月額"), letter_of("金融機関コード")
    assert codes(table) == [(2, L, "error-cell"), (3, N, "error-cell"), (3, R, "error-cell"), (4, L, "error-cell")]
    first = table.findings[0]
    assert (first.header, first.value, first.sheet) == ("常時使用する従業員数", "#N/A", SKY_SHEET)
    assert "エラー値" in first.message_ja
    assert [r.row for r in table.records] == [2, 3, 4]
    assert table.records[0].values["employees"] is None
    assert table.records[1].values["monthly_amount"] is None and table.records[1].values["bank_code"] is None


def test_formulas_give_their_cached_value_and_a_warning(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1), sky_row(2)])])
    n = letter_of("掛金月額")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    old2 = f'<c r="{n}2" t="n"><v>70000</v></c>'.encode()
    old3 = f'<c r="{n}3" t="n"><v>70000</v></c>'.encode()
    assert old2 in sheet and old3 in sheet
    patch_member(path, "xl/worksheets/sheet1.xml", old2, f'<c r="{n}2"><f>35000*2</f><v>70000</v></c>'.encode())
    patch_member(path, "xl/worksheets/sheet1.xml", old3, f'<c r="{n}3" t="e"><f>NA()</f><v>#N/A</v></c>'.encode())
    table = read_batch(path)
    assert codes(table) == [(2, n, "formula-cell"), (3, n, "error-cell")]
    assert table.findings[0].value == "70000" and table.findings[0].severity == "warning"
    assert table.records[0].values["monthly_amount"] == "70000"
    assert table.records[1].values["monthly_amount"] is None


def _prefixed_sheet(rows: list[tuple[list, int | None]]) -> bytes:
    """Sheet XML with an ``x:`` prefix, as some libraries write it; ints are formulas with a cached value
    and the cell at the given index an #N/A error."""
    out = []
    for r, (values, error_at) in enumerate(rows, start=1):
        cells = []
        for j, v in enumerate(values):
            ref = f"{column_letter(j)}{r}"
            if j == error_at:
                cells.append(f'<x:c r="{ref}" t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>')
            elif isinstance(v, int):
                cells.append(f'<x:c r="{ref}"><x:f>{v}+0</x:f><x:v>{v}</x:v></x:c>')
            elif isinstance(v, str):
                cells.append(f'<x:c r="{ref}" t="inlineStr"><x:is><x:t>{v}</x:t></x:is></x:c>')
        out.append(f'<x:row r="{r}">{"".join(cells)}</x:row>')
    return (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        + "".join(out)
        + "</x:sheetData></x:worksheet>"
    ).encode()


def test_prefixed_sheet_xml_errors_and_formulas(tmp_path):
    path = raw_xlsx(tmp_path / "b.xlsx", _prefixed_sheet([(SKY_HEADERS, None), (sky_row(1), 11)]))
    table = read_batch(path)
    assert codes(table) == [(2, "L", "error-cell"), (2, "N", "formula-cell"), (2, "P", "formula-cell")]
    assert table.records[0].values["employees"] is None and table.records[0].values["monthly_amount"] == "70000"


@pytest.mark.parametrize(
    "before, after, letter",
    [
        (b"", b"", "C"),  # the grid starts at C3
        (b'<row r="1"><c r="A1" s="1"/><c r="B1" s="1"></c></row>', b"", "C"),  # formatted cells hold nothing
        (b'<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>', b"", "C"),
        (b"", b'<row r="9"><c r="B9"><v>1</v></c></row>', "C"),  # a value left of the header, below
    ],
)
def test_columns_are_lettered_where_the_sheet_has_them(tmp_path, before, after, letter):
    """The parser's grid starts at the leftmost cell that holds a value; the letters of the columns
    (and so of every finding) are the sheet's own, wherever the table starts."""
    header, record = inline_row(3, SKY_HEADERS, start_col=2), inline_row(4, sky_row(1, employees="x"), start_col=2)
    sheet = WORKSHEET_OPEN + b"<sheetData>" + before + header + record + after + b"</sheetData></worksheet>"
    table = read_batch(raw_xlsx(tmp_path / "b.xlsx", sheet))
    assert table.columns["receipt_no"][0] == letter and table.rows[0] == 4
    assert table.records[0].values["receipt_no"] == "A-0001"
    report = check_table(table, datetime.date(2025, 3, 31))
    employees = column_letter(2 + SKY_HEADERS.index("常時使用する従業員数"))
    assert [(f.row, f.column) for f in report.findings if f.code == "invalid-number"] == [(4, employees)]


def test_the_sheet_scan_is_the_same_in_small_chunks(tmp_path, monkeypatch):
    import validator.reading.scan as reading

    rows = [(SKY_HEADERS, None)] + [(sky_row(i), (i * 7) % 22) for i in range(1, 120)]
    path = raw_xlsx(tmp_path / "b.xlsx", _prefixed_sheet(rows))
    whole = read_batch(path)
    assert len([f for f in whole.findings if f.code == "error-cell"]) == 119
    monkeypatch.setattr(reading, "_SCAN_CHUNK", 97)
    assert read_batch(path) == whole


def test_merged_header_cells_use_the_top_left_value(tmp_path):
    headers = SKY_HEADERS[:5] + [None] + SKY_HEADERS[5:]  # 氏名 merged over E3:F3
    rows = [["小規模企業共済 契約申込"], [], headers, sky_row(1)[:5] + [None] + sky_row(1)[5:]]
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)], merges={SKY_SHEET: ["A1:V1", "E3:F3"]})
    table = read_batch(path)
    assert table.header_row == 3
    assert table.columns["name"] == ("E", "氏名")
    assert table.columns["name_kana"] == ("G", "フリガナ")
    assert table.findings == []
    assert table.records[0].values["name_kana"] == "ヤマダ タロウ"


def test_duplicate_header_keeps_the_first(tmp_path):
    headers = SKY_HEADERS + ["氏名"]
    rows = [headers, sky_row(1) + ["別人"]]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)]))
    (dup,) = table.findings
    assert dup.as_tuple() == (1, "W", "duplicate-column")
    assert dup.severity == "error" and "E列とW列" in dup.message_ja
    assert table.columns["name"] == ("E", "氏名")
    assert table.records[0].values["name"] == "山田 太郎"


def test_unknown_column_is_a_warning_and_ignored(tmp_path):
    headers = ["メモ"] + SKY_HEADERS + ["備考"]
    rows = [headers, ["x"] + sky_row(1) + ["y"], ["only a note"] + [None] * 22 + ["and another"]]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)]))
    assert codes(table) == [(1, "A", "unknown-column"), (1, "X", "unknown-column")]
    assert table.findings[0].header == "メモ" and table.findings[0].severity == "warning"
    assert table.columns["receipt_no"] == ("B", "受付番号")
    assert "メモ" not in table.records[0].values
    assert [r.row for r in table.records] == [2]  # a row with values only in ignored columns is blank


def test_missing_required_column_is_a_finding_not_a_failure(tmp_path):
    headers = [h for h in SKY_HEADERS if h != "フリガナ"]
    row = [v for h, v in zip(SKY_HEADERS, sky_row(1), strict=True) if h != "フリガナ"]
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [headers, row])]))
    (missing,) = table.findings
    assert (missing.code, missing.header, missing.row, missing.column) == ("missing-column", "フリガナ", 1, None)
    assert "name_kana" not in table.columns
    assert "name_kana" not in table.records[0].values
    assert table.columns["birth_date"] == ("F", "生年月日")


def test_columns_past_z_get_two_letters(tmp_path):
    headers = [f"列{i}" for i in range(27)] + SKY_HEADERS
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [headers, [None] * 27 + sky_row(1)])]))
    assert table.columns["receipt_no"] == ("AB", "受付番号")
    assert [f.column for f in table.findings][-2:] == ["Z", "AA"]


# ------------------------------------------------------------------------------------ sheet choice


def test_sheet_chosen_by_name(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [("メモ", [["連絡事項"]]), (SKY_SHEET, [["title"], SKY_HEADERS, sky_row(1)])])
    table = read_batch(path)
    assert (table.source.sheet, table.header_row, table.records[0].row) == (SKY_SHEET, 2, 3)


def test_sheet_chosen_by_headers(tmp_path):
    path = make_xlsx(
        tmp_path / "b.xlsx", [("メモ", [["連絡事項"]]), ("Sheet2", [PREPAYMENT_HEADERS, prepayment_row(1)])]
    )
    table = read_batch(path)
    assert (table.kind.name, table.source.sheet, table.source.kind) == ("prepayment", "Sheet2", "prepayment")
    assert table.records[0].values["contract_number"] == "1234567890"
    assert table.records[0].values["desired_month"] == "2024-12"


def test_sheet_chosen_by_the_kind_given(tmp_path):
    path = make_xlsx(
        tmp_path / "b.xlsx",
        [
            (SKY_SHEET, [SKY_HEADERS, sky_row(1)]),
            ("前納申出", [PREPAYMENT_HEADERS, prepayment_row(1), prepayment_row(2)]),
        ],
    )
    assert read_batch(path).kind.name == "sky-application"
    table = read_batch(path, "prepayment")
    assert (table.kind.name, table.source.sheet, len(table.records)) == ("prepayment", "前納申出", 2)


def test_the_kind_given_against_other_headers_finds_no_header(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [("Sheet1", [SKY_HEADERS, sky_row(1)])])
    assert failure(path, kind="prepayment").finding.code == "no-header-row"
    only_other = make_xlsx(tmp_path / "c.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    assert failure(only_other, kind="prepayment").finding.code == "no-header-row"


def test_sample_and_hidden_sheets_come_last(tmp_path):
    sample = ("記入例", [SKY_HEADERS, sky_row(99)])
    hidden = ("Hidden", [SKY_HEADERS, sky_row(98)])
    path = make_xlsx(tmp_path / "b.xlsx", [sample, hidden, ("Sheet3", [SKY_HEADERS, sky_row(1)])], hidden=("Hidden",))
    assert read_batch(path).source.sheet == "Sheet3"
    only_sample = make_xlsx(tmp_path / "c.xlsx", [sample, ("メモ", [["x"]])])
    assert read_batch(only_sample).source.sheet == "記入例"


def test_unknown_kind_name_is_a_usage_error(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS])])
    with pytest.raises(ValueError):
        read_batch(path, "sky")
    with pytest.raises(ValueError):
        read_batch_isolated(path, "sky")


def test_header_only_gives_no_records(tmp_path):
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS])]))
    assert table.records == [] and table.findings == []


def test_xlsm_is_read_as_data(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsm", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])], vba=True)
    table = read_batch(path)
    assert table.source.format == "xlsm"
    assert len(table.records) == 1


def test_format_comes_from_the_content_not_the_name(tmp_path):
    xlsx_named_csv = make_xlsx(tmp_path / "batch.csv", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    assert read_batch(xlsx_named_csv).source.format == "xlsx"
    csv_named_xlsx = write_csv(tmp_path / "batch.xlsx", [SKY_HEADERS, csv_text_row(1)])
    assert read_batch(csv_named_xlsx).source.format == "csv"
    table = read_batch(csv_named_xlsx, filename="upload.xlsx")
    assert table.source.filename == "upload.xlsx"


# ------------------------------------------------------------------------------------ CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings(tmp_path, encoding):
    rows = [SKY_HEADERS, csv_text_row(1, name="①山田㈱", bank_code="0009"), [], csv_text_row(2)]
    table = read_batch(write_csv(tmp_path / "b.csv", rows, encoding=encoding))
    assert (table.source.encoding, table.source.format, table.source.sheet) == (encoding, "csv", None)
    assert table.records[0].values["name"] == "①山田㈱"
    assert table.records[0].values["bank_code"] == "0009"
    assert table.records[0].values["application_date"] == "2024-12-02"
    assert table.records[0].values["proprietor_ref"] is None
    assert [r.row for r in table.records] == [2, 4]
    assert table.columns["account_holder_kana"] == ("V", "口座名義カナ")


def test_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path):
    rows = [["申込一覧"], SKY_HEADERS, csv_text_row(1, address="東京都港区\n虎ノ門3-5-1"), csv_text_row(2)]
    table = read_batch(write_csv(tmp_path / "b.csv", rows, newline="\n"))
    assert table.header_row == 2
    assert [r.row for r in table.records] == [3, 5]
    assert table.records[0].values["address"] == "東京都港区\n虎ノ門3-5-1"


def test_csv_short_rows_trailing_commas_and_error_texts(tmp_path):
    text = (
        ",".join(SKY_HEADERS)
        + ",,,\n"
        + ",".join(csv_text_row(1, employees="#N/A"))
        + ",,,,,\n"
        + "A-0002,2024-12-02\n"
    )
    path = tmp_path / "b.csv"
    path.write_text(text, encoding="utf-8")
    table = read_batch(path)
    assert codes(table) == [(2, letter_of("常時使用する従業員数"), "error-cell")]
    assert table.records[0].values["employees"] is None
    assert table.records[1].values["receipt_no"] == "A-0002" and table.records[1].values["channel"] is None


def test_tab_separated_text_is_read_too(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("\t".join(SKY_HEADERS) + "\n" + "\t".join(csv_text_row(1)) + "\n", encoding="utf-8")
    assert read_batch(path).records[0].values["receipt_no"] == "A-0001"


# Lines of a CSV without quotes: cells of anything but the delimiters, quotes and line breaks
# (full-width forms, NUL, control characters, spaces), empty cells, short rows, blank lines.
_CSV_CELL = st.text(st.characters(blacklist_characters=',\t"\r\n', blacklist_categories=("Cs",)), max_size=6)
_CSV_LINES = st.lists(st.lists(st.one_of(st.just(""), _CSV_CELL), max_size=7), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=_CSV_LINES, delimiter=st.sampled_from([",", "\t"]), crlf=st.booleans(), last_line_end=st.booleans())
def test_a_csv_without_quotes_is_split_as_the_full_reader_reads_it(lines, delimiter, crlf, last_line_end):
    """Issue 13: polars splits a CSV without quote characters (each line a record); the grid — its
    cells, blank cells at a row's end, blank lines, the line numbers — is the full reader's."""
    from validator.reading.delimited import _reader_grid, _split_grid

    end = "\r\n" if crlf else "\n"
    text = end.join(delimiter.join(cells) for cells in lines) + (end if last_line_end else "")
    source, limits = Source(filename="b.csv", sha256="", size=0), Limits()
    split = _split_grid(text, delimiter, limits, text.encode("utf-8") if crlf else None)
    assert split is not None
    frame, numbers = _reader_grid(text, delimiter, source, limits)
    assert split[0].columns == frame.columns and split[0].rows() == frame.rows()
    assert split[1] == numbers


def test_a_csv_the_split_cannot_read_goes_to_the_full_reader(tmp_path):
    """Quotes, a lone CR, a row too wide, a cell too long: the full reader reads it and says where."""
    from validator.reading.delimited import _split_grid

    limits = Limits(max_columns=3, max_cell_chars=5)
    assert _split_grid('a,"b,c"\n', ",", limits) is None
    assert _split_grid("a,b\rc\n", ",", limits) is None
    assert _split_grid("a,b\nc,d,e,f\n", ",", limits) is None
    assert _split_grid("a,b\nc,123456\n", ",", limits) is None
    assert _split_grid("a,b,c\nd\n", ",", limits) is not None
    path = tmp_path / "wide.csv"
    path.write_text(",".join(SKY_HEADERS) + "\n" + ",".join(["x"] * 250) + "\n", encoding="utf-8")
    refused = failure(path).finding
    assert refused.code == "file-too-large" and "2行目の列数が250列" in refused.message_ja


def test_csv_mixed_encodings_name_the_line(tmp_path):
    data = (",".join(SKY_HEADERS) + "\n" + ",".join(csv_text_row(1)) + "\n").encode("utf-8")
    data += ",".join(csv_text_row(2, name="山田")).encode("cp932") + b"\n"
    (tmp_path / "a.csv").write_bytes(data)
    f = failure(tmp_path / "a.csv")
    assert (f.finding.code, status(f)) == ("file-unreadable", 400)
    assert "文字コードが判別できません" in f.finding.message_ja and "UTF-8としては3行目" in f.finding.message_ja
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + data)
    assert "3行目" in failure(tmp_path / "b.csv").finding.message_ja


def test_csv_that_matches_no_kind(tmp_path):
    path = write_csv(tmp_path / "b.csv", [["a", "b"], ["1", "2"]])
    assert failure(path).finding.code == "unknown-kind"
    assert failure(path, kind="prepayment").finding.code == "no-header-row"


# ------------------------------------------------------------------------------------ hostile files


def test_empty_files(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    f = failure(tmp_path / "empty.xlsx")
    assert (f.finding.code, status(f)) == ("file-empty", 400)
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf\r\n ,,\r\n")
    assert failure(tmp_path / "blank.csv").finding.code == "file-empty"


def test_too_large_a_file(tmp_path):
    path = write_csv(tmp_path / "b.csv", [SKY_HEADERS] + [csv_text_row(i) for i in range(50)])
    f = failure(path, limits=Limits(max_bytes=1000))
    assert (f.finding.code, status(f)) == ("file-too-large", 413)
    assert f.source.size == path.stat().st_size


def test_non_zip_named_xlsx(tmp_path):
    (tmp_path / "text.xlsx").write_text("これはExcelではありません\n", encoding="utf-8")
    assert failure(tmp_path / "text.xlsx").finding.code == "unknown-kind"
    (tmp_path / "binary.xlsx").write_bytes(b"\x01\x02garbage\x00\x00\xff" * 20)
    f = failure(tmp_path / "binary.xlsx")
    assert (f.finding.code, status(f)) == ("file-unsupported", 415)


@pytest.mark.parametrize(
    "data, detail",
    [(b"%PDF-1.7\n...", "PDF"), (b"\xff\xfeA\x00B\x00", "UTF-16"), (b'<?xml version="1.0"?><Workbook/>', "XML")],
)
def test_other_kinds_of_file(tmp_path, data, detail):
    (tmp_path / "x.xlsx").write_bytes(data)
    f = failure(tmp_path / "x.xlsx")
    assert f.finding.code == "file-unsupported" and detail in f.finding.message_ja


def test_zips_that_are_not_workbooks(tmp_path):
    with zipfile.ZipFile(tmp_path / "doc.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    f = failure(tmp_path / "doc.xlsx")
    assert (f.finding.code, status(f)) == ("file-unsupported", 415) and "Word" in f.finding.message_ja
    with zipfile.ZipFile(tmp_path / "b.xlsb", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\0")
    assert ".xlsb" in failure(tmp_path / "b.xlsb").finding.message_ja
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    assert failure(tmp_path / "plain.zip").finding.code == "file-unsupported"


def test_truncated_zip(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS] + [sky_row(i) for i in range(20)])])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    f = failure(path)
    assert (f.finding.code, status(f)) == ("file-unreadable", 400)
    assert "途中で切れている" in f.finding.message_ja
    assert f.source.sha256 == hashlib.sha256(data[: len(data) // 2]).hexdigest()


def test_zip_with_a_wrong_crc(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    rewrite_zip(path, stored=("xl/worksheets/sheet1.xml",))
    data = bytearray(path.read_bytes())
    at = data.find("山田 太郎".encode())
    data[at : at + 3] = "川".encode()  # same length, other bytes: the CRC no longer matches
    path.write_bytes(bytes(data))
    f = failure(path)
    assert f.finding.code == "file-unreadable" and "CRC" in f.finding.message_ja


def test_zip_bomb_is_refused_from_the_directory_without_inflating(tmp_path, monkeypatch):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024

    def no_inflating(self, *args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    f = failure(path)
    assert (f.finding.code, status(f)) == ("file-suspicious", 400)
    assert "圧縮率" in f.finding.message_ja
    total = failure(path, limits=Limits(max_ratio=100_000, max_uncompressed=100 * 1024 * 1024))
    assert (total.finding.code, status(total)) == ("file-too-large", 413) and "展開後" in total.finding.message_ja


def test_too_many_zip_members(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    f = failure(path, limits=Limits(max_members=3))
    assert (f.finding.code, status(f)) == ("file-suspicious", 400)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [ENTITY_BOMB, EXTERNAL, b"\xef\xbb\xbf<!-- c --><!DOCTYPE worksheet>"])
def test_doctype_and_entities_in_sheet_xml(tmp_path, prolog):
    sheet = prolog + WORKSHEET_OPEN + b"<sheetData>" + inline_row(1, SKY_HEADERS) + b"</sheetData></worksheet>"
    f = failure(raw_xlsx(tmp_path / "b.xlsx", sheet))
    assert (f.finding.code, status(f)) == ("file-suspicious", 400)
    assert "DOCTYPE" in f.finding.message_ja


def test_doctype_in_workbook_and_content_types(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    patch_member(path, "xl/workbook.xml", b"<workbook", EXTERNAL + b"<workbook")
    assert failure(path).finding.code == "file-suspicious"
    path = make_xlsx(tmp_path / "c.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1)])])
    patch_member(path, "[Content_Types].xml", b"<Types", ENTITY_BOMB + b"<Types")
    assert failure(path).finding.code == "file-suspicious"


def test_a_cell_at_xfd1048576_is_refused_before_parsing(tmp_path):
    sheet = (
        WORKSHEET_OPEN
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + inline_row(1, SKY_HEADERS)
        + b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    path = raw_xlsx(tmp_path / "corner.xlsx", sheet)
    assert path.stat().st_size < 3000
    f = failure(path)
    assert (f.finding.code, status(f)) == ("file-too-large", 413)
    assert "XFD1048576" in f.finding.message_ja


def test_a_sheet_used_down_to_the_last_row_is_refused(tmp_path):
    sheet = (
        WORKSHEET_OPEN
        + b"<sheetData>"
        + inline_row(1, SKY_HEADERS)
        + inline_row(2, ["x"] * 40)
        + b'<row r="1048576"><c r="A1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    f = failure(raw_xlsx(tmp_path / "b.xlsx", sheet))
    assert f.finding.code == "file-too-large" and "使用範囲" in f.finding.message_ja


def test_16384_columns(tmp_path):
    sheet = WORKSHEET_OPEN + b"<sheetData>" + inline_row(1, list(range(16384))) + b"</sheetData></worksheet>"
    f = failure(raw_xlsx(tmp_path / "wide.xlsx", sheet))
    assert f.finding.code == "file-too-large" and "列数" in f.finding.message_ja


def test_shared_strings_declaring_billions(tmp_path):
    sheet = WORKSHEET_OPEN + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
        b'uniqueCount="4000000000"><si><t>a</t></si></sst>'
    )
    f = failure(raw_xlsx(tmp_path / "sst.xlsx", sheet, shared_strings=sst))
    assert f.finding.code == "file-suspicious"


def test_a_workbook_with_only_a_chart_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.create_chartsheet("グラフ")
    wb.remove(wb.active)
    wb.save(tmp_path / "chart.xlsx")
    f = failure(tmp_path / "chart.xlsx")
    assert (f.finding.code, status(f)) == ("file-empty", 400)


def test_old_xls_and_encrypted_workbooks(tmp_path):
    f = failure(ole2(tmp_path / "old.xls"))
    assert (f.finding.code, status(f), f.source.format) == ("file-old-format", 415, "xls")
    assert ".xlsx" in f.finding.hint_ja
    f = failure(ole2(tmp_path / "locked.xlsx", encrypted=True))
    assert (f.finding.code, status(f)) == ("file-encrypted", 415)
    assert "パスワード" in f.finding.hint_ja


def test_a_10mb_single_line_csv(tmp_path):
    (tmp_path / "one.csv").write_bytes(b"x" * (10 * 1024 * 1024))
    f = failure(tmp_path / "one.csv")
    assert (f.finding.code, status(f)) == ("file-too-large", 413) and "1行目" in f.finding.message_ja
    (tmp_path / "wide.csv").write_bytes(b"ab," * (3 * 1024 * 1024))
    f = failure(tmp_path / "wide.csv")
    assert f.finding.code == "file-too-large" and "列数" in f.finding.message_ja


def test_nul_bytes(tmp_path):
    data = (",".join(SKY_HEADERS) + "\n" + ",".join(csv_text_row(1)) + "\n").encode() + b"A-2,\x00\x00\n"
    (tmp_path / "nul.csv").write_bytes(data)
    f = failure(tmp_path / "nul.csv")
    assert (f.finding.code, status(f)) == ("file-unsupported", 415) and "3行目" in f.finding.message_ja


def test_more_rows_than_the_limit(tmp_path):
    limits = Limits(max_rows=5)
    ok = make_xlsx(tmp_path / "ok.xlsx", [(SKY_SHEET, [SKY_HEADERS] + [sky_row(i) for i in range(5)] + [[]] * 20)])
    assert len(read_batch(ok, limits=limits).records) == 5
    over = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS] + [sky_row(i) for i in range(6)])])
    f = failure(over, limits=limits)
    assert (f.finding.code, status(f)) == ("too-many-rows", 413) and "5行" in f.finding.message_ja
    csv_over = write_csv(tmp_path / "b.csv", [SKY_HEADERS] + [csv_text_row(i) for i in range(40)])
    assert failure(csv_over, limits=limits).finding.code == "too-many-rows"


def test_a_cell_longer_than_the_limit(tmp_path):
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1, address="東" * 50)])])
    f = failure(path, limits=Limits(max_cell_chars=40))
    assert f.finding.code == "file-too-large" and f.finding.row == 2 and f.finding.column == letter_of("住所")
    csv_path = write_csv(tmp_path / "b.csv", [SKY_HEADERS, csv_text_row(1, address="東" * 50)])
    assert failure(csv_path, limits=Limits(max_cell_chars=40)).finding.code == "file-too-large"


def test_every_failure_says_what_to_do():
    assert set(HTTP_STATUS) == {
        "file-unreadable",
        "file-suspicious",
        "file-empty",
        "unknown-kind",
        "no-header-row",
        "file-too-large",
        "too-many-rows",
        "file-unsupported",
        "file-old-format",
        "file-encrypted",
    }
    for code in HTTP_STATUS:
        fields = CATALOGUE[code].fields  # exactly the type's fields (make refuses others)
        finding = make(code, **{name: "x" if name.startswith("detail") else 1 for name in fields})
        assert finding.hint_ja and finding.severity == "error"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_bytes_give_a_table_or_a_read_failure(tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        result = read_batch(path)
    except ReadFailure as failure_:
        assert failure_.finding.code in HTTP_STATUS
    else:
        assert isinstance(result, Table)


# ------------------------------------------------------------------------------------ isolation


def test_isolated_read_gives_the_same_table(tmp_path):
    rows = [
        ["title"],
        SKY_HEADERS + ["備考"],
        sky_row(1, employees="#N/A") + ["x"],
        [],
        sky_row(2, bank_code=9, birth_date=datetime.datetime(1975, 4, 1, 9, 30), application_date="2024/12/2"),
    ]
    path = make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, rows)])
    here, there = read_batch(path), read_batch_isolated(path)
    assert there == here
    assert there.kind is here.kind
    assert there.records[1].values["application_date"] == "2024/12/2"
    assert there.records[0].values["application_date"] == here.records[0].values["application_date"]
    csv_path = write_csv(tmp_path / "b.csv", [SKY_HEADERS, csv_text_row(1, name="①㈱")], encoding="cp932")
    assert read_batch_isolated(csv_path) == read_batch(csv_path)


def test_isolated_read_failure_crosses_back(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ReadFailure) as caught:
        read_batch_isolated(tmp_path / "empty.csv", filename="upload.csv")
    assert (caught.value.finding.code, status(caught.value)) == ("file-empty", 400)
    assert caught.value.source.filename == "upload.csv"


def _isolated_failure(path, reader, **limits) -> ReadFailure:
    """What the caller makes of a child that misbehaves as a crafted file makes a parser misbehave:
    ``reader`` runs in the capped child as the real reader does (:mod:`fixtures.hostile`)."""
    from validator import sandbox
    from validator.reading.child import child_failure

    limits = Limits(**limits)
    with pytest.raises(sandbox.ChildFailure) as caught:
        sandbox.run(reader, os.fspath(path), memory_mb=limits.memory_mb, seconds=limits.seconds)
    return child_failure(caught.value, os.fspath(path), None, limits)


@pytest.fixture
def small_batch(tmp_path):
    return write_csv(tmp_path / "b.csv", [SKY_HEADERS, csv_text_row(1)])


def test_a_child_that_aborts_costs_only_the_child(small_batch):
    f = _isolated_failure(small_batch, hostile.abort_reader)
    assert (f.finding.code, status(f)) == ("file-unreadable", 400)
    assert "異常終了" in f.finding.message_ja and "SIGABRT" in f.finding.message_ja
    assert f.source.sha256 == hashlib.sha256(small_batch.read_bytes()).hexdigest()
    assert len(read_batch_isolated(small_batch).records) == 1  # and the next file reads normally


def test_a_child_that_exits(small_batch):
    f = _isolated_failure(small_batch, hostile.exit_reader)
    assert f.finding.code == "file-unreadable" and "終了コード 3" in f.finding.message_ja


def test_a_child_beyond_its_memory_cap(small_batch):
    f = _isolated_failure(small_batch, hostile.hog_reader, memory_mb=512)
    assert (f.finding.code, status(f)) == ("file-too-large", 413) and "メモリ" in f.finding.message_ja


def test_a_child_beyond_its_time_limit(small_batch):
    f = _isolated_failure(small_batch, hostile.sleepy_reader, seconds=1)
    assert (f.finding.code, status(f)) == ("file-too-large", 413) and "1秒" in f.finding.message_ja


def test_the_frame_the_child_writes_is_removed_whatever_happens(small_batch, tmp_path, monkeypatch):
    """The reading child hands its frame over in a temporary file: gone once read, once the child
    failed (killed at its memory cap, a file it refused) or the reading was abandoned."""
    import tempfile

    from validator.reading import start_reading

    folder = tmp_path / "frames"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    assert len(read_batch_isolated(small_batch).records) == 1
    with pytest.raises(ReadFailure) as killed:
        read_batch_isolated(small_batch, limits=Limits(memory_mb=1))
    assert killed.value.finding.code == "file-too-large"
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ReadFailure):
        read_batch_isolated(tmp_path / "empty.csv")
    start_reading(small_batch).cancel()
    assert [p.name for p in folder.iterdir() if p.name.startswith("kyosai-frame-")] == []


def test_an_unexpected_error_in_the_child_is_raised_here(small_batch):
    from validator import sandbox

    with pytest.raises(RuntimeError, match="unexpected"):
        sandbox.run(hostile.raising_reader, os.fspath(small_batch))


def test_calamine_693_aborts_a_child_not_the_caller(tmp_path):
    sheet = (
        WORKSHEET_OPEN + b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    path = raw_xlsx(tmp_path / "corner.xlsx", sheet)
    f = _isolated_failure(path, hostile.calamine_reader)
    assert f.finding.code in ("file-unreadable", "file-too-large")
    ok = raw_xlsx(
        tmp_path / "ok.xlsx",
        WORKSHEET_OPEN
        + b"<sheetData>"
        + inline_row(1, SKY_HEADERS)
        + inline_row(2, sky_row(1)[:1])
        + b"</sheetData></worksheet>",
    )
    assert read_batch_isolated(ok).records  # the caller and the forkserver carry on


def test_tables_and_failures_pickle(tmp_path):
    table = read_batch(make_xlsx(tmp_path / "b.xlsx", [(SKY_SHEET, [SKY_HEADERS, sky_row(1, employees="#N/A")])]))
    assert pickle.loads(pickle.dumps(table)) == table
    assert pickle.loads(pickle.dumps(Record(3, {"a": 1}))) == Record(3, {"a": 1})
    failure_ = ReadFailure(make("file-empty"), table.source)
    back = pickle.loads(pickle.dumps(failure_))
    assert (back.finding, status(back), back.source) == (failure_.finding, 400, table.source)


def test_the_reading_child_answers_while_the_caller_prepares(tmp_path):
    """start_reading returns at once; the table comes whole, its frame of text through Arrow IPC."""
    from validator.reading import start_reading

    rows = [["title"], SKY_HEADERS, sky_row(1, employees="#N/A"), sky_row(2, bank_code=9)]
    path = make_xlsx(tmp_path / "s.xlsx", [(SKY_SHEET, rows)])
    reading = start_reading(path)
    table = reading.table()
    assert table.rows == [3, 4] and [f.code for f in table.findings if f.column == "L"] == ["error-cell"]
    assert table == read_batch(path)


def test_a_cell_too_long_in_a_later_column_fails_the_streamed_read(tmp_path):
    rows = [["title"], SKY_HEADERS, sky_row(1, account_holder_kana="ア" * 40)]
    path = make_xlsx(tmp_path / "long.xlsx", [(SKY_SHEET, rows)])
    limits = Limits(max_cell_chars=30)
    with pytest.raises(ReadFailure) as here:
        read_batch(path, limits=limits)
    with pytest.raises(ReadFailure) as there:
        read_batch_isolated(path, limits=limits)
    assert there.value.finding.code == here.value.finding.code == "file-too-large"
    assert there.value.finding.message_ja == here.value.finding.message_ja


def test_a_single_threaded_command_forks_its_reader(tmp_path, monkeypatch):
    """A caller like kyosai validate forks the reading child directly (no forkserver) while it is
    small, has no other threads (a threaded one keeps the forkserver) and has not loaded polars (whose
    own threads a fork would break); the table is the same. pytest has loaded polars: the first file of
    a fresh command is tried."""
    import subprocess
    import sys

    import polars  # noqa: F401 - loaded, as in the service and in pytest's other tests

    from validator import sandbox

    monkeypatch.setattr(sandbox, "_FORK_MAX_ADDRESS_SPACE", 1 << 62)
    assert not sandbox._may_fork()
    rows = [["title"], SKY_HEADERS, sky_row(1), sky_row(2, bank_code=9)]
    path = make_xlsx(tmp_path / "f.xlsx", [(SKY_SHEET, rows)])
    script = (
        "import sys, threading; from validator import sandbox\n"
        "from validator.reading import read_batch_isolated\n"
        "busy = threading.Event(); other = threading.Thread(target=busy.wait); other.start()\n"
        "threaded = sandbox._may_fork(); busy.set(); other.join()\n"
        "forks = sandbox._may_fork(); table = read_batch_isolated(sys.argv[1])\n"
        "print(threaded, forks, 'polars' in sys.modules, table.rows)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.split() == ["False", "True", "True", "[3,", "4]"]


def test_what_a_columnar_reader_decided(tmp_path):
    """Issue 13's decisions (docs/batch-format.md): (a) a fractional number in a date column is a
    誤記入, a date cell with a time of day is read as its date; (b) TRUE/FALSE and a date cell in a
    text column are read as their text; (c) messages show that text."""
    rows = [
        SKY_HEADERS,
        sky_row(1, application_date=45627.5, birth_date=datetime.datetime(1975, 4, 1, 9, 30)),
        sky_row(2, name=True, address=datetime.date(2024, 12, 2)),
    ]
    table = read_batch(make_xlsx(tmp_path / "d.xlsx", [(SKY_SHEET, rows)]))
    fraction, text = table.records
    assert fraction.values["application_date"] == "45627.5"
    assert (text.values["name"], text.values["address"]) == ("true", "2024-12-02")
    report = check_table(table, datetime.date(2025, 3, 31))
    found = {(f.row, f.column): (f.code, f.value) for f in report.findings}
    assert found[(2, letter_of("申込日"))] == ("invalid-date", "45627.5")
    assert (2, letter_of("生年月日")) not in found and (3, letter_of("氏名")) not in found
