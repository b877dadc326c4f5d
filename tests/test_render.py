"""The report renderers: JSON, HTML, CSV (formula injection) and the annotated workbook."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from wcwidth import wcswidth

from fixtures.batchfiles import SKY_HEADERS
from kyosai import premium
from kyosai.errors import RuleViolation
from validator.findings import CATALOGUE, from_error, make
from validator.render import (
    CSV_COLUMNS,
    FINDINGS_SHEET,
    annotate_rows,
    annotate_workbook,
    defuse_formula,
    render_csv,
    render_csv_bytes,
    render_html,
    render_json,
)
from validator.render.html_report import GRID_MAX_ROWS
from validator.render.wording import CODE_TITLES_JA
from validator.report import Report, Source

SHEET = "小規模企業共済_申込"
INJECTIONS = [
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]
NORMAL = ["A-0001", "山田 太郎", "0012345", "2024/12/1", "70000", "a=b", " =1", "'quoted"]


def sample_report(**source) -> Report:
    """A report as the checker would make it: cell, header and file-level findings."""
    report = Report(
        Source(
            **{
                "filename": "2024-12_大阪支所.xlsx",
                "sha256": "ab" * 32,
                "size": 18_432,
                "kind": "sky-application",
                "sheet": SHEET,
                "format": "xlsx",
                **source,
            }
        ),
        records=5,
    )
    report.extend(
        [
            make("unknown-column", sheet=SHEET, row=3, column="F", header="備考欄"),
            make("missing-value", sheet=SHEET, row=5, column="B", header="氏名"),
            make(
                "invalid-format",
                sheet=SHEET,
                row=5,
                column="B",
                header="氏名",
                value="<script>alert(1)</script>",
                detail_ja="氏名に使えない文字があります。",
                detail_en="Bad characters.",
            ),
            make(
                "not-deductible-this-year",
                sheet=SHEET,
                row=6,
                column="C",
                header="申込方法",
                value="現金なし",
                channel="現金なし",
                first_debit_year=2025,
                year=2024,
            ),
            make(
                "invalid-date",
                sheet=SHEET,
                row=7,
                column="D",
                header="生年月日",
                value="令和99年1月1日",
                detail_ja="生年月日「令和99年1月1日」は日付ではありません。",
                detail_en="Not a date.",
            ),
            make("designated-month-ignored", sheet=SHEET, row=7, column="D", header="生年月日", value="令和99年1月1日"),
            make(
                "duplicate-receipt",
                sheet=SHEET,
                row=8,
                column="A",
                header="受付番号",
                value='=HYPERLINK("http://x")',
                first_row=4,
            ),
            make("missing-column", header="口座番号"),
        ]
    )
    return report


MARKED = {"B5": "error", "C6": "warning", "D7": "error", "A8": "error", "F3": "warning"}


# ------------------------------------------------------------------------------------------ JSON


def test_json_round_trips_with_the_report_keys_in_order():
    report = sample_report()
    text = render_json(report)
    data = json.loads(text)
    assert data == json.loads(json.dumps(report.to_dict()))
    assert list(data) == ["valid", "summary", "truncated", "source", "findings", "banks"]
    assert data["valid"] is False and data["truncated"] is False
    assert data["summary"]["errors"] == 5 and data["summary"]["warnings"] == 3
    assert data["findings"][1]["row"] == 5 and data["findings"][1]["column"] == "B"
    assert "記入漏れ" in text  # Japanese as is, not \\u escapes
    assert render_json(report) == text  # stable


def test_json_of_a_truncated_report_says_so_at_the_end():
    report = Report(Source("x.csv", "0" * 64), limit=2)
    report.extend(make("missing-value", row=r, column="A", header="受付番号") for r in range(2, 6))
    data = json.loads(render_json(report))
    assert data["truncated"] is True
    assert [f["code"] for f in data["findings"]] == ["missing-value", "missing-value", "truncated"]
    assert data["summary"]["by_code"] == {"missing-value": 4}


# ------------------------------------------------------------------------------------------ HTML


class _Cells(HTMLParser):
    """Collects the attributes of every element with an id and the order of the page's sections."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.header_cells: list[dict] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if tag == "th" and attrs.get("class", "").startswith("cell-"):
            self.header_cells.append(attrs)


def parse(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    return parser


def grid_rows(first=3, last=9, letters="ABCDEF"):
    rows = [(r, {c: f"{c}{r}の値" for c in letters}) for r in range(first + 1, last + 1)]
    columns = [
        (c, h) for c, h in zip(letters, ["受付番号", "氏名", "申込方法", "生年月日", "住所", "備考欄"], strict=True)
    ]
    return rows, columns


def test_html_is_a_japanese_page_with_the_summary_before_the_findings_and_the_data():
    rows, columns = grid_rows()
    page = render_html(sample_report(), rows, columns)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="ja">' in page and '<meta charset="utf-8">' in page
    assert page.index('id="summary"') < page.index('id="findings"') < page.index('id="data"')
    summary = page[page.index('id="summary"') : page.index('id="findings"')]
    for text in (
        "2024-12_大阪支所.xlsx",
        "小規模企業共済 契約申込",
        SHEET,
        "要修正",
        "記入漏れ",
        "受付番号の重複",
        "今年の所得控除の対象外",
    ):
        assert text in summary
    for heading in ("行", "列", "見出し", "記入値", "内容", "直し方"):
        assert f"<th>{heading}</th>" in page or f'<th class="num">{heading}</th>' in page
    assert "<script" not in page.replace("&lt;script", "") and "http://" not in page.replace("http://x", "")


def test_html_says_accepted_when_there_are_no_errors():
    report = Report(Source("ok.csv", "0" * 64, encoding="cp932", format="csv"), records=2)
    report.add(make("designated-month-ignored", row=2, column="P", header="指定納付月", value="4"))
    page = render_html(report)
    assert "受付可" in page and "要修正" not in page and "Shift_JIS（CP932）" in page
    assert 'id="data"' not in page  # no rows given: no grid


def test_html_escapes_hostile_values_everywhere():
    hostile = "<script>alert(1)</script>"
    report = sample_report(filename=f"{hostile}.xlsx", sheet=f"{hostile}")
    rows, columns = grid_rows()
    rows[0][1]["B"] = hostile
    columns[0] = ("A", hostile)
    page = render_html(report, rows, columns)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_highlights_exactly_the_cells_with_findings():
    rows, columns = grid_rows()
    cells = parse(render_html(sample_report(), rows, columns))
    for row, values in rows:
        for letter in values:
            attrs = cells.by_id[f"cell-{letter}{row}"]
            expected = MARKED.get(f"{letter}{row}")
            assert attrs.get("class") == (f"cell-{expected}" if expected else None), f"{letter}{row}"
    assert "記入漏れ" in cells.by_id["cell-B5"]["title"] and "使えない文字" in cells.by_id["cell-B5"]["title"]
    assert "2025年から控除" in cells.by_id["cell-C6"]["title"]
    assert "【エラー】" in cells.by_id["cell-D7"]["title"] and "【警告】" in cells.by_id["cell-D7"]["title"]
    # the finding on the header row (F3) colours the header cell of column F
    assert [a["class"] for a in cells.header_cells] == ["cell-warning"]
    assert "使われません" in cells.header_cells[0]["title"]


def test_html_findings_link_to_their_cells_and_mark_errors_and_warnings_differently():
    rows, columns = grid_rows()
    page = render_html(sample_report(), rows, columns)
    assert '<a href="#cell-B5">5</a>' in page
    assert page.count('<tr class="finding-error" data-code') == 5
    assert page.count('<tr class="finding-warning" data-code') == 3
    assert "badge-error" in page and "badge-warning" in page


def test_html_shows_invisible_characters():
    report = Report(Source("x.csv", "0" * 64))
    report.add(
        make(
            "invalid-format",
            row=2,
            column="A",
            header="受付番号",
            value="A-\u200b0001",
            detail_ja="形式が違います。",
            detail_en="Bad format.",
        )
    )
    page = render_html(report)
    assert 'A-<span class="invisible" title="U+200B">⟨ゼロ幅スペース⟩</span>0001' in page


def test_html_of_a_truncated_report_says_so():
    report = Report(Source("x.csv", "0" * 64), limit=3)
    report.extend(make("missing-value", row=r, column="A", header="受付番号") for r in range(2, 12))
    page = render_html(report)
    assert 'id="truncated"' in page and "最初の 3 件" in page and "全部で 10 件" in page


def test_html_grid_of_a_long_sheet_is_capped_around_the_findings():
    rows = [(r, {"A": f"R{r}", "B": "x"}) for r in range(2, 1202)]
    report = Report(Source("big.csv", "0" * 64), records=len(rows))
    report.add(make("missing-value", row=900, column="B", header="氏名"))
    report.add(make("designated-month-ignored", row=1100, column="A", header="指定納付月", value="4"))
    page = render_html(report, rows, [("A", "受付番号"), ("B", "氏名")])
    cells = parse(page)
    shown = sorted({int(i[len("cell-A") :]) for i in cells.by_id if i.startswith("cell-A")})
    assert len(shown) == GRID_MAX_ROWS
    assert 900 in shown and 1100 in shown and 2 not in shown
    assert set(range(900 - 100, 900 + 101)) <= set(shown)  # the neighbours of the findings
    assert cells.by_id["cell-B900"]["class"] == "cell-error"
    assert "データが 1,200 行あるため" in page and "行省略" in page


def _cell_text(page: str, cell: str) -> str:
    """The text of a grid cell (``H5``)."""
    return re.search(f'<td id="cell-{cell}"[^>]*>([^<]*)</td>', page).group(1)


def _value_cell(page: str, code: str) -> str:
    """The 記入値 cell of the (first) finding of ``code`` in the list."""
    row = page[page.index(f'data-code="{code}"') :]
    return row[
        row.index('<td class="value">') + len('<td class="value">') : row.index("</td>", row.index('class="value"'))
    ]


def test_html_shows_amounts_as_the_messages_do():
    # the rules core's own message for a prepayment of 1150000 written into a number cell
    with pytest.raises(RuleViolation) as raised:
        premium.validate_lump_sum(100000, 12, 1150000)
    report = Report(Source("前納.xlsx", "0" * 64, kind="prepayment"), records=2)
    report.add(from_error(raised.value, code="prepayment-amount", value=1150000, row=5, column="H", header="前納額"))
    report.add(make("missing-value", row=6, column="H", header="前納額"))
    report.add(
        make(
            "invalid-number",
            row=7,
            column="H",
            header="前納額",
            value="115万5千円",
            detail_ja="読めません。",
            detail_en="Unreadable.",
        )
    )
    report.add(
        make(
            "out-of-range",
            row=5,
            column="G",
            header="前納月数",
            value=13000,
            detail_ja="前納月数が多すぎます。",
            detail_en="Too many months.",
        )
    )
    rows = [(5, {"G": "12", "H": "1150000"}), (6, {"G": "12", "H": ""}), (7, {"G": "12", "H": "115万5千円"})]
    page = render_html(report, rows, [("G", "前納月数"), ("H", "前納額")])
    assert "一括納付額1,150,000円は" in report.findings[0].message_ja
    assert _value_cell(page, "prepayment-amount") == "1,150,000円"  # as the message says it
    assert _value_cell(page, "invalid-number") == "115万5千円"  # text stays as written
    assert _value_cell(page, "out-of-range") == "13000"  # a count is not yen
    assert _cell_text(page, "H5") == "1,150,000円" and _cell_text(page, "G5") == "12"
    assert _cell_text(page, "H7") == "115万5千円" and _cell_text(page, "H6") == ""
    assert json.loads(render_json(report))["findings"][0]["value"] == "1150000"  # the data stays the data


def _cols(page: str) -> list[str | None]:
    """The classes of the grid's <col> elements after the row numbers' (None: no class)."""
    group = page[page.index("<colgroup>") + len("<colgroup>") : page.index("</colgroup>")]
    cols = group.split("<col")[2:]
    return [c[c.index('"') + 1 : c.rindex('"')] if "class=" in c else None for c in cols]


def test_html_grid_folds_the_columns_without_findings_but_keeps_the_rows_keys():
    letters = "ABCDEFGHIJKLMN"
    headers = SKY_HEADERS[: len(letters)]
    rows = [(r, {c: f"{c}{r}" for c in letters}) for r in range(4, 9)]
    report = Report(Source("x.xlsx", "0" * 64, kind="sky-application"), records=5)
    report.add(
        make(
            "invalid-premium",
            row=6,
            column="N",
            header="掛金月額",
            value="10250",
            detail_ja="掛金月額の誤り",
            detail_en="Bad premium.",
        )
    )
    report.add(make("proprietor-not-found", row=7, column="M", header="事業主受付番号", value="A-0099"))
    report.add(make("designated-month-ignored", row=5, column="C", header="申込方法", value="x"))
    page = render_html(report, rows, list(zip(letters, headers, strict=True)))
    # shown: A (受付番号), C, E (氏名), M, N; a double line where columns are folded away
    assert _cols(page) == [None, "folded", "after-fold", "folded", "after-fold"] + ["folded"] * 7 + ["after-fold", None]
    assert '<input type="checkbox" id="grid-all"' in page and "ほか 9 列は省略" in page
    assert "#grid-all:checked ~ .grid-wrap col.folded { visibility: visible; }" in page
    cells = parse(page)
    assert cells.by_id["cell-N6"]["class"] == "cell-error" and _cell_text(page, "B6") == "B6"  # folded, not dropped

    # without findings in the grid there is nothing to look for: every column shows
    clean = render_html(
        Report(Source("x.xlsx", "0" * 64, kind="sky-application"), records=5),
        rows,
        list(zip(letters, headers, strict=True)),
    )
    assert set(_cols(clean)) == {None} and 'id="grid-all"' not in clean
    # a kind the report does not know: the first column stays as the row's key
    unknown = Report(Source("x.csv", "0" * 64), records=5)
    unknown.add(make("missing-value", row=5, column="D", header="何か"))
    assert (
        _cols(render_html(unknown, rows, list(zip(letters, headers, strict=True))))
        == [None, "folded", "folded", "after-fold"] + ["folded"] * 10
    )


# ------------------------------------------------------------------------------------------ CSV


def csv_lines(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_one_line_per_finding_with_plain_column_names():
    report = sample_report()
    text = render_csv(report)
    assert text.splitlines()[0] == ",".join(f'"{c}"' for c in CSV_COLUMNS)
    lines = csv_lines(text)
    assert len(lines) == len(report.findings)
    assert lines[1] == {
        "code": "missing-value",
        "severity": "error",
        "sheet": SHEET,
        "row": "5",
        "column": "B",
        "header": "氏名",
        "value": "",
        "message_ja": "「氏名」が未記入です（記入漏れ）。",
        "message_en": "'氏名' is empty.",
        "hint_ja": "必須項目です。記入してください。",
    }
    assert lines[-1]["row"] == "" and lines[-1]["code"] == "missing-column"


@pytest.mark.parametrize("value", INJECTIONS)
def test_csv_defuses_every_formula_prefix(value):
    report = Report(Source(value + ".csv", "0" * 64))
    report.add(make("unknown-column", sheet=value, row=1, column="Z", header=value))
    report.add(make("duplicate-receipt", sheet=SHEET, row=9, column="A", header="受付番号", value=value, first_row=4))
    lines = csv_lines(render_csv(report))
    assert lines[0]["header"] == lines[0]["sheet"] == "'" + value
    assert lines[1]["value"] == "'" + value
    assert all(
        not field.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"))
        for line in lines
        for field in line.values()
    )


@pytest.mark.parametrize("value", NORMAL)
def test_csv_leaves_normal_values_alone(value):
    report = Report(Source("x.csv", "0" * 64))
    report.add(make("duplicate-receipt", row=9, column="A", header="受付番号", value=value, first_row=4))
    assert csv_lines(render_csv(report))[0]["value"] == value
    assert defuse_formula(value) == value


def test_csv_bytes_have_a_bom_for_excel_and_a_truncated_line():
    report = Report(Source("x.csv", "0" * 64), limit=1)
    report.extend(make("missing-value", row=r, column="A", header="受付番号") for r in (2, 3))
    data = render_csv_bytes(report)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = csv_lines(data.decode("utf-8-sig"))
    assert [line["code"] for line in lines] == ["missing-value", "truncated"]


def test_every_catalogue_code_has_a_japanese_title():
    assert set(CODE_TITLES_JA) == set(CATALOGUE)


# ------------------------------------------------------------------------------------------ workbook

ORIGINAL_FILL = PatternFill("solid", fgColor="DDEBF7")


def make_original(path, with_macros=False):
    """A clerk's workbook: a title, the header on row 3, data rows 4–8, a formula, a comment, a 2nd sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet["A1"] = "小規模企業共済 契約申込（大阪支所）"
    for column, header in enumerate(["受付番号", "氏名", "申込方法", "生年月日", "掛金月額", "備考欄"], start=1):
        sheet.cell(3, column, header).fill = ORIGINAL_FILL
    for row in range(4, 9):
        sheet.cell(row, 1, f"A-{row:04d}")
        sheet.cell(row, 2, None if row == 5 else f"山田 {row}郎")
        sheet.cell(row, 3, "現金なし")
        sheet.cell(row, 4, "令和99年1月1日" if row == 7 else "1980/4/1")
        sheet.cell(row, 5, 10000).number_format = "#,##0"
    sheet["A8"] = '=HYPERLINK("http://x")'  # a clerk's formula: kept as a formula, never evaluated
    sheet["E9"] = "=SUM(E4:E8)"
    sheet["C6"].comment = Comment("窓口で確認済み", "田中")
    workbook.create_sheet("メモ")["A1"] = "提出前に確認"
    workbook.save(path)
    if with_macros:
        add_vba_project(path)
    return path


VBA_BYTES = bytes(range(256)) * 16


def add_vba_project(path):
    """Turn a saved .xlsx into an .xlsm with a vbaProject.bin member, as Excel writes it."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["[Content_Types].xml"] = (
        members["[Content_Types].xml"]
        .replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/vba/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
        )
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
        b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
    )
    members["xl/vba/vbaProject.bin"] = VBA_BYTES
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def our_fill(cell) -> str | None:
    rgb = str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else None
    return {"FFC7CE": "error", "FFEB9C": "warning"}.get(rgb)


def fill_of(cell) -> tuple:
    return cell.fill.fill_type, str(cell.fill.fgColor.rgb)


def findings_list(sheet) -> list[tuple]:
    """The rows of the findings sheet's list (below its "No." header)."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "No.")
    return rows[start + 1 :]


def test_annotated_workbook_marks_exactly_the_findings_cells(tmp_path):
    original = make_original(tmp_path / "batch.xlsx")
    out = tmp_path / "batch_検査結果.xlsx"
    annotate_workbook(sample_report(), original, out)
    marked = load_workbook(out)[SHEET]
    before = load_workbook(original)[SHEET]
    for row in before.iter_rows(min_row=1, max_row=9, max_col=6):
        for cell in row:
            expected = MARKED.get(cell.coordinate)
            assert our_fill(marked[cell.coordinate]) == expected, cell.coordinate
            if expected is None:
                assert fill_of(marked[cell.coordinate]) == fill_of(cell)
    commented = {c.coordinate for row in marked.iter_rows() for c in row if c.comment}
    assert commented == set(MARKED)
    b5 = marked["B5"].comment.text
    assert "【エラー】「氏名」が未記入です" in b5 and "使えない文字" in b5 and "→ 必須項目です" in b5
    c6 = marked["C6"].comment.text  # the clerk's comment is kept below ours
    assert c6.startswith("【警告】") and c6.endswith("―― 元のコメント ――\n窓口で確認済み")


def test_annotated_workbook_leaves_the_clerks_data_untouched(tmp_path):
    original = make_original(tmp_path / "batch.xlsx")
    out = tmp_path / "out.xlsx"
    annotate_workbook(sample_report(), original, out)
    before, after = load_workbook(original), load_workbook(out)
    assert after.sheetnames == before.sheetnames + [FINDINGS_SHEET]
    for name in before.sheetnames:
        for row in before[name].iter_rows():
            for cell in row:
                assert after[name][cell.coordinate].value == cell.value
                assert after[name][cell.coordinate].number_format == cell.number_format
    assert after[SHEET]["E9"].value == "=SUM(E4:E8)" and after[SHEET]["E9"].data_type == "f"


def test_findings_sheet_lists_every_finding_with_links_and_no_formulas(tmp_path):
    original = make_original(tmp_path / "batch.xlsx")
    out = tmp_path / "out.xlsx"
    report = sample_report(filename='=HYPERLINK("http://x").xlsx')
    annotate_workbook(report, original, out)
    workbook = load_workbook(out)
    sheet = workbook[FINDINGS_SHEET]
    assert workbook.active.title == FINDINGS_SHEET
    assert [s.sheet_view.tabSelected for s in workbook.worksheets] == [False, False, True]
    lines = findings_list(sheet)
    assert len(lines) == len(report.findings)
    assert [(line[4], line[5], line[10]) for line in lines] == [f.as_tuple() for f in report.findings]
    assert lines[-1][3] is None and lines[-1][10] == "missing-column"  # no cell: listed only here
    links = {c.value: c.hyperlink.location for row in sheet.iter_rows() for c in row if c.hyperlink}
    assert links == {coordinate: f"'{SHEET}'!{coordinate}" for coordinate in MARKED}
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert """'=HYPERLINK("http://x")""" in texts and """'=HYPERLINK("http://x").xlsx""" in texts
    summary = {row[0]: row[2] for row in sheet.iter_rows(max_row=12, values_only=True) if row[0]}
    assert summary["判定"] == "要修正" and summary["エラー"] == 5 and summary["警告"] == 3
    assert summary["申込の種類"] == "小規模企業共済 契約申込"


def widest_line(value) -> int:
    return max(wcswidth(line) for line in str(value).splitlines())


def test_findings_sheet_is_sized_to_its_content(tmp_path):
    original = make_original(tmp_path / "batch.xlsx")
    out = tmp_path / "out.xlsx"
    report = sample_report()
    report.extend(
        [
            make(
                "invalid-format",
                sheet=SHEET,
                row=9,
                column="B",
                header="氏名",
                value="長" * 300,
                detail_ja="氏名に使えない文字があります。" * 12,
                detail_en="Bad characters.",
            )
        ]
    )
    annotate_workbook(report, original, out)
    sheet = load_workbook(out)[FINDINGS_SHEET]
    width = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"}
    rows = list(sheet.iter_rows())
    listed = rows[next(i for i, r in enumerate(rows) if r[0].value == "No.") :]
    counted = rows[next(i for i, r in enumerate(rows) if r[3].value == "コード") :][: len(report.counts) + 1]
    # no code is cut (designated-month-ignored is 24 columns), in the list (K) or in the counts (D)
    assert width["K"] > max(widest_line(line[10].value) for line in listed)
    assert width["D"] > max(widest_line(line[3].value) for line in counted)
    # each column fits the longest value of the two tables (a kanji counts two) unless it is capped,
    # and then the text wraps
    for index, letter in enumerate("ABCDEFGHIJK"):
        values = [line[index] for line in counted[1:] + listed[1:] if line[index].value is not None]
        longest = max(
            widest_line(cell.value) for cell in values + [listed[0][index], counted[0][index]] if cell.value is not None
        )
        assert width[letter] <= longest + 2 and width[letter] <= 60, letter
        if width[letter] < longest:
            assert all(cell.alignment.wrap_text for cell in values), letter
    assert width["I"] == 60 and width["H"] == 30  # the long message and value: capped, wrapped
    assert width["G"] == widest_line("生年月日") + 2 and width["F"] < 8  # 見出し and 列 follow their values


def test_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path):
    original = make_original(tmp_path / "batch.xlsm", with_macros=True)
    out = tmp_path / "out.xlsm"
    annotate_workbook(sample_report(format="xlsm"), original, out)
    with zipfile.ZipFile(out) as annotated:
        assert annotated.read("xl/vba/vbaProject.bin") == VBA_BYTES
        assert b"macroEnabled" in annotated.read("[Content_Types].xml")
        assert b"vbaProject" in annotated.read("xl/_rels/workbook.xml.rels")
    assert our_fill(load_workbook(out, keep_vba=True)[SHEET]["B5"]) == "error"
    with pytest.raises(ValueError, match="拡張子"):
        annotate_workbook(sample_report(), original, tmp_path / "out.xlsx")


def test_annotating_an_annotated_file_again_replaces_the_old_marks(tmp_path):
    original = make_original(tmp_path / "batch.xlsx")
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    annotate_workbook(sample_report(), original, first)
    fixed = Report(Source("first.xlsx", "cd" * 32, kind="sky-application", sheet=SHEET), records=5)
    fixed.add(make("missing-value", sheet=SHEET, row=4, column="E", header="掛金月額"))
    annotate_workbook(fixed, first, second)
    workbook = load_workbook(second)
    assert workbook.sheetnames == [SHEET, "メモ", FINDINGS_SHEET]
    sheet = workbook[SHEET]
    assert {c.coordinate for row in sheet.iter_rows() for c in row if our_fill(c)} == {"E4"}
    assert {c.coordinate for row in sheet.iter_rows() for c in row if c.comment} == {"E4", "C6"}
    assert sheet["C6"].comment.text == "窓口で確認済み"
    assert len(findings_list(workbook[FINDINGS_SHEET])) == 1
    third = tmp_path / "third.xlsx"  # and once more: the clerk's comment stays
    annotate_workbook(fixed, second, third)
    assert load_workbook(third)[SHEET]["C6"].comment.text == "窓口で確認済み"


def test_an_unreadable_file_gets_only_the_findings_sheet(tmp_path):
    report = Report(Source("locked.xlsx", "0" * 64))
    report.add(make("file-encrypted"))
    out = tmp_path / "out.xlsx"
    annotate_workbook(report, tmp_path / "never-opened.xlsx", out)
    workbook = load_workbook(out)
    assert workbook.sheetnames == [FINDINGS_SHEET]
    assert findings_list(workbook[FINDINGS_SHEET])[0][10] == "file-encrypted"


def test_nothing_half_written_is_left_when_saving_fails(tmp_path, monkeypatch):
    original = make_original(tmp_path / "batch.xlsx")
    out = tmp_path / "out" / "batch.xlsx"
    out.parent.mkdir()

    def broken_save(self, filename):
        open(filename, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError):
        annotate_workbook(sample_report(), original, out)
    assert list(out.parent.iterdir()) == []


def test_annotated_csv_keeps_the_rows_exactly_as_read(tmp_path):
    rows = [
        (1, ["受付番号", "氏名", "申込方法", "生年月日"]),
        (2, ["A-0001", "山田 太郎", "現金あり", "1980/4/1"]),
        (4, ['=HYPERLINK("http://x")', "", "現金なし", "0012"]),
    ]  # line 3 was blank
    report = Report(Source("batch.csv", "0" * 64, kind="sky-application", encoding="cp932", format="csv"), records=2)
    report.add(make("duplicate-receipt", row=4, column="A", header="受付番号", value=rows[2][1][0], first_row=2))
    report.add(make("missing-value", row=4, column="B", header="氏名"))
    report.add(make("designated-month-ignored", row=2, column="C", header="申込方法", value="現金あり"))
    out = tmp_path / "batch.xlsx"
    annotate_rows(report, rows, out)
    workbook = load_workbook(out)
    sheet = workbook["batch"]
    assert [[c.value for c in row] for row in sheet.iter_rows(max_row=4)] == [
        ["受付番号", "氏名", "申込方法", "生年月日"],
        ["A-0001", "山田 太郎", "現金あり", "1980/4/1"],
        [None, None, None, None],
        ['=HYPERLINK("http://x")', None, "現金なし", "0012"],
    ]
    assert sheet["A4"].data_type == "s" and sheet["A4"].quotePrefix and sheet["D4"].data_type == "s"
    assert {c.coordinate: our_fill(c) for row in sheet.iter_rows() for c in row if our_fill(c)} == {
        "A4": "error",
        "B4": "error",
        "C2": "warning",
    }
    assert {c.coordinate for row in sheet.iter_rows() for c in row if c.comment} == {"A4", "B4", "C2"}
    links = {c.hyperlink.location for row in workbook[FINDINGS_SHEET].iter_rows() for c in row if c.hyperlink}
    assert links == {"'batch'!A4", "'batch'!B4", "'batch'!C2"}
    with pytest.raises(ValueError, match="annotate_rows"):
        annotate_workbook(report, tmp_path / "batch.csv", tmp_path / "x.xlsx")


def test_control_characters_that_xlsx_cannot_hold_do_not_break_the_workbook(tmp_path):
    report = Report(Source("bad\x01name.csv", "0" * 64, format="csv"))
    report.add(
        make(
            "invalid-format",
            row=2,
            column="A",
            header="受付\x02番号",
            value="\x00=1+1",
            detail_ja="形式が違います（\x03）。",
            detail_en="Bad.",
        )
    )
    out = tmp_path / "bad.xlsx"
    annotate_rows(report, [(1, ["受付\x02番号"]), (2, ["\x00=1+1"])], out)
    workbook = load_workbook(out)
    data = workbook[workbook.sheetnames[0]]
    assert data["A1"].value == "受付\ufffd番号" and data["A2"].value == "\ufffd=1+1"
    assert "\ufffd" in data["A2"].comment.text
    assert "'\ufffd=1+1" in [line[7] for line in findings_list(workbook[FINDINGS_SHEET])]


def test_annotated_csv_accepts_rows_by_column_letter(tmp_path):
    report = Report(Source("batch.csv", "0" * 64, format="csv"))
    report.add(make("missing-value", row=2, column="C", header="氏名"))
    out = tmp_path / "batch.xlsx"
    annotate_rows(report, [(1, {"A": "受付番号", "C": "氏名"}), (2, {"A": "A-0001", "C": ""})], out)
    sheet = load_workbook(out)["batch"]
    assert sheet["C1"].value == "氏名" and sheet["B1"].value is None
    assert our_fill(sheet["C2"]) == "error"


# ------------------------------------------------------------------------------------ a strict catalogue


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_finding_type_builds_from_its_declared_fields_and_no_other(code):
    kind = CATALOGUE[code]
    params = {name: f"<{name}>" for name in kind.fields}
    finding = make(code, sheet="S", row=4, column="B", header="申込日", value="x", **params)
    for text in (finding.message_ja, finding.message_en):
        assert "{" not in text and "?" not in text.replace("?）", "")
        assert all(f"<{name}>" in finding.message_ja + finding.message_en for name in kind.fields)
    for name in kind.fields:  # a missing field is a bug, not a "?" in a clerk's report
        with pytest.raises(TypeError, match="needs the field"):
            make(code, **{k: v for k, v in params.items() if k != name})
    with pytest.raises(TypeError, match="has no field"):
        make(code, **params, surplus=1)


def test_every_error_of_the_rules_core_names_a_finding_of_the_catalogue():
    from kyosai import errors

    classes = [getattr(errors, name) for name in errors.__all__]
    assert {cls.code for cls in classes} <= set(CATALOGUE)
    assert errors.WrongWeekday.code == "wrong-weekday" and errors.NotEligible.code == "not-eligible"
