#!/usr/bin/env python
"""Generate the Excel workbooks in ``workbooks/``: ``python scripts/build_workbooks.py``.

- ``kyosai_calculator.xlsm`` and ``.xlsx``: one calculator sheet per counter question (first debit,
  deduction this year vs next year, deadlines for 12 months, 前納減額金, failed debits,
  eligibility, SAFETY headroom / loan / refund, tax saving) and the array form, all with the
  add-in's functions (``addin/udfs.py``) on the worked examples of RULES.md. Each example shows
  the value RULES.md gives next to the formula and an OK / 要確認 check, so a first run on
  Windows shows at a glance that the add-in works. The ``xlwings.conf`` sheet points xlwings at
  ``addin.udfs``. The ``.xlsm`` is the one to use: xlwings' "Import Functions" writes VBA
  wrappers into the workbook, which only a macro-enabled workbook keeps (docs/excel.md).
- ``sky-application.xlsx``, ``safety-application.xlsx``, ``prepayment.xlsx``: one template per
  batch kind, generated from ``schemas/batches.py`` (never retyped): title, instruction and
  header rows, data validation (dropdowns, amount ranges and steps, dates, 1–12, code lengths),
  input messages from the columns' hints, code columns formatted as text, and a 記入例 sheet of
  valid sample rows.

The output is deterministic (fixed document properties and zip timestamps), so that
``tests/test_workbooks.py`` can check that the committed files are what this script produces;
``--check`` does the same from the command line (exit status 1 when out of date).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.worksheet.datavalidation import DataValidation  # noqa: E402
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402
from openpyxl.worksheet.worksheet import Worksheet  # noqa: E402

from kyosai import codes, premium  # noqa: E402
from kyosai.japanese import parse_amount, parse_count, parse_date  # noqa: E402
from kyosai.month import Month  # noqa: E402
from kyosai.labels import (CancellationKind, Channel, Label, MemberType, Pattern, SafetyIndustry,  # noqa: E402
                           Scheme, SkyIndustry, TaxArrears)
from schemas.batches import KINDS, BatchKind, Column, Value  # noqa: E402

__all__ = ["OUT_DIR", "build", "check", "fingerprint", "CALCULATOR", "TEMPLATE_FILES", "SAMPLE_ROWS",
           "UDF_MODULES"]

OUT_DIR = ROOT / "workbooks"
CALCULATOR = "kyosai_calculator"
TEMPLATE_FILES = {name: f"{name}.xlsx" for name in KINDS}
UDF_MODULES = "addin.udfs"

# Fixed document properties: the files must not change when nothing in them did.
FIXED_TIME = datetime.datetime(2024, 12, 2, 9, 0, 0)
CREATOR = "kyosai scripts/build_workbooks.py"
ZIP_TIME = (2024, 12, 2, 9, 0, 0)

D = datetime.date

# ==================================================================================== styles

THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FILL = {
    "input": PatternFill("solid", fgColor="FFF2CC"),     # yellow: type here
    "output": PatternFill("solid", fgColor="DDEBF7"),    # blue: the add-in's result
    "expected": PatternFill("solid", fgColor="EDEDED"),  # grey: the value RULES.md gives
    "header": PatternFill("solid", fgColor="D9E1F2"),
    "required": PatternFill("solid", fgColor="FFD966"),  # template: required column
    "optional": PatternFill("solid", fgColor="E7E6E6"),  # template: optional column
}
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")

DATE_FORMAT = "yyyy/mm/dd"
MONTH_FORMAT = 'yyyy"年"m"月"'
YEN_FORMAT = "#,##0"
TEXT_FORMAT = "@"


def q(text: str) -> str:
    """A text literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


def call(function: str, *args: Any) -> str:
    """``FUNCTION(arg, …)`` with texts quoted and numbers as written; trailing None args dropped."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    shown = []
    for arg in args:
        if arg is None:
            shown.append("")
        elif isinstance(arg, Label):
            shown.append(q(arg.value))
        elif isinstance(arg, Formula):
            shown.append(arg.text)
        elif isinstance(arg, str):
            shown.append(q(arg))
        else:
            shown.append(str(arg))
    return f"{function}({','.join(shown)})"


@dataclass(frozen=True)
class Formula:
    """A piece of formula (a reference, an expression) to pass to :func:`call` unquoted."""

    text: str


def ref(coordinate: str) -> Formula:
    return Formula(coordinate)


def put(ws: Worksheet, coordinate: str, value: Any, role: str | None = None, fmt: str | None = None):
    """Write a cell: ``role`` input / output / expected / header / judge picks the look."""
    cell = ws[coordinate]
    cell.value = value
    if role in ("input", "output", "expected"):
        cell.fill = FILL[role]
        cell.border = BOX
    elif role == "header":
        cell.fill = FILL["header"]
        cell.font = BOLD
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    elif role == "judge":
        cell.font = BOLD
        cell.border = BOX
    elif role == "note":
        cell.font = NOTE_FONT
    if fmt is None and isinstance(value, (datetime.date, datetime.datetime)):
        fmt = DATE_FORMAT
    if fmt:
        cell.number_format = fmt
    return cell


def formula(text: str) -> str:
    return "=" + text


def judge(pairs: Iterable[tuple[str, str]]) -> str:
    """``OK`` when every result cell equals its expected cell, else ``要確認``."""
    tests = [f"{result}={expected}" for result, expected in pairs]
    test = tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"
    return formula(f'IF({test},"OK","要確認")')


def dropdown(ws: Worksheet, label: type[Label], cells: str, *, allow_blank: bool = False) -> None:
    """A list validation with the label's Japanese choices (the functions read English too)."""
    choices = ",".join(m.value for m in label)
    dv = DataValidation(type="list", formula1=q(choices), allow_blank=allow_blank,
                        showErrorMessage=True, errorTitle=label.title_ja,
                        error=f"{label.title_ja}は一覧から選んでください。")
    dv.add(cells)
    ws.add_data_validation(dv)


def widths(ws: Worksheet, **by_letter: float) -> None:
    for letter, width in by_letter.items():
        ws.column_dimensions[letter].width = width


def sheet_title(ws: Worksheet, title: str, *notes: str) -> None:
    put(ws, "A1", title).font = TITLE_FONT
    for i, note in enumerate(notes):
        put(ws, f"A{2 + i}", note, "note")


# ==================================================================================== calculator
# The worked examples of RULES.md, with the values RULES.md gives. tests/test_workbooks.py calls
# the add-in on the same inputs, so a wrong example (or a wrong function) fails in CI, and the
# 判定 column shows the same check to whoever opens the workbook in Excel.

SKY, SAFETY = Scheme.SKY, Scheme.SAFETY
CASH, NO_CASH, ONLINE = Channel.CASH, Channel.NO_CASH, Channel.ONLINE
MONTHLY, SEMI_ANNUAL, ANNUAL = Pattern.MONTHLY, Pattern.SEMI_ANNUAL, Pattern.ANNUAL


@dataclass(frozen=True)
class FirstDebitExample:
    note: str
    scheme: Scheme
    application_date: datetime.date
    monthly_amount: int
    channel: Channel
    pattern: Pattern
    prepaid_months: int
    expected_date: datetime.date
    expected_amount: int


FIRST_DEBIT_EXAMPLES = (
    FirstDebitExample("12月申込・年払・現金なし（§1.4 [SEED]）", SKY, D(2024, 12, 2), 70000, NO_CASH, ANNUAL, 0,
                      D(2025, 2, 18), 840_000),
    FirstDebitExample("12月申込・年払・現金あり（§1.4: 窓口で12か月分、次は12月の振替）", SKY, D(2024, 12, 2), 70000,
                      CASH, ANNUAL, 0, D(2025, 12, 18), 840_000),
    FirstDebitExample("10月申込・月払・前納9か月（§1.4 公式Q&A）", SKY, D(2024, 10, 1), 10000, NO_CASH, MONTHLY, 9,
                      D(2024, 12, 18), 120_000),
    FirstDebitExample("セーフティ・前納12か月（§2.3 [SEED]）", SAFETY, D(2024, 12, 2), 100000, NO_CASH, MONTHLY, 12,
                      D(2025, 2, 27), 1_400_000),
    FirstDebitExample("セーフティ・前納なし（§2.3: 3か月分）", SAFETY, D(2024, 12, 2), 100000, NO_CASH, MONTHLY, 0,
                      D(2025, 2, 27), 300_000),
)


@dataclass(frozen=True)
class DeductionExample:
    """§1.4, §1.6: a December application at 70,000 a month, annual, by channel."""

    year: int = 2024
    application_date: datetime.date = D(2024, 12, 2)
    monthly_amount: int = 70000
    pattern: Pattern = ANNUAL
    # channel: (deductible this year, next year, certificate this year)
    expected: tuple[tuple[Channel, int, int, str], ...] = (
        (CASH, 840_000, 840_000, "翌年2月"),
        (NO_CASH, 0, 1_680_000, "発行なし"),
        (ONLINE, 0, 1_680_000, "発行なし"),
    )


DEDUCTION_EXAMPLE = DeductionExample()

DEADLINES_START = D(2024, 12, 1)
# (month, SKY debit, SKY deadline, SAFETY debit, SAFETY deadline); None where RULES.md is silent
DEADLINE_EXAMPLES = (
    (D(2024, 12, 1), D(2024, 12, 18), D(2024, 11, 20), D(2024, 12, 27), D(2024, 12, 5)),  # §1.3, §2.3 [SEED]
    (D(2025, 1, 1), None, None, None, D(2025, 1, 6)),                                    # §2.3 [SEED]
)

DISCOUNT_EXAMPLES = ((70000, 12, 4158, "10月に10月〜翌9月分（§1.5 [OFF]）"), (70000, 1, 0, "当月分だけ（前納なし）"))

# (failed month, scheme, monthly, expected amounts per month after the failure)
FAILED_DEBIT_EXAMPLES = (
    (D(2024, 12, 1), SKY, 70000, (0, 140_000, 70_000, 140_000)),   # §1.7 [SEED]
    (D(2024, 12, 1), SAFETY, 100000, (0, 300_000)),                # §2.4 [SEED]
)
FAILED_DEBIT_ROWS = 5  # header + the longest plan (SKY: 4 months)
FAILED_DEBIT_COLUMNS = 4

# (industry, employees, member type, expected, note)
SKY_ELIGIBILITY_EXAMPLES = (
    (SkyIndustry.RETAIL, 5, MemberType.PROPRIETOR, True, "商業は5人以下（§1.2）"),
    (SkyIndustry.WHOLESALE, 6, MemberType.PROPRIETOR, False, "卸売業で6人"),
    (SkyIndustry.LODGING, 20, MemberType.PROPRIETOR, True, "宿泊業は20人以下（2014年4月から）"),
    (SkyIndustry.MANUFACTURING, 20, MemberType.OFFICER, True, "製造業は20人以下"),
    (SkyIndustry.MANUFACTURING, 21, MemberType.OFFICER, False, "製造業で21人"),
)
# (industry, capital or None, employees, business start, as of, tax arrears, expected, note)
SAFETY_ELIGIBILITY_EXAMPLES = (
    (SafetyIndustry.MANUFACTURING, 500_000_000, 120, D(2015, 4, 1), D(2024, 12, 2), TaxArrears.NONE, True,
     "資本金は超えるが従業員300人以下（どちらか）"),
    (SafetyIndustry.RETAIL, None, 51, D(2015, 4, 1), D(2024, 12, 2), TaxArrears.NONE, False,
     "個人事業主は従業員数だけ: 小売業50人以下"),
    (SafetyIndustry.HOTELS, 60_000_000, 200, D(2015, 4, 1), D(2024, 12, 2), TaxArrears.NONE, True,
     "旅館業は従業員200人以下"),
    (SafetyIndustry.SERVICES, 10_000_000, 5, D(2024, 6, 1), D(2024, 12, 2), TaxArrears.NONE, False,
     "事業継続1年未満"),
    (SafetyIndustry.MANUFACTURING, 10_000_000, 25, D(2015, 4, 1), D(2024, 12, 2), TaxArrears.SOME, False,
     "税の滞納あり"),
)

HEADROOM_EXAMPLES = ((0, 8_000_000, "§2.1 積立限度額"), (7_900_000, 100_000, ""))
LOAN_EXAMPLES = ((3_000_000, 25_000_000, 0, 25_000_000, "§2.5 掛金総額の10倍と回収困難額の少ない方"),
                 (3_000_000, 50_000_000, 60_000_000, 20_000_000, "貸付残高と合わせて8,000万円まで"))
REFUND_EXAMPLES = ((1_200_000, 12, CancellationKind.VOLUNTARY, 0, 960_000, "§2.6 12〜23か月 80%"),
                   (4_000_000, 40, CancellationKind.BY_SMRJ, 0, 3_800_000, "機構解約 40か月以上 95%"),
                   (2_000_000, 24, CancellationKind.VOLUNTARY, 5_000_000, 1_275_000,
                    "貸付500万円: (200万−50万)×85%"))
TAX_EXAMPLE = (7_200_000, 50_000, 190_200)  # §1.9 [OFF]
TAX_TABLE_AMOUNTS = (10_000, 30_000, 50_000, 70_000)

# The array form: five customers, one formula per column; the fourth row is wrong on purpose.
ARRAY_YEAR = 2024
ARRAY_CUSTOMERS = (
    (D(2024, 12, 2), 70000, NO_CASH, ANNUAL),
    (D(2024, 12, 2), 70000, CASH, ANNUAL),
    (D(2024, 10, 1), 10000, NO_CASH, MONTHLY),
    (D(2024, 12, 5), 70500, NO_CASH, MONTHLY),
    (D(2024, 11, 15), 30000, ONLINE, SEMI_ANNUAL),
)


def _usage_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "小規模企業共済・経営セーフティ共済 計算シート（kyosai アドイン）")
    lines = [
        "黄色のセルに入力すると、青色のセルに kyosai アドインの関数で結果が出ます。",
        "灰色のセルは RULES.md の計算例の値です。判定が「OK」ならアドインは正しく動いています。",
        "初めて開いたとき: xlwings タブ →「Import Functions」を押し、Ctrl+Alt+F9 で再計算します"
        "（インストール手順は docs/excel.md）。",
        "結果が「#」で始まる文字のときは入力の誤りです（例: #申込日: …は日付として読めません）。",
        "",
        "シート一覧:",
        "  初回振替 … 初回の口座振替日と金額（FIRST_DEBIT, FIRST_DEBIT_AMOUNT）",
        "  掛金控除 … 今年と翌年の控除額、控除証明書の発送時期（KYOSAI_DEDUCTIBLE, CERTIFICATE_DISPATCH）",
        "  期限一覧 … 12か月分の振替日と前納申出の到着期限（DEBIT_DATE, PREPAY_DEADLINE）",
        "  前納減額金 … 前納したときの前納減額金（PREPAY_DISCOUNT）",
        "  振替不能 … 振替不能の後に請求される月と金額（FAILED_DEBIT_PLAN）",
        "  加入資格 … 小規模企業共済・経営セーフティ共済に加入できるか（SKY_ELIGIBLE, SAFETY_ELIGIBLE）",
        "  セーフティ … 積立限度額までの残り・貸付限度額・解約手当金（SAFETY_HEADROOM, SAFETY_LOAN_LIMIT, SAFETY_REFUND）",
        "  節税額 … 掛金による年間の節税額（KYOSAI_TAX_SAVING）",
        "  一括計算 … 範囲を渡して多数の顧客を1つの式で計算する例",
        "  xlwings.conf … xlwings の設定（UDF Modules = addin.udfs）。変更しないでください。",
        "",
        "English: yellow = input, blue = the add-in's result, grey = the value from RULES.md; "
        "判定 OK means the add-in works. First time: xlwings tab → Import Functions, then Ctrl+Alt+F9.",
    ]
    for i, line in enumerate(lines, start=3):
        put(ws, f"A{i}", line)
    widths(ws, A=110)


def _first_debit_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "初回振替日と初回振替額", "FIRST_DEBIT(申込日, 掛金月額, 申込方法, 払込区分, 前納月数, 制度) / "
                "FIRST_DEBIT_AMOUNT(同じ引数)。小規模の前納月数は初回振替月より後の月数、セーフティは初回振替月から数えます。")
    headers = ["例", "制度", "申込日", "掛金月額", "申込方法", "払込区分", "前納月数", "初回振替日", "初回振替額",
               "確認: 振替日", "確認: 振替額", "判定"]
    for i, text in enumerate(headers):
        put(ws, f"{get_column_letter(i + 1)}4", text, "header")
    for row, ex in enumerate(FIRST_DEBIT_EXAMPLES, start=5):
        put(ws, f"A{row}", ex.note)
        put(ws, f"B{row}", ex.scheme.value, "input")
        put(ws, f"C{row}", ex.application_date, "input")
        put(ws, f"D{row}", ex.monthly_amount, "input", YEN_FORMAT)
        put(ws, f"E{row}", ex.channel.value, "input")
        put(ws, f"F{row}", ex.pattern.value, "input")
        put(ws, f"G{row}", ex.prepaid_months, "input")
        args = [ref(f"{c}{row}") for c in "CDEFGB"]
        put(ws, f"H{row}", formula(call("FIRST_DEBIT", *args)), "output", DATE_FORMAT)
        put(ws, f"I{row}", formula(call("FIRST_DEBIT_AMOUNT", *args)), "output", YEN_FORMAT)
        put(ws, f"J{row}", ex.expected_date, "expected")
        put(ws, f"K{row}", ex.expected_amount, "expected", YEN_FORMAT)
        put(ws, f"L{row}", judge([(f"H{row}", f"J{row}"), (f"I{row}", f"K{row}")]), "judge")
    last = 4 + len(FIRST_DEBIT_EXAMPLES)
    dropdown(ws, Scheme, f"B5:B{last}")
    dropdown(ws, Channel, f"E5:E{last}")
    dropdown(ws, Pattern, f"F5:F{last}")
    widths(ws, A=52, B=18, C=12, D=11, E=11, F=9, G=9, H=12, I=13, J=12, K=13, L=8)


def _deduction_sheet(ws: Worksheet) -> None:
    ex = DEDUCTION_EXAMPLE
    sheet_title(ws, "掛金控除: 今年と翌年（申込方法ごと）",
                "KYOSAI_DEDUCTIBLE(年, 掛金月額, 申込日, 申込方法, 払込区分) と CERTIFICATE_DISPATCH(年, 申込日, 申込方法)。"
                "11月以降に現金なし・オンラインで申し込むと、今年の控除はありません（§1.6）。")
    for row, (label, value, fmt) in enumerate([("年", ex.year, "0"), ("申込日", ex.application_date, DATE_FORMAT),
                                               ("掛金月額", ex.monthly_amount, YEN_FORMAT),
                                               ("払込区分", ex.pattern.value, None)], start=4):
        put(ws, f"A{row}", label, "header")
        put(ws, f"B{row}", value, "input", fmt)
    dropdown(ws, Pattern, "B7")
    headers = ["申込方法", "今年の控除", "翌年の控除", "控除証明書（今年分）", "確認: 今年", "確認: 翌年", "確認: 証明書", "判定"]
    for i, text in enumerate(headers):
        put(ws, f"{get_column_letter(i + 1)}9", text, "header")
    for row, (channel, this_year, next_year, certificate) in enumerate(ex.expected, start=10):
        put(ws, f"A{row}", channel.value, "input")
        put(ws, f"B{row}", formula(call("KYOSAI_DEDUCTIBLE", ref("$B$4"), ref("$B$6"), ref("$B$5"), ref(f"A{row}"),
                                        ref("$B$7"))), "output", YEN_FORMAT)
        put(ws, f"C{row}", formula(call("KYOSAI_DEDUCTIBLE", Formula("$B$4+1"), ref("$B$6"), ref("$B$5"),
                                        ref(f"A{row}"), ref("$B$7"))), "output", YEN_FORMAT)
        put(ws, f"D{row}", formula(call("CERTIFICATE_DISPATCH", ref("$B$4"), ref("$B$5"), ref(f"A{row}"))), "output")
        put(ws, f"E{row}", this_year, "expected", YEN_FORMAT)
        put(ws, f"F{row}", next_year, "expected", YEN_FORMAT)
        put(ws, f"G{row}", certificate, "expected")
        put(ws, f"H{row}", judge([(f"B{row}", f"E{row}"), (f"C{row}", f"F{row}"), (f"D{row}", f"G{row}")]), "judge")
    dropdown(ws, Channel, f"A10:A{9 + len(ex.expected)}")
    widths(ws, A=14, B=13, C=13, D=20, E=12, F=12, G=14, H=8)


def _deadlines_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "振替日と前納申出の到着期限（12か月分）",
                "DEBIT_DATE(年月, 制度) と PREPAY_DEADLINE(希望月, 制度)。開始月を変えると表が変わります。")
    put(ws, "A4", "開始月", "header")
    put(ws, "B4", DEADLINES_START, "input", MONTH_FORMAT)
    headers = ["月", "小規模 振替日", "小規模 前納・変更の到着期限", "セーフティ 振替日", "セーフティ 前納申出の到着期限",
               "確認: 小規模 振替日", "確認: 小規模 期限", "確認: セーフティ 振替日", "確認: セーフティ 期限", "判定"]
    for i, text in enumerate(headers):
        put(ws, f"{get_column_letter(i + 1)}6", text, "header")
    expected = {example[0]: example[1:] for example in DEADLINE_EXAMPLES}
    for n in range(12):
        row = 7 + n
        put(ws, f"A{row}", formula(f"EDATE($B$4,{n})"), "output", MONTH_FORMAT)
        put(ws, f"B{row}", formula(call("DEBIT_DATE", ref(f"A{row}"), SKY)), "output", DATE_FORMAT)
        put(ws, f"C{row}", formula(call("PREPAY_DEADLINE", ref(f"A{row}"), SKY)), "output", DATE_FORMAT)
        put(ws, f"D{row}", formula(call("DEBIT_DATE", ref(f"A{row}"), SAFETY)), "output", DATE_FORMAT)
        put(ws, f"E{row}", formula(call("PREPAY_DEADLINE", ref(f"A{row}"), SAFETY)), "output", DATE_FORMAT)
        month = (Month.of(DEADLINES_START) + n).first_day
        known = expected.get(month)
        if known:
            pairs = []
            for result, check, value in zip("BCDE", "FGHI", known):
                if value is not None:
                    put(ws, f"{check}{row}", value, "expected")
                    pairs.append((f"{result}{row}", f"{check}{row}"))
            put(ws, f"J{row}", judge(pairs), "judge")
    put(ws, "A20", "確認欄は RULES.md の例（§1.3, §2.3）。開始月を変えると判定は「要確認」になります。", "note")
    widths(ws, A=11, B=13, C=16, D=13, E=16, F=12, G=12, H=12, I=12, J=8)


def _discount_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "前納減額金", "PREPAY_DISCOUNT(掛金月額, 一度に払う月数)。月数は払込月を含みます。"
                "率は払込日で決まります（省略時は今日: 2017年11月以降 0.9/1000）。")
    for i, text in enumerate(["例", "掛金月額", "一度に払う月数", "前納減額金", "確認", "判定"]):
        put(ws, f"{get_column_letter(i + 1)}4", text, "header")
    for row, (monthly, months, expected, note) in enumerate(DISCOUNT_EXAMPLES, start=5):
        put(ws, f"A{row}", note)
        put(ws, f"B{row}", monthly, "input", YEN_FORMAT)
        put(ws, f"C{row}", months, "input")
        put(ws, f"D{row}", formula(call("PREPAY_DISCOUNT", ref(f"B{row}"), ref(f"C{row}"))), "output", YEN_FORMAT)
        put(ws, f"E{row}", expected, "expected", YEN_FORMAT)
        put(ws, f"F{row}", judge([(f"D{row}", f"E{row}")]), "judge")
    widths(ws, A=34, B=12, C=14, D=12, E=10, F=8)


def _failed_debit_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "振替不能の後の請求", "FAILED_DEBIT_PLAN(振替不能月, 制度, 掛金月額) は表を返します。"
                "ここでは INDEX で1セルずつ取り出しています（Microsoft 365 では1つのセルに入力すればスピルします）。")
    top = 4
    for example_index, (month, scheme, monthly, amounts) in enumerate(FAILED_DEBIT_EXAMPLES):
        put(ws, f"A{top}", "振替不能月", "header")
        put(ws, f"B{top}", month, "input", MONTH_FORMAT)
        put(ws, f"A{top + 1}", "制度", "header")
        put(ws, f"B{top + 1}", scheme.value, "input")
        put(ws, f"A{top + 2}", "掛金月額", "header")
        put(ws, f"B{top + 2}", monthly, "input", YEN_FORMAT)
        dropdown(ws, Scheme, f"B{top + 1}")
        plan = call("FAILED_DEBIT_PLAN", ref(f"$B${top}"), ref(f"$B${top + 1}"), ref(f"$B${top + 2}"))
        first = top + 4
        for r in range(FAILED_DEBIT_ROWS):
            for c in range(FAILED_DEBIT_COLUMNS):
                role = "header" if r == 0 else "output"
                fmt = YEN_FORMAT if c == 2 and r else None
                put(ws, f"{get_column_letter(c + 1)}{first + r}",
                    formula(f'IFERROR(INDEX({plan},{r + 1},{c + 1}),"")'), role, fmt)
        put(ws, f"E{first}", "確認: 金額", "header")
        put(ws, f"F{first}", "判定", "header")
        for i, amount in enumerate(amounts, start=1):
            put(ws, f"E{first + i}", amount, "expected", YEN_FORMAT)
            put(ws, f"F{first + i}", judge([(f"C{first + i}", f"E{first + i}")]), "judge")
        note = "§1.7 [SEED] 年払の12月の振替不能" if scheme is SKY else "§2.4 [SEED] 12月の振替不能"
        put(ws, f"D{top}", note, "note")
        top = first + FAILED_DEBIT_ROWS + 2
    widths(ws, A=12, B=12, C=12, D=34, E=12, F=8)


def _eligibility_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "加入資格", "SKY_ELIGIBLE(業種, 従業員数, 加入者区分) と SAFETY_ELIGIBLE(業種, 資本金, 従業員数, "
                "事業開始日, 判定日, 税の滞納)。TRUE なら加入できます。")
    put(ws, "A4", "小規模企業共済", "header")
    for i, text in enumerate(["例", "業種", "従業員数", "加入者区分", "加入できるか", "確認", "判定"]):
        put(ws, f"{get_column_letter(i + 1)}5", text, "header")
    row = 6
    for industry, employees, member_type, expected, note in SKY_ELIGIBILITY_EXAMPLES:
        put(ws, f"A{row}", note)
        put(ws, f"B{row}", industry.value, "input")
        put(ws, f"C{row}", employees, "input")
        put(ws, f"D{row}", member_type.value, "input")
        put(ws, f"E{row}", formula(call("SKY_ELIGIBLE", ref(f"B{row}"), ref(f"C{row}"), ref(f"D{row}"))), "output")
        put(ws, f"F{row}", expected, "expected")
        put(ws, f"G{row}", judge([(f"E{row}", f"F{row}")]), "judge")
        row += 1
    dropdown(ws, SkyIndustry, f"B6:B{row - 1}")
    dropdown(ws, MemberType, f"D6:D{row - 1}")

    top = row + 1
    put(ws, f"A{top}", "経営セーフティ共済", "header")
    headers = ["例", "業種", "資本金", "従業員数", "事業開始日", "判定日", "税の滞納", "加入できるか", "確認", "判定"]
    for i, text in enumerate(headers):
        put(ws, f"{get_column_letter(i + 1)}{top + 1}", text, "header")
    row = top + 2
    for industry, capital, employees, start, as_of, arrears, expected, note in SAFETY_ELIGIBILITY_EXAMPLES:
        put(ws, f"A{row}", note)
        put(ws, f"B{row}", industry.value, "input")
        put(ws, f"C{row}", capital, "input", YEN_FORMAT)
        put(ws, f"D{row}", employees, "input")
        put(ws, f"E{row}", start, "input")
        put(ws, f"F{row}", as_of, "input")
        put(ws, f"G{row}", arrears.value, "input")
        put(ws, f"H{row}", formula(call("SAFETY_ELIGIBLE", *[ref(f"{c}{row}") for c in "BCDEFG"])), "output")
        put(ws, f"I{row}", expected, "expected")
        put(ws, f"J{row}", judge([(f"H{row}", f"I{row}")]), "judge")
        row += 1
    dropdown(ws, SafetyIndustry, f"B{top + 2}:B{row - 1}")
    dropdown(ws, TaxArrears, f"G{top + 2}:G{row - 1}")
    put(ws, f"A{row + 1}", "資本金が空欄なら個人事業主（従業員数だけで判定）。", "note")
    widths(ws, A=40, B=22, C=14, D=12, E=12, F=12, G=10, H=12, I=8, J=8)


def _safety_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "経営セーフティ共済: 積立限度額までの残り・貸付限度額・解約手当金")
    row = 3
    put(ws, f"A{row}", "SAFETY_HEADROOM(掛金総額)", "header")
    for i, text in enumerate(["掛金総額", "残り", "確認", "判定"], start=1):
        put(ws, f"{get_column_letter(i + 1)}{row}", text, "header")
    for paid, expected, note in HEADROOM_EXAMPLES:
        row += 1
        put(ws, f"A{row}", note)
        put(ws, f"B{row}", paid, "input", YEN_FORMAT)
        put(ws, f"C{row}", formula(call("SAFETY_HEADROOM", ref(f"B{row}"))), "output", YEN_FORMAT)
        put(ws, f"D{row}", expected, "expected", YEN_FORMAT)
        put(ws, f"E{row}", judge([(f"C{row}", f"D{row}")]), "judge")

    row += 2
    put(ws, f"A{row}", "SAFETY_LOAN_LIMIT(掛金総額, 回収困難額, 貸付残高)", "header")
    for i, text in enumerate(["掛金総額", "回収困難な売掛金等", "貸付残高", "貸付限度額", "確認", "判定"], start=1):
        put(ws, f"{get_column_letter(i + 1)}{row}", text, "header")
    for paid, receivables, outstanding, expected, note in LOAN_EXAMPLES:
        row += 1
        put(ws, f"A{row}", note)
        for letter, value in zip("BCD", (paid, receivables, outstanding)):
            put(ws, f"{letter}{row}", value, "input", YEN_FORMAT)
        put(ws, f"E{row}", formula(call("SAFETY_LOAN_LIMIT", ref(f"B{row}"), ref(f"C{row}"), ref(f"D{row}"))),
            "output", YEN_FORMAT)
        put(ws, f"F{row}", expected, "expected", YEN_FORMAT)
        put(ws, f"G{row}", judge([(f"E{row}", f"F{row}")]), "judge")

    row += 2
    put(ws, f"A{row}", "SAFETY_REFUND(掛金総額, 納付月数, 解約の種類, 貸付額)", "header")
    for i, text in enumerate(["掛金総額", "納付月数", "解約の種類", "貸付額", "解約手当金", "確認", "判定"], start=1):
        put(ws, f"{get_column_letter(i + 1)}{row}", text, "header")
    first = row + 1
    for paid, months, kind, loans, expected, note in REFUND_EXAMPLES:
        row += 1
        put(ws, f"A{row}", note)
        put(ws, f"B{row}", paid, "input", YEN_FORMAT)
        put(ws, f"C{row}", months, "input")
        put(ws, f"D{row}", kind.value, "input")
        put(ws, f"E{row}", loans, "input", YEN_FORMAT)
        put(ws, f"F{row}", formula(call("SAFETY_REFUND", *[ref(f"{c}{row}") for c in "BCDE"])), "output", YEN_FORMAT)
        put(ws, f"G{row}", expected, "expected", YEN_FORMAT)
        put(ws, f"H{row}", judge([(f"F{row}", f"G{row}")]), "judge")
    dropdown(ws, CancellationKind, f"D{first}:D{row}")
    widths(ws, A=46, B=14, C=18, D=14, E=14, F=14, G=12, H=8)


def _tax_sheet(ws: Worksheet) -> None:
    income, monthly, expected = TAX_EXAMPLE
    sheet_title(ws, "小規模企業共済の節税額（年間）", "KYOSAI_TAX_SAVING(課税される所得金額, 掛金月額)。"
                "中小機構の節税シミュレーションと同じ計算（所得税・復興特別所得税・住民税）。")
    put(ws, "A4", "課税される所得金額", "header")
    put(ws, "B4", income, "input", YEN_FORMAT)
    for i, text in enumerate(["掛金月額", "年間の掛金", "節税額", "確認（§1.9 [OFF]）", "判定"]):
        put(ws, f"{get_column_letter(i + 1)}6", text, "header")
    for row, amount in enumerate(TAX_TABLE_AMOUNTS, start=7):
        put(ws, f"A{row}", amount, "input", YEN_FORMAT)
        put(ws, f"B{row}", formula(f"A{row}*12"), "output", YEN_FORMAT)
        put(ws, f"C{row}", formula(call("KYOSAI_TAX_SAVING", ref("$B$4"), ref(f"A{row}"))), "output", YEN_FORMAT)
        if amount == monthly:
            put(ws, f"D{row}", expected, "expected", YEN_FORMAT)
            put(ws, f"E{row}", judge([(f"C{row}", f"D{row}")]), "judge")
    widths(ws, A=20, B=14, C=12, D=18, E=8)


def _array_sheet(ws: Worksheet) -> None:
    sheet_title(ws, "一括計算（配列）: 範囲を渡すと1つの式で全員分",
                "各列の式は範囲（B6:B10 など）を引数にした配列数式です。誤りのある行（4行目: 掛金月額 70,500円）だけが「#…」になります。",
                "Microsoft 365 では =FIRST_DEBIT(B6:B10,C6:C10,D6:D10,E6:E10) を1つのセルに入力するとスピルします。"
                "空の行は空のままなので、B6:B10000 のように先の行まで指定できます。")
    put(ws, "A4", "控除の年", "header")
    put(ws, "B4", ARRAY_YEAR, "input", "0")
    headers = ["顧客", "申込日", "掛金月額", "申込方法", "払込区分", "初回振替日", "初回振替額", "控除（B4の年）"]
    for i, text in enumerate(headers):
        put(ws, f"{get_column_letter(i + 1)}5", text, "header")
    first, last = 6, 5 + len(ARRAY_CUSTOMERS)
    for row, (date, monthly, channel, pattern) in enumerate(ARRAY_CUSTOMERS, start=first):
        put(ws, f"A{row}", f"顧客{row - first + 1}")
        put(ws, f"B{row}", date, "input")
        put(ws, f"C{row}", monthly, "input", YEN_FORMAT)
        put(ws, f"D{row}", channel.value, "input")
        put(ws, f"E{row}", pattern.value, "input")
    columns = [ref(f"{c}{first}:{c}{last}") for c in "BCDE"]
    outputs = (("F", call("FIRST_DEBIT", *columns), DATE_FORMAT),
               ("G", call("FIRST_DEBIT_AMOUNT", *columns), YEN_FORMAT),
               ("H", call("KYOSAI_DEDUCTIBLE", ref("$B$4"), columns[1], columns[0], columns[2], columns[3]),
                YEN_FORMAT))
    for letter, text, fmt in outputs:
        for row in range(first, last + 1):
            put(ws, f"{letter}{row}", None, "output", fmt)
        ws[f"{letter}{first}"] = ArrayFormula(f"{letter}{first}:{letter}{last}", formula(text))
    dropdown(ws, Channel, f"D{first}:D{last}")
    dropdown(ws, Pattern, f"E{first}:E{last}")
    widths(ws, A=9, B=12, C=11, D=11, E=9, F=40, G=13, H=14)


def _xlwings_conf_sheet(ws: Worksheet) -> None:
    # xlwings reads key/value pairs from A1 down to the first empty row and upper-cases the keys,
    # so the key is "UDF Modules" ("UDF MODULES"); notes start after an empty row.
    ws["A1"] = "UDF Modules"
    ws["B1"] = UDF_MODULES
    notes = [
        "このシートは xlwings の設定です（A1 から下へ、空行まで読まれます）。シート名・A1・B1 を変えないでください。",
        "UDF Modules = addin.udfs: 関数は Python パッケージ kyosai の addin/udfs.py から読み込まれます。",
        "Python の場所（Interpreter_Win）などは xlwings リボンの設定が使われます。ここに空の行を追加すると設定が上書きされるので注意。",
        "This sheet configures xlwings (read from A1 down to the first empty row): UDF Modules = addin.udfs.",
    ]
    for i, note in enumerate(notes, start=3):
        put(ws, f"A{i}", note, "note")
    widths(ws, A=16, B=16)


CALCULATOR_SHEETS: tuple[tuple[str, Callable[[Worksheet], None]], ...] = (
    ("使い方", _usage_sheet),
    ("初回振替", _first_debit_sheet),
    ("掛金控除", _deduction_sheet),
    ("期限一覧", _deadlines_sheet),
    ("前納減額金", _discount_sheet),
    ("振替不能", _failed_debit_sheet),
    ("加入資格", _eligibility_sheet),
    ("セーフティ", _safety_sheet),
    ("節税額", _tax_sheet),
    ("一括計算", _array_sheet),
    ("xlwings.conf", _xlwings_conf_sheet),
)


def calculator() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for title, fill in CALCULATOR_SHEETS:
        ws = wb.create_sheet(title)
        fill(ws)
    wb.calculation.fullCalcOnLoad = True  # nothing is cached in the file: Excel computes on opening
    return wb


# ==================================================================================== templates

DATA_ROWS = 1000           # rows below the header that carry the validations
HEADER_ROW = 3             # title, instruction, header (BATCHES.md: header within the first 10 rows)
SAMPLE_SHEET = "記入例"
KIND_SCHEME = {"sky-application": Scheme.SKY, "safety-application": Scheme.SAFETY}
"""The scheme of a kind whose rows do not say it (the prepayment kind has a 制度 column)."""

CODE_VALUES = {Value.DIGITS, Value.REFERENCE, Value.POSTAL_CODE, Value.PHONE, Value.CORPORATE_NUMBER}
NUMBER_FORMATS = {
    **{value: TEXT_FORMAT for value in CODE_VALUES},
    Value.TEXT: TEXT_FORMAT, Value.KATAKANA: TEXT_FORMAT, Value.LABEL: TEXT_FORMAT, Value.MONTH: TEXT_FORMAT,
    Value.DATE: DATE_FORMAT, Value.AMOUNT: YEN_FORMAT, Value.COUNT: "0", Value.CALENDAR_MONTH: "0",
}
"""How each kind of column is formatted: codes (and any text) as text ``@`` so leading zeros
survive and nothing is turned into a date; months as text too (``2024-12``)."""

# Sample rows: what differs from each column's example (schemas.batches Column.example), by
# alias. Every row must pass the rules (tests/test_workbooks.py checks them with the rules core).
SAMPLE_ROWS: dict[str, tuple[dict[str, Any], ...]] = {
    "sky-application": (
        {},
        {"receipt_no": "A-0002", "application_date": D(2024, 12, 3), "channel": "現金なし", "member_type": "会社役員",
         "name": "佐藤 花子", "name_kana": "サトウ ハナコ", "birth_date": D(1980, 7, 15), "postal_code": "530-0001",
         "address": "大阪府大阪市北区梅田1-1-1", "phone": "06-6123-4567", "industry": "製造業", "employees": 18,
         "monthly_amount": 30000, "payment_pattern": "月払", "designated_month": None, "bank_code": "0005",
         "branch_code": "123", "account_type": "当座", "account_number": "0456789", "account_holder_kana": "サトウ ハナコ"},
        {"receipt_no": "A-0003", "application_date": D(2024, 12, 5), "channel": "オンライン", "name": "鈴木 一郎",
         "name_kana": "スズキ イチロウ", "birth_date": D(1968, 11, 3), "postal_code": "060-0001",
         "address": "北海道札幌市中央区北一条西1-1", "phone": "011-123-4567", "industry": "サービス業", "employees": 5,
         "monthly_amount": 10000, "payment_pattern": "月払", "designated_month": None, "prepaid_months": 3,
         "branch_code": "456", "account_number": "1234567", "account_holder_kana": "スズキ イチロウ"},
        {"receipt_no": "A-0004", "application_date": D(2024, 12, 5), "member_type": "共同経営者", "name": "山田 花子",
         "name_kana": "ヤマダ ハナコ", "birth_date": D(1977, 2, 20), "proprietor_ref": "A-0001",
         "monthly_amount": 20000, "payment_pattern": "半年払", "account_number": "0123457",
         "account_holder_kana": "ヤマダ ハナコ"},
        {"receipt_no": "A-0005", "application_date": D(2024, 10, 28), "channel": "現金なし", "name": "高橋 健",
         "name_kana": "タカハシ ケン", "birth_date": D(1990, 9, 9), "postal_code": "980-0811",
         "address": "宮城県仙台市青葉区一番町1-1-1", "phone": "090-1234-5678", "industry": "建設業", "employees": 12,
         "monthly_amount": 50000, "designated_month": 10, "bank_code": "0001", "branch_code": "010",
         "account_number": "12345", "account_holder_kana": "タカハシ ケン"},
    ),
    "safety-application": (
        {"account_holder_kana": "カ）サンプルセイサクショ"},
        {"receipt_no": "A-0002", "application_date": D(2024, 12, 4), "applicant_type": "個人", "name": "田中 修",
         "name_kana": "タナカ オサム", "corporate_number": None, "postal_code": "460-0008",
         "address": "愛知県名古屋市中区栄1-1-1", "phone": "052-123-4567", "industry": "小売業", "capital": None,
         "employees": 4, "business_start_date": D(2010, 6, 1), "monthly_amount": 50000, "prepaid_months": None,
         "prepayment_method": None, "branch_code": "234", "account_number": "7654321",
         "account_holder_kana": "タナカ オサム"},
        {"receipt_no": "A-0003", "application_date": D(2024, 12, 6), "name": "株式会社サンプル商事",
         "name_kana": "カブシキガイシャサンプルショウジ", "corporate_number": "999999000001", "industry": "卸売業",
         "capital": 50_000_000, "employees": 120, "business_start_date": D(2000, 4, 1), "monthly_amount": 200000,
         "prepaid_months": 12, "prepayment_method": "振込", "bank_code": "0005", "branch_code": "001",
         "account_type": "当座", "account_number": "0001234", "account_holder_kana": "カ）サンプルショウジ"},
        {"receipt_no": "A-0004", "application_date": D(2024, 12, 9), "name": "株式会社サンプルソフト",
         "name_kana": "カブシキガイシャサンプルソフト", "corporate_number": "999999000002",
         "industry": "ソフトウェア業・情報処理サービス業", "capital": 300_000_000, "employees": 250,
         "business_start_date": D(2012, 10, 1), "previous_cancellation_date": D(2023, 3, 31),
         "monthly_amount": 30000, "prepaid_months": None, "prepayment_method": None, "account_number": "2345678",
         "account_holder_kana": "カ）サンプルソフト"},
        {"receipt_no": "A-0005", "application_date": D(2024, 12, 10), "applicant_type": "個人", "name": "伊藤 美咲",
         "name_kana": "イトウ ミサキ", "corporate_number": None, "postal_code": "600-8001",
         "address": "京都府京都市下京区四条通1-1", "phone": "075-123-4567", "industry": "旅館業", "capital": None,
         "employees": 15, "business_start_date": D(1995, 7, 1), "monthly_amount": 5000, "prepaid_months": 6,
         "account_number": "0000123", "account_holder_kana": "イトウ ミサキ"},
    ),
    "prepayment": (
        {},
        {"receipt_no": "A-0002", "scheme": "小規模企業共済", "contract_number": "0012345678", "name": "山田 太郎",
         "monthly_amount": 70000, "paid_total": None, "prepaid_months": 12, "prepayment_amount": 840000,
         "desired_month": "2025-01", "received_date": D(2024, 12, 10)},
        {"receipt_no": "A-0003", "contract_number": "2345678901", "name": "株式会社サンプル商事",
         "paid_total": 7_650_000, "prepaid_months": 3, "prepayment_amount": 250_000, "desired_month": "2025-01",
         "received_date": D(2024, 12, 20)},
        {"receipt_no": "A-0004", "scheme": "小規模企業共済", "contract_number": "3456789012", "name": "鈴木 一郎",
         "monthly_amount": 10000, "paid_total": None, "prepaid_months": 6, "prepayment_amount": 60000,
         "desired_month": "2025-04", "received_date": D(2025, 3, 10)},
        {"receipt_no": "A-0005", "contract_number": "4567890123", "name": "株式会社サンプルソフト",
         "monthly_amount": 200000, "paid_total": 0, "prepaid_months": 39, "prepayment_amount": 7_800_000,
         "desired_month": "2025-02", "received_date": D(2025, 2, 3)},
    ),
}
"""Corporate numbers given with 12 digits get their check digit from the rules core."""


def _example(column: Column) -> Any:
    """A column's example as a typed cell value."""
    text = column.example
    if not text:
        return None
    if column.value is Value.DATE:
        return parse_date(text)
    if column.value is Value.AMOUNT:
        return parse_amount(text)
    if column.value in (Value.COUNT, Value.CALENDAR_MONTH):
        return parse_count(text)
    return text


def sample_rows(kind: BatchKind) -> list[list[Any]]:
    """The typed values of the 記入例 rows, in column order."""
    rows = []
    for overrides in SAMPLE_ROWS[kind.name]:
        unknown = set(overrides) - {c.alias for c in kind.columns}
        if unknown:
            raise KeyError(f"{kind.name}: no column {sorted(unknown)}")
        row = []
        for column in kind.columns:
            value = overrides[column.alias] if column.alias in overrides else _example(column)
            if column.value is Value.CORPORATE_NUMBER and isinstance(value, str) and len(value) == 12:
                value = f"{codes.corporate_number_check_digit(value)}{value}"
            row.append(value)
        rows.append(row)
    return rows


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _premium_rule(cell: str, scheme: Scheme) -> str:
    low, high, step = premium.bounds(scheme)
    return f"AND(ISNUMBER({cell}),{cell}>={low},{cell}<={high},MOD({cell},{step})=0)"


def _validation(kind: BatchKind, column: Column, letter: str) -> DataValidation:
    """The data validation of one column, with the column's hint as input and error message."""
    first = f"{letter}{HEADER_ROW + 1}"
    common = dict(allow_blank=True, showInputMessage=True, showErrorMessage=True,
                  promptTitle=column.header[:32], prompt=column.hint_ja[:255] or None,
                  errorTitle=column.header[:32], error=(column.hint_ja or column.header)[:255])
    value = column.value
    if value is Value.LABEL:
        return DataValidation(type="list", formula1=q(",".join(column.choices)), **common)
    if value is Value.AMOUNT and column.alias == "monthly_amount":
        scheme_column = next((c for c in kind.columns if c.label is Scheme), None)
        if scheme_column is None:
            rule = _premium_rule(first, KIND_SCHEME[kind.name])
        else:
            scheme_cell = f"${get_column_letter(kind.columns.index(scheme_column) + 1)}{HEADER_ROW + 1}"
            rule = (f"IF({scheme_cell}={q(Scheme.SKY.value)},{_premium_rule(first, Scheme.SKY)},"
                    f"{_premium_rule(first, Scheme.SAFETY)})")
        return DataValidation(type="custom", formula1=rule, **common)
    if value is Value.AMOUNT:
        return DataValidation(type="custom", formula1=f"AND(ISNUMBER({first}),{first}>=0,{first}=INT({first}))",
                              **common)
    if value is Value.COUNT:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", **common)
    if value is Value.CALENDAR_MONTH:
        return DataValidation(type="whole", operator="between", formula1="1", formula2="12", **common)
    if value is Value.DATE:
        # A warning, not a stop: 和暦 typed as text is still read by the validator.
        return DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)",
                              formula2="DATE(2099,12,31)", errorStyle="warning", **common)
    if value is Value.DIGITS and column.digits:
        low, high = column.digits
        return DataValidation(type="textLength", operator="between", formula1=str(low), formula2=str(high),
                              **common)
    return DataValidation(**common)  # any value: the input message alone


def _template_sheet(ws: Worksheet, kind: BatchKind, rows: list[list[Any]] | None) -> None:
    sample = rows is not None
    title = kind.title_ja + ("（記入例 — このシートは提出しないでください）" if sample else "")
    put(ws, "A1", title).font = TITLE_FONT
    put(ws, "A2", "見出しの黄色は必須、灰色は任意の項目です。セルを選ぶと書き方が表示されます。1行に1件。"
                  "見出し行（3行目）は変えないでください。" + ("" if sample else "書き方は「記入例」シートを参照。"), "note")
    last_row = HEADER_ROW + DATA_ROWS
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        header = ws[f"{letter}{HEADER_ROW}"]
        header.value = column.header
        header.font = BOLD
        header.border = BOX
        header.fill = FILL["required" if column.required else "optional"]
        header.alignment = Alignment(vertical="center")
        header.number_format = "General"
        dimension = ws.column_dimensions[letter]
        dimension.number_format = NUMBER_FORMATS[column.value]
        longest = max([_display_width(column.header)] +
                      [_display_width(r[index - 1]) for r in rows or [] if r[index - 1] is not None])
        dimension.width = min(max(longest + 3, 10), 42)
        dv = _validation(kind, column, letter)
        dv.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
        ws.add_data_validation(dv)
    for r, values in enumerate(rows or [], start=HEADER_ROW + 1):
        for index, (column, value) in enumerate(zip(kind.columns, values), start=1):
            cell = ws.cell(row=r, column=index, value=value)
            cell.number_format = NUMBER_FORMATS[column.value]
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def template(kind: BatchKind) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = kind.sheet
    _template_sheet(ws, kind, None)
    _template_sheet(wb.create_sheet(SAMPLE_SHEET), kind, sample_rows(kind))
    return wb


# ==================================================================================== sample batches
# Filled batches for trying the validator (``kyosai validate workbooks/samples/…``, the service's
# upload page): the 記入例 rows on the kind's own sheet, once as they are (valid) and once with the
# mistakes clerks make. tests/test_samples.py says which finding each mistake must give.

SAMPLES = "samples"
SAMPLE_MISTAKES: dict[str, tuple[tuple[int, dict[str, Any]], ...]] = {
    "sky-application": (
        (1, {"employees": 25}),               # 製造業: at most 20 employees
        (2, {"monthly_amount": 10250}),       # not a 500-yen step
        (3, {"proprietor_ref": "A-0099"}),    # no such proprietor in the file
        (4, {"receipt_no": "A-0001"}),        # receipt number used twice
    ),
    "safety-application": (
        (0, {"corporate_number": "1010001008830"}),   # wrong check digit
        (1, {"employees": 60}),                        # 小売業 sole proprietor: at most 50
        (2, {"prepaid_months": 39}),                   # 41 months × 200,000 > 8,000,000
        (3, {"tax_arrears": "あり"}),
    ),
    "prepayment": (
        (0, {"prepayment_amount": 1_150_000}),         # not 12 × 100,000
        (1, {"received_date": D(2024, 12, 23)}),       # SKY January: by 2024-12-20
        (4, {"prepayment_amount": 8_000_000}),         # over the limit
    ),
}


def sample_batch(kind: BatchKind, mistakes: tuple = ()) -> Workbook:
    """The template with the 記入例 rows filled in on the kind's sheet (and the mistakes made)."""
    wb = template(kind)
    del wb[SAMPLE_SHEET]
    ws = wb[kind.sheet]
    rows = sample_rows(kind)
    aliases = [c.alias for c in kind.columns]
    for index, overrides in mistakes:
        for alias, value in overrides.items():
            rows[index][aliases.index(alias)] = value
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for i, (column, value) in enumerate(zip(kind.columns, values), start=1):
            ws.cell(row=r, column=i, value=value).number_format = NUMBER_FORMATS[column.value]
    return wb


def sample_csv(kind: BatchKind, path: Path, mistakes: tuple = ()) -> Path:
    """The same batch as CSV the way Japanese Excel saves it: CP932, dates as 2024/12/02."""
    rows = sample_rows(kind)
    aliases = [c.alias for c in kind.columns]
    for index, overrides in mistakes:
        for alias, value in overrides.items():
            rows[index][aliases.index(alias)] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in kind.columns])
    for values in rows:
        writer.writerow(["" if v is None else v.strftime("%Y/%m/%d") if isinstance(v, datetime.date) else v
                         for v in values])
    path.write_bytes(out.getvalue().encode("cp932"))
    return path


def build_samples(out_dir: Path) -> list[Path]:
    folder = out_dir / SAMPLES
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, kind in KINDS.items():
        paths.append(save(sample_batch(kind), folder / f"{name}_sample.xlsx"))
        paths.append(save(sample_batch(kind, SAMPLE_MISTAKES[name]), folder / f"{name}_with_errors.xlsx"))
    kind = KINDS["sky-application"]
    paths.append(sample_csv(kind, folder / "sky-application_with_errors_cp932.csv", SAMPLE_MISTAKES[kind.name]))
    return paths


# ==================================================================================== saving

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_W3CDTF = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _fixed_properties(wb: Workbook) -> None:
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME


def save(wb: Workbook, path: Path) -> Path:
    """Save deterministically: fixed properties and zip timestamps; ``.xlsm`` gets the macro-enabled
    workbook content type (a macro-enabled workbook without a VBA project yet — openpyxl cannot
    write one, and xlwings' Import Functions adds it)."""
    _fixed_properties(wb)
    buffer = io.BytesIO()
    wb.save(buffer)  # openpyxl stamps "modified" with the current time: put the fixed one back
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(lambda m: f"{m[1]}{stamp}{m[3]}", data.decode("utf-8")).encode("utf-8")
            if info.filename == "[Content_Types].xml" and path.suffix == ".xlsm":
                data = data.replace(XLSX_TYPE.encode(), XLSM_TYPE.encode())
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, data)
    return path


def build(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every workbook into ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [save(calculator(), out_dir / f"{CALCULATOR}.{suffix}") for suffix in ("xlsm", "xlsx")]
    paths += [save(template(KINDS[name]), out_dir / filename) for name, filename in TEMPLATE_FILES.items()]
    return paths + build_samples(out_dir)


# ==================================================================================== checking

def fingerprint(path: Path) -> dict[str, Any]:
    """What a workbook contains, as comparable data: every cell's value or formula and style,
    column widths and formats, data validations, sheet settings, document properties and the
    workbook's content type. Independent of how openpyxl happens to serialise the XML."""
    wb = load_workbook(path)
    with zipfile.ZipFile(path) as archive:
        content_types = archive.read("[Content_Types].xml").decode("utf-8")
    sheets = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = ("array", value.ref, value.text)
                if value is None and not cell.has_style:
                    continue
                cells[cell.coordinate] = (
                    repr(value), cell.number_format, cell.font.b, cell.font.i, cell.font.sz,
                    cell.font.color.rgb if cell.font.color is not None else None,
                    cell.fill.fill_type, cell.fill.fgColor.rgb, cell.border.left.style,
                    cell.alignment.wrap_text)
        columns = {key: (d.min, d.max, d.width, d.number_format) for key, d in sorted(ws.column_dimensions.items())}
        validations = sorted(
            (str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.allow_blank, dv.showDropDown,
             dv.showInputMessage, dv.showErrorMessage, dv.promptTitle, dv.prompt, dv.errorTitle, dv.error,
             dv.errorStyle)
            for dv in ws.data_validations.dataValidation)
        sheets[ws.title] = {"cells": cells, "columns": columns, "validations": validations,
                            "freeze": ws.freeze_panes, "state": ws.sheet_state}
    props = wb.properties
    return {
        "sheets": sheets,
        "order": wb.sheetnames,
        "properties": (props.creator, props.lastModifiedBy, props.created, props.modified),
        "macro_enabled": XLSM_TYPE in content_types,
        "full_calc_on_load": wb.calculation.fullCalcOnLoad,
    }


def check(out_dir: Path = OUT_DIR) -> list[str]:
    """The workbooks in ``out_dir`` that differ from what :func:`build` produces (empty: in sync)."""
    import tempfile

    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in build(Path(tmp)):
            name = fresh.relative_to(tmp).as_posix()
            committed = out_dir / name
            if fresh.suffix == ".csv":
                same = committed.exists() and committed.read_bytes() == fresh.read_bytes()
            else:
                same = committed.exists() and fingerprint(committed) == fingerprint(fresh)
            if not same:
                stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: workbooks/)")
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = parser.parse_args(argv)
    if args.check:
        stale = check(args.out)
        for name in stale:
            print(f"out of date: {args.out / name} — run: python scripts/build_workbooks.py", file=sys.stderr)
        return 1 if stale else 0
    for path in build(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
