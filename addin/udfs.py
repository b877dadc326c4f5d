"""The Excel functions (UDFs) of the kyosai add-in, for xlwings: classic (Windows) and Lite (Pyodide).

Each function is a thin wrapper over the rules core (:mod:`kyosai`): it is named exactly as it
appears in Excel, its arguments are read from the cells by :data:`ARGS` (how a cell becomes a date,
an amount or a label, and the argument's Japanese name in messages), and everything else —
array form, ``#…`` messages, logging, caching — is :func:`addin.excel_values.udf`. No rule is computed
here. Installation and examples: ``docs/excel.md``. The xlwings Lite edition runs this very module
inside Excel (:mod:`addin.lite` packs it into the workbook's ``main.py``); Lite calls the functions
as classic xlwings does — ``ndim=2`` ranges, ``None`` for an empty cell, error cells as text — but
hands dates over as serial numbers and whole numbers as ``int``, which the argument readers take
alike, so both editions give the same answers (``tests/test_lite.py`` proves it in Pyodide).

The xlwings decorators do nothing off Windows, so the functions are plain Python everywhere:

>>> FIRST_DEBIT("2024/12/2", 70000, "現金なし", "年払"), FIRST_DEBIT_AMOUNT("R6.12.2", "7万円", "debit", "annual")
(datetime.date(2025, 2, 18), 840000)
>>> FIRST_DEBIT([[45628.0], ["2024-13-01"]], 70000, pattern="年払")
[[datetime.date(2025, 2, 18)],
 ['#申込日: 「2024-13-01」は日付として読めません（例: 2024/12/1、令和6年12月1日、R6.12.1）。']]

Conventions for every function below:

- ``scheme`` defaults to 小規模企業共済, ``channel`` to 現金なし, ``pattern`` to 月払; labels are
  read in Japanese or English (``sky``/``safety``, ``cash``/``debit``/``online``,
  ``monthly``/``semiannual``/``annual``).
- A rule without a date argument, or whose date is left out, is asked on today's date in Japan
  (:func:`kyosai.calendar.today`): the limits and tables in force now.
- Dates are returned as ``datetime.date`` (an Excel date; format the cell as a date).
- Every argument is given to xlwings as ``ndim=2`` (a single cell arrives as ``[[v]]``, a column
  as ``[[v], [v], …]``) and with ``err_to_str`` (a cell showing ``#N/A`` is reported as such).
"""

from __future__ import annotations

import os
import sys
from functools import partial

import xlwings as xw

from kyosai import (
    calendar,
    certificate,
    deadlines,
    debit,
    deduction,
    discount,
    eligibility,
    failed_debit,
    loans,
    premium,
    refund,
    safety_limit,
    schedule,
    tax_saving,
)
from kyosai.japanese import parse_amount, parse_count, parse_date, parse_month
from kyosai.labels import (
    CancellationKind,
    Channel,
    MemberType,
    Pattern,
    PrepaymentMethod,
    SafetyIndustry,
    Scheme,
    SkyIndustry,
    TaxArrears,
)

from . import excel_values
from .excel_values import Arg

CATEGORY = "共済 kyosai"
CELL = {"ndim": 2, "err_to_str": True}  # how xlwings hands every argument over (see above)


def _count(what_ja: str, what_en: str):
    return partial(parse_count, what_ja=what_ja, what_en=what_en)


def _text(value) -> str:
    return str(value).strip()


ARGS: dict[str, Arg] = {
    # contracts (契約)
    "scheme": Arg("制度", Scheme.parse),
    "application_date": Arg("申込日", parse_date),
    "monthly_amount": Arg("掛金月額", parse_amount),
    "channel": Arg("申込方法", Channel.parse),
    "pattern": Arg("払込区分", Pattern.parse),
    "prepaid_months": Arg("前納月数", _count("前納月数", "prepaid months")),
    "designated_month": Arg("指定納付月", _count("指定納付月", "designated month")),
    "prepayment_method": Arg("前納方法", PrepaymentMethod.parse),
    # deduction, discount, tax (控除・前納減額金・節税)
    "year": Arg("年", _count("年", "year")),
    "discount_received": Arg("前納減額金", parse_amount),
    "months_paid_at_once": Arg("一括で払う月数", _count("月数", "number of months")),
    "paid_on": Arg("払込日", parse_date),
    "taxable_income": Arg("課税所得", parse_amount),
    # months and deadlines (月・期限)
    "month": Arg("年月", parse_month),
    "desired_month": Arg("希望月", parse_month),
    "failed_month": Arg("振替不能月", parse_month),
    # eligibility (加入資格); "industry" differs per scheme: see SKY_ELIGIBLE / SAFETY_ELIGIBLE
    "employees": Arg("従業員数", _count("従業員数", "number of employees")),
    "member_type": Arg("加入者区分", MemberType.parse),
    "capital": Arg("資本金", parse_amount, blank_is_none=True),
    "business_start_date": Arg("事業開始日", parse_date),
    "as_of": Arg("基準日", parse_date),
    "tax_arrears": Arg("税の滞納", TaxArrears.parse),
    "entity_type": Arg("法人の種類", _text),
    # SAFETY money (積立・貸付・解約)
    "paid_total": Arg("掛金総額", parse_amount),
    "receivables": Arg("回収困難な売掛金等", parse_amount),
    "outstanding_loans": Arg("貸付残高", parse_amount),
    "months_paid": Arg("納付月数", _count("納付月数", "months paid")),
    "kind": Arg("解約の種類", CancellationKind.parse),
    "loans_received": Arg("貸付額", parse_amount),
}
"""How each argument is read from a cell, by parameter name: one entry serves every function."""


if os.name == "nt":  # classic: the Python behind Excel has no console, so internal errors go to a file
    excel_values.log_to_file()
elif sys.platform == "emscripten":  # xlwings Lite (Pyodide): no file to keep; stderr shows in Lite's output pane
    excel_values.log_to_stderr()


# ================================================================== first debit (初回振替)


@excel_values.compute_cached
def _first_debit(
    application_date, monthly_amount, channel, pattern, prepaid_months, scheme, designated_month, prepayment_method
) -> schedule.Payment:
    """The first debit, shared by FIRST_DEBIT and FIRST_DEBIT_AMOUNT (same arguments)."""
    return schedule.first_debit(
        schedule.Contract(
            scheme,
            monthly_amount,
            application_date,
            channel=channel,
            pattern=pattern,
            prepaid_months=prepaid_months,
            designated_month=designated_month,
            prepayment_method=prepayment_method,
        )
    )


def _first_debit_args(func):
    """The ``@xw.arg`` of FIRST_DEBIT and FIRST_DEBIT_AMOUNT, which take the same arguments."""
    for decorate in reversed(
        [
            xw.arg("application_date", doc="申込日（2024/12/2、令和6年12月2日、R6.12.2 など）", **CELL),
            xw.arg(
                "monthly_amount",
                doc="掛金月額（円）。小規模 1,000〜70,000円の500円単位、セーフティ 5,000〜200,000円の5,000円単位",
                **CELL,
            ),
            xw.arg("channel", doc="申込方法: 現金あり / 現金なし / オンライン（省略時 現金なし）", **CELL),
            xw.arg("pattern", doc="払込区分: 月払 / 半年払 / 年払（省略時 月払）", **CELL),
            xw.arg(
                "prepaid_months",
                doc="加入時の前納月数（省略時 0）。"
                "小規模は初回振替月より後の月数、セーフティは初回振替月から数えた月数",
                **CELL,
            ),
            xw.arg("scheme", doc="制度: 小規模企業共済 / 経営セーフティ共済（省略時 小規模企業共済）", **CELL),
            xw.arg("designated_month", doc="指定納付月 1〜12（半年払・年払。省略時 申込月）", **CELL),
            xw.arg("prepayment_method", doc="セーフティの前納方法: 口座振替 / 振込（省略時 口座振替）", **CELL),
        ]
    ):
        func = decorate(func)
    return func


@xw.func(category=CATEGORY)
@_first_debit_args
@xw.ret()
@excel_values.udf(ARGS)
def FIRST_DEBIT(
    application_date,
    monthly_amount,
    channel="現金なし",
    pattern="月払",
    prepaid_months=0,
    scheme="小規模企業共済",
    designated_month=None,
    prepayment_method="口座振替",
):
    """加入後の初回口座振替日。例: =FIRST_DEBIT("2024/12/2",70000,"現金なし","年払") → 2025/2/18。"""
    return _first_debit(
        application_date, monthly_amount, channel, pattern, prepaid_months, scheme, designated_month, prepayment_method
    ).date


@xw.func(category=CATEGORY)
@_first_debit_args
@xw.ret()
@excel_values.udf(ARGS)
def FIRST_DEBIT_AMOUNT(
    application_date,
    monthly_amount,
    channel="現金なし",
    pattern="月払",
    prepaid_months=0,
    scheme="小規模企業共済",
    designated_month=None,
    prepayment_method="口座振替",
):
    """加入後の初回口座振替額（円）。例: =FIRST_DEBIT_AMOUNT("2024/12/2",70000,"現金なし","年払") → 840,000。"""
    return _first_debit(
        application_date, monthly_amount, channel, pattern, prepaid_months, scheme, designated_month, prepayment_method
    ).amount


# ================================================================== deduction (掛金控除)


@xw.func(category=CATEGORY)
@xw.arg("year", doc="控除を受ける年（例: 2024）", **CELL)
@xw.arg("monthly_amount", doc="掛金月額（円、1,000〜70,000円の500円単位）", **CELL)
@xw.arg("application_date", doc="申込日", **CELL)
@xw.arg("channel", doc="申込方法: 現金あり / 現金なし / オンライン", **CELL)
@xw.arg("pattern", doc="払込区分: 月払 / 半年払 / 年払", **CELL)
@xw.arg("prepaid_months", doc="加入時の前納月数（月払のみ。省略時 0）", **CELL)
@xw.arg("discount_received", doc="その年に受け取った前納減額金（円）。省略時は計算値", **CELL)
@xw.arg("designated_month", doc="指定納付月 1〜12（半年払・年払。省略時 申込月）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def KYOSAI_DEDUCTIBLE(
    year,
    monthly_amount,
    application_date,
    channel,
    pattern,
    prepaid_months=0,
    discount_received=None,
    designated_month=None,
):
    """小規模企業共済の、その年の小規模企業共済等掛金控除額（円）＝その年の払込額−前納減額金。現金なし・オンラインで11月以降の申込は翌年から。"""
    contract = schedule.Contract(
        Scheme.SKY,
        monthly_amount,
        application_date,
        channel=channel,
        pattern=pattern,
        prepaid_months=prepaid_months,
        designated_month=designated_month,
    )
    return deduction.compute(contract, year, discount_received)


@xw.func(category=CATEGORY)
@xw.arg("year", doc="証明書の対象年（例: 2024）", **CELL)
@xw.arg("application_date", doc="申込日", **CELL)
@xw.arg("channel", doc="申込方法: 現金あり / 現金なし / オンライン", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def CERTIFICATE_DISPATCH(year, application_date, channel):
    """小規模企業共済の掛金控除証明書の発送時期: "11月"、"翌年2月" または "発行なし"。"""
    # The dispatch depends on the dates of the payments only; any valid premium will do.
    lowest, _, _ = premium.bounds(Scheme.SKY, application_date)
    contract = schedule.Contract(Scheme.SKY, lowest, application_date, channel=channel)
    return certificate.dispatch(year, contract).value


# ================================================================== debit days and deadlines (振替日・期限)


@xw.func(category=CATEGORY)
@xw.arg("month", doc="年月（2024/12、令和6年12月、または日付）", **CELL)
@xw.arg("scheme", doc="制度: 小規模企業共済（18日） / 経営セーフティ共済（27日）。省略時 小規模企業共済", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def DEBIT_DATE(month, scheme="小規模企業共済"):
    """その月の口座振替日（休業日なら翌営業日）。例: =DEBIT_DATE("2024/12") → 2024/12/18。"""
    return debit.compute(month, scheme)


@xw.func(category=CATEGORY)
@xw.arg("desired_month", doc="前納（一括納付）を希望する年月", **CELL)
@xw.arg("scheme", doc="制度（省略時 小規模企業共済）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def PREPAY_DEADLINE(desired_month, scheme="小規模企業共済"):
    """前納の申出が中小機構に届くべき期限。小規模は前月20日（休業日なら前営業日）、セーフティは当月5日（休業日なら翌営業日）。"""
    return deadlines.prepayment_deadline(desired_month, scheme)


# ================================================================== prepayment discount (前納減額金)


@xw.func(category=CATEGORY)
@xw.arg("monthly_amount", doc="掛金月額（円）", **CELL)
@xw.arg("months_paid_at_once", doc="一度に払う月数（払込月を含む）", **CELL)
@xw.arg("paid_on", doc="払込日（率の判定用。省略時 今日）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def PREPAY_DISCOUNT(monthly_amount, months_paid_at_once, paid_on=None):
    """前納減額金（円）: 払込月を含めて何か月分を一度に払うか。例: =PREPAY_DISCOUNT(70000,12) → 4,158。"""
    return discount.compute(monthly_amount, months_paid_at_once, paid_on or calendar.today())


# ================================================================== failed debit (振替不能)

FAILED_DEBIT_HEADER = ("月", "請求月数", "金額", "内訳")


@xw.func(category=CATEGORY)
@xw.arg("failed_month", doc="振替不能になった年月", **CELL)
@xw.arg("scheme", doc="制度（省略時 小規模企業共済）", **CELL)
@xw.arg("monthly_amount", doc="掛金月額（円）。省略すると金額欄は空欄", **CELL)
@xw.ret()
@excel_values.udf(ARGS, table=True)
def FAILED_DEBIT_PLAN(failed_month, scheme="小規模企業共済", monthly_amount=None):
    """振替不能の後、各月に請求される月数と金額の表（見出し行つき: 月・請求月数・金額・内訳）。"""
    if monthly_amount is not None:  # the premium rules in force in the month of the failure
        premium.validate(monthly_amount, scheme, failed_month.first_day)
    rows = failed_debit.plan(failed_month, scheme, monthly_amount or 0)
    return (
        FAILED_DEBIT_HEADER,
        *(
            (
                b.month.ja(),
                len(b.months_billed),
                b.amount if monthly_amount is not None else None,
                "、".join(m.ja() for m in b.months_billed) or "請求なし",
            )
            for b in rows
        ),
    )


# ================================================================== tax saving (節税額)


@xw.func(category=CATEGORY)
@xw.arg("taxable_income", doc="課税される所得金額（円）", **CELL)
@xw.arg("monthly_amount", doc="小規模企業共済の掛金月額（円）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def KYOSAI_TAX_SAVING(taxable_income, monthly_amount):
    """小規模企業共済の掛金による年間の節税額（所得税・復興税・住民税、中小機構のシミュレーションと同じ計算）。"""
    return tax_saving.compute(taxable_income, monthly_amount, calendar.today())  # this year's tax tables


# ================================================================== eligibility (加入資格)


@xw.func(category=CATEGORY)
@xw.arg("industry", doc="業種（製造業、小売業、サービス業、宿泊業 など）。士業法人社員は空欄可", **CELL)
@xw.arg("employees", doc="常時使用する従業員数", **CELL)
@xw.arg("member_type", doc="加入者区分: 個人事業主 / 共同経営者 / 会社役員 / 士業法人社員（省略時 個人事業主）", **CELL)
@xw.ret()
@excel_values.udf(ARGS, industry=Arg("業種", SkyIndustry.parse, blank_is_none=True))
def SKY_ELIGIBLE(industry, employees, member_type="個人事業主"):
    """小規模企業共済に加入できる従業員数か（TRUE/FALSE）。商業・サービス業は5人以下、その他は20人以下。"""
    return excel_values.holds(eligibility.validate_sky, industry, employees, member_type, on=calendar.today())


@xw.func(category=CATEGORY)
@xw.arg(
    "industry",
    doc="業種（製造業、卸売業、サービス業、小売業、ゴム製品製造業、ソフトウェア業・情報処理サービス業、旅館業 など）",
    **CELL,
)
@xw.arg("capital", doc="資本金（円）。個人事業主は空欄", **CELL)
@xw.arg("employees", doc="常時使用する従業員数", **CELL)
@xw.arg("business_start_date", doc="事業開始日（1年以上の事業継続を確認。省略可）", **CELL)
@xw.arg("as_of", doc="判定日（省略時 今日）", **CELL)
@xw.arg("tax_arrears", doc="税の滞納: なし / あり（省略時 なし）", **CELL)
@xw.arg("entity_type", doc="法人の種類（医療法人、NPO法人 などは加入不可。省略可）", **CELL)
@xw.ret()
@excel_values.udf(
    ARGS,
    industry=Arg("業種", SafetyIndustry.parse),
    employees=Arg("従業員数", _count("従業員数", "number of employees"), blank_is_none=True),
)
def SAFETY_ELIGIBLE(
    industry, capital, employees, business_start_date=None, as_of=None, tax_arrears="なし", entity_type=None
):
    """経営セーフティ共済に加入できるか（TRUE/FALSE）: 資本金または従業員数が業種の上限以下、1年以上の事業継続、税の滞納なし。"""  # noqa: E501 - Excel shows the docstring as the function's one-line description
    return excel_values.holds(
        eligibility.validate_safety,
        industry,
        capital,
        employees,
        business_start_date,
        as_of or calendar.today(),
        tax_arrears,
        entity_type,
    )


# ================================================================== SAFETY money (積立限度額・貸付・解約手当金)


@xw.func(category=CATEGORY)
@xw.arg("paid_total", doc="これまでの掛金総額（円）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def SAFETY_HEADROOM(paid_total):
    """経営セーフティ共済の積立限度額（8,000,000円）までに払い込める残りの額（円）。"""
    return safety_limit.headroom(paid_total, on=calendar.today())


@xw.func(category=CATEGORY)
@xw.arg("paid_total", doc="掛金総額（円）", **CELL)
@xw.arg("receivables", doc="回収困難となった売掛金債権等の額（円）", **CELL)
@xw.arg("outstanding_loans", doc="返済していない貸付の残高（円。省略時 0）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def SAFETY_LOAN_LIMIT(paid_total, receivables, outstanding_loans=0):
    """取引先倒産時の共済金貸付の上限（円）: 掛金総額の10倍と回収困難額の少ない方、貸付残高と合わせて8,000万円まで。"""
    return loans.loan_limit(paid_total, receivables, outstanding_loans, on=calendar.today())


@xw.func(category=CATEGORY)
@xw.arg("paid_total", doc="掛金総額（円）", **CELL)
@xw.arg("months_paid", doc="掛金を納付した月数（前納で未到来の月は含めない）", **CELL)
@xw.arg("kind", doc="解約の種類: 任意解約 / みなし解約 / 機構解約（省略時 任意解約）", **CELL)
@xw.arg("loans_received", doc="受けた共済金貸付の額（円。省略時 0）", **CELL)
@xw.ret()
@excel_values.udf(ARGS)
def SAFETY_REFUND(paid_total, months_paid, kind="任意解約", loans_received=0):
    """経営セーフティ共済の解約手当金（円）: （掛金総額−貸付額の1/10）×納付月数と解約の種類による支給率。"""
    return refund.compute(paid_total, months_paid, kind, loans_received, on=calendar.today())
