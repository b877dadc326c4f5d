"""One table of Excel calls for both editions of the add-in: classic xlwings and xlwings Lite.

Each :class:`Case` is a formula as a clerk writes it — a function and what its argument cells
hold — and, where docs/rules.md or the official examples give it, the answer. The two editions hand the
same cells to Python differently, so a cell is written here by what it *is* and turned into what
each edition delivers:

============  =====================================  ==========================================
cell          classic xlwings (COM, ``ndim=2``)       xlwings Lite (Office.js → Pyodide)
============  =====================================  ==========================================
number        ``float`` (70000.0)                     JS number: ``int`` when whole (70000)
date          ``datetime.datetime`` (a date cell)     serial number (45628)
empty         ``None``                                JS ``null`` or ``""`` (both are tested)
error cell    its text (``err_to_str``: "#N/A")       ``{"type": "Error", "basicValue": "#N/A"}``
text, TRUE    as typed                                as typed
============  =====================================  ==========================================

``tests/test_lite.py`` calls every case in CPython the classic way and in real Pyodide the Lite
way (through the workbook's generated ``main.py``) and requires identical results.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from kyosai.japanese import to_excel_serial

D = datetime.date


@dataclass(frozen=True)
class Date:
    """A cell holding a date (typed as a date, so Excel stores its serial number)."""

    year: int
    month: int
    day: int


@dataclass(frozen=True)
class Error:
    """A cell showing an Excel error (#N/A, #VALUE!, …)."""

    text: str


EMPTY = None
"""An empty cell (or an argument left out between two commas)."""


def col(*cells: Any) -> list[list[Any]]:
    """A one-column range."""
    return [[cell] for cell in cells]


@dataclass(frozen=True)
class Case:
    """``function(*args)`` in a cell; ``expect`` is the answer where a source gives it."""

    function: str
    args: tuple
    expect: Any = ...
    note: str = ""


CASES: tuple[Case, ...] = (
    # first debit (初回振替): docs/rules.md §1.4, §2.3 and the official Q&A
    Case("FIRST_DEBIT", (Date(2024, 12, 2), 70000, "現金なし", "年払"), D(2025, 2, 18), "§1.4 seed"),
    Case("FIRST_DEBIT_AMOUNT", (Date(2024, 12, 2), 70000, "現金なし", "年払"), 840_000, "§1.4 seed"),
    Case("FIRST_DEBIT_AMOUNT", ("令和6年12月2日", "７万円", "debit", "annual"), 840_000, "text, 和暦, English labels"),
    Case("FIRST_DEBIT", (Date(2024, 12, 2), 100000, "現金なし", "月払", 12, "経営セーフティ共済"), D(2025, 2, 27)),
    Case(
        "FIRST_DEBIT_AMOUNT",
        (Date(2024, 12, 2), 100000, EMPTY, EMPTY, 12, "safety"),
        1_400_000,
        "empty optional arguments take their defaults",
    ),
    Case("FIRST_DEBIT_AMOUNT", (Date(2024, 10, 1), 10000, "現金なし", "月払", 9), 120_000, "official Q&A"),
    Case("FIRST_DEBIT", (Date(2024, 12, 2), 70000), D(2025, 2, 18), "defaults: 現金なし, 月払"),
    Case(
        "FIRST_DEBIT",
        ("2024-13-01", 70000),
        "#申込日: 「2024-13-01」は日付として読めません（例: 2024/12/1、令和6年12月1日、R6.12.1）。",
    ),
    Case("FIRST_DEBIT", (EMPTY, 70000), "#申込日: 日付が空欄です。", "a required argument left empty"),
    Case("FIRST_DEBIT", (Date(2024, 12, 2), 70000, "weekly")),
    Case("FIRST_DEBIT", (Error("#N/A"), 70000), note="an error cell is reported by name"),
    Case("FIRST_DEBIT", (Date(2024, 12, 2), 70000.5), note="a fraction of a yen"),
    Case("FIRST_DEBIT", (Date(2024, 12, 2), True), note="TRUE is not an amount"),
    # deduction and certificate (掛金控除・控除証明書): §1.4, §1.6
    Case("KYOSAI_DEDUCTIBLE", (2024, 70000, Date(2024, 12, 2), "現金あり", "年払"), 840_000),
    Case("KYOSAI_DEDUCTIBLE", (2024, 70000, Date(2024, 12, 2), "現金なし", "年払"), 0),
    Case("KYOSAI_DEDUCTIBLE", (2025, 70000, Date(2024, 12, 2), "現金なし", "年払"), 1_680_000),
    Case("KYOSAI_DEDUCTIBLE", (2025, 70000, Date(2024, 12, 2), "現金なし", "年払", 0, 5103), 1_680_000 - 5103),
    Case("KYOSAI_DEDUCTIBLE", (2024, 70500, Date(2024, 12, 2), "現金あり", "年払"), note="not a 500-yen step"),
    Case("CERTIFICATE_DISPATCH", (2024, Date(2024, 12, 2), "現金あり"), "翌年2月"),
    Case("CERTIFICATE_DISPATCH", (2024, Date(2024, 11, 1), "オンライン"), "発行なし"),
    Case("CERTIFICATE_DISPATCH", (2024, Date(2024, 7, 1), "現金なし"), "11月"),
    # debit days and deadlines (振替日・期限): §1.3, §2.3
    Case("DEBIT_DATE", ("2024/12",), D(2024, 12, 18)),
    Case("DEBIT_DATE", (Date(2024, 12, 1), "経営セーフティ共済"), D(2024, 12, 27)),
    Case("DEBIT_DATE", ("2025-05",), D(2025, 5, 19), "the 18th is a Sunday"),
    Case("DEBIT_DATE", (Error("#N/A"),)),
    Case("PREPAY_DEADLINE", (Date(2024, 12, 1),), D(2024, 11, 20)),
    Case("PREPAY_DEADLINE", ("2024-12", "経営セーフティ共済"), D(2024, 12, 5)),
    Case("PREPAY_DEADLINE", ("令和7年1月", "safety"), D(2025, 1, 6)),
    # prepayment discount (前納減額金): §1.5
    Case("PREPAY_DISCOUNT", (70000, 12, Date(2024, 10, 1)), 4158),
    Case("PREPAY_DISCOUNT", ("7万", "12か月", Date(2017, 10, 31)), 23100, "5/1000 before November 2017"),
    Case("PREPAY_DISCOUNT", (70000, 0, Date(2024, 10, 1))),
    # failed debit (振替不能): a table with a header; §1.7, §2.4
    Case(
        "FAILED_DEBIT_PLAN",
        ("2024-12", "小規模企業共済", 70000),
        [
            ["月", "請求月数", "金額", "内訳"],
            ["2025年1月", 0, 0, "請求なし"],
            ["2025年2月", 2, 140000, "2025年2月、2024年12月"],
            ["2025年3月", 1, 70000, "2025年3月"],
            ["2025年4月", 2, 140000, "2025年4月、2025年1月"],
        ],
    ),
    Case("FAILED_DEBIT_PLAN", (Date(2024, 12, 1), "safety", 100000)),
    Case("FAILED_DEBIT_PLAN", ("2024-12",), note="no premium: the amount column stays empty"),
    Case("FAILED_DEBIT_PLAN", (col("2024-12", "2025-01"),), note="a range is refused"),
    # tax saving (節税額): §1.9
    Case("KYOSAI_TAX_SAVING", (7_200_000, 50_000), 190_200),
    Case("KYOSAI_TAX_SAVING", ("720万円", "5万"), 190_200),
    # eligibility (加入資格): TRUE / FALSE
    Case("SKY_ELIGIBLE", ("小売業", 5), True),
    Case("SKY_ELIGIBLE", ("小売業", 6), False),
    Case("SKY_ELIGIBLE", (EMPTY, 5, "士業法人社員"), True),
    Case("SKY_ELIGIBLE", ("花屋", 3), note="an unknown industry"),
    Case("SAFETY_ELIGIBLE", ("製造業", 500_000_000, 120), True),
    Case("SAFETY_ELIGIBLE", ("小売業", EMPTY, 51), False, "an empty capital: a sole proprietor"),
    Case("SAFETY_ELIGIBLE", ("小売業", EMPTY, 50, Date(2024, 6, 1), Date(2025, 1, 6)), False, "under a year"),
    Case("SAFETY_ELIGIBLE", ("小売業", "", 50, Date(2023, 6, 1), Date(2025, 1, 6)), True),
    Case("SAFETY_ELIGIBLE", ("小売業", EMPTY, 50, EMPTY, Date(2025, 1, 6), "あり"), False),
    Case("SAFETY_ELIGIBLE", ("小売業", EMPTY, 50, EMPTY, Date(2025, 1, 6), "なし", "NPO法人"), False),
    # SAFETY money (積立限度額・貸付・解約手当金): §2.1, §2.5, §2.6
    Case("SAFETY_HEADROOM", (7_900_000,), 100_000),
    Case("SAFETY_HEADROOM", (8_000_001,)),
    Case("SAFETY_LOAN_LIMIT", (3_000_000, 25_000_000), 25_000_000),
    Case("SAFETY_LOAN_LIMIT", (3_000_000, 50_000_000, 60_000_000), 20_000_000),
    Case("SAFETY_REFUND", (1_200_000, 12), 960_000),
    Case("SAFETY_REFUND", (4_000_000, 40, "機構解約"), 3_800_000),
    Case("SAFETY_REFUND", (2_000_000, 24, "任意解約", 5_000_000), 1_275_000),
    # whole columns (配列): one formula for many customers; a bad row shows only its own message
    Case(
        "FIRST_DEBIT_AMOUNT",
        (
            col(Date(2024, 12, 2), "2024-13-01", Date(2024, 10, 1), EMPTY, Date(2024, 12, 2), Error("#VALUE!")),
            col(70000, 70000, 10000, EMPTY, 70500, 70000),
            "現金なし",
            col("年払", "年払", "月払", EMPTY, "年払", "年払"),
        ),
    ),
    Case(
        "FIRST_DEBIT",
        (
            col(Date(2024, 12, 2), Date(2024, 11, 15), EMPTY),
            col(70000, 30000, EMPTY),
            col("現金なし", "オンライン", EMPTY),
            col("年払", "半年払", EMPTY),
        ),
    ),
    Case(
        "KYOSAI_DEDUCTIBLE",
        (
            2024,
            col(70000, 70000, 10000, 70500),
            col(*[Date(2024, 12, 2)] * 2, Date(2024, 10, 1), Date(2024, 12, 5)),
            col("現金なし", "現金あり", "現金なし", "現金なし"),
            col("年払", "年払", "月払", "月払"),
        ),
    ),
    Case(
        "DEBIT_DATE",
        ([["2024-12", "2025-01", "2025-02"]],),
        [[D(2024, 12, 18), D(2025, 1, 20), D(2025, 2, 18)]],
        "a row keeps its shape",
    ),
    Case("DEBIT_DATE", (col("2024-12", "2025-05"), "safety"), [[D(2024, 12, 27)], [D(2025, 5, 27)]]),
    Case(
        "PREPAY_DISCOUNT",
        ([[70000, 10000], [70000, 10000]], [[12, 13], [1, 14]], Date(2024, 10, 1)),
        [[4158, 702], [0, 810]],
        "a block keeps its shape",
    ),
    Case(
        "FIRST_DEBIT",
        (col(Date(2024, 12, 2), Date(2024, 12, 3)), col(70000, 70000, 70000)),
        "#範囲の大きさが揃っていません（申込日: 2行×1列、掛金月額: 3行×1列）。 / ranges differ in size",
    ),
    Case("SAFETY_HEADROOM", (col(1, True, 1.5),), note="TRUE and 1 are told apart"),
    Case("CERTIFICATE_DISPATCH", (col(2024, 2025), Date(2024, 12, 2), "現金あり")),
    Case("PREPAY_DEADLINE", (col(Date(2024, 12, 1), Date(2025, 1, 1)), "経営セーフティ共済")),
    Case("KYOSAI_TAX_SAVING", (col(7_200_000, 3_000_000), 50_000)),
    Case("SKY_ELIGIBLE", (col("小売業", "製造業", "宿泊業"), col(5, 21, 20))),
    Case("SAFETY_ELIGIBLE", (col("小売業", "製造業"), EMPTY, col(50, 301), EMPTY, Date(2025, 1, 6))),
    Case("SAFETY_HEADROOM", (col(0, 8_000_000),)),
    Case("SAFETY_LOAN_LIMIT", (col(1_000_000, 3_000_000), 5_000_000)),
    Case("SAFETY_REFUND", (col(1_200_000, 4_000_000), col(12, 40), "機構解約")),
)
"""Every function, single values and whole columns, good input and bad (a bad row, an error cell)."""


# ------------------------------------------------------------------------- what each edition hands over


def _cells(value: Any, cell) -> Any:
    if isinstance(value, list):
        return [[cell(v) for v in row] for row in value]
    return [[cell(value)]]  # @xw.arg(ndim=2): a single cell arrives as [[v]]


def _classic_cell(value: Any) -> Any:
    if isinstance(value, Date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, Error):
        return value.text
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # COM hands every number over as a double
    return value


def classic_args(case: Case) -> list:
    """The arguments as classic xlwings (Windows, COM) passes them to the function."""
    return [_cells(arg, _classic_cell) for arg in case.args]


def _lite_cell(empty: Any):
    def cell(value: Any) -> Any:
        if value is None:
            return empty
        if isinstance(value, Date):
            return to_excel_serial(D(value.year, value.month, value.day))
        if isinstance(value, Error):
            return {"type": "Error", "basicValue": value.text}
        return value

    return cell


def lite_args(case: Case, empty: Any = None) -> list:
    """The arguments as Office.js gives them to xlwings Lite (JSON-able: the test sends them through
    JavaScript into Pyodide). ``empty`` is what an empty cell arrives as: JS ``null`` or ``""``."""
    return [_cells(arg, _lite_cell(empty)) for arg in case.args]


def canonical(value: Any) -> Any:
    """A result with every value's type spelled out, so that 1, 1.0 and TRUE never compare equal."""
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if value is None:
        return None
    return f"{type(value).__name__}:{value.isoformat() if isinstance(value, datetime.date) else value}"
