"""The Excel add-in (addin/udfs.py, addin/excel_values.py), called as plain Python.

Off Windows the xlwings decorators return the function unchanged, so these tests call the UDFs
directly, with arguments shaped as xlwings hands them over (``ndim=2``: a single cell ``[[v]]``,
a column ``[[v], [v]]``; dates and amounts as floats; ``None`` for an empty cell). The metadata
Excel registers (names, argument docs) is checked by decorating the module once more with
xlwings' own Windows decorators (see ``registered``).
"""

import datetime
import importlib
import importlib.util
import inspect
import logging
import sys
import types

import pytest
import xlwings as xw

from addin import excel_values, udfs
from kyosai.caches import clear_caches
from kyosai.japanese import to_excel_serial

D = datetime.date


def serial(year, month, day) -> float:
    """A date as Excel hands it to Python: a float serial."""
    return float(to_excel_serial(D(year, month, day)))


def column(*values):
    """A one-column range as xlwings delivers it with ndim=2."""
    return [[v] for v in values]


# The functions and their argument order, as the issue fixes them (optional ones may follow).
ISSUE_SIGNATURES = {
    "KYOSAI_DEDUCTIBLE": [
        "year",
        "monthly_amount",
        "application_date",
        "channel",
        "pattern",
        "prepaid_months",
        "discount_received",
    ],
    "FIRST_DEBIT": ["application_date", "monthly_amount", "channel", "pattern", "prepaid_months", "scheme"],
    "FIRST_DEBIT_AMOUNT": ["application_date", "monthly_amount", "channel", "pattern", "prepaid_months", "scheme"],
    "DEBIT_DATE": ["month", "scheme"],
    "PREPAY_DEADLINE": ["desired_month", "scheme"],
    "PREPAY_DISCOUNT": ["monthly_amount", "months_paid_at_once"],
    "CERTIFICATE_DISPATCH": ["year", "application_date", "channel"],
    "FAILED_DEBIT_PLAN": ["failed_month", "scheme", "monthly_amount"],
    "KYOSAI_TAX_SAVING": ["taxable_income", "monthly_amount"],
    "SKY_ELIGIBLE": ["industry", "employees", "member_type"],
    "SAFETY_ELIGIBLE": ["industry", "capital", "employees", "business_start_date", "as_of"],
    "SAFETY_HEADROOM": ["paid_total"],
    "SAFETY_LOAN_LIMIT": ["paid_total", "receivables", "outstanding_loans"],
    "SAFETY_REFUND": ["paid_total", "months_paid", "kind", "loans_received"],
}
# Arguments the issue writes without brackets: the rest must be optional.
ISSUE_REQUIRED = {
    "KYOSAI_DEDUCTIBLE": 5,
    "FIRST_DEBIT": 2,
    "FIRST_DEBIT_AMOUNT": 2,
    "DEBIT_DATE": 1,
    "PREPAY_DEADLINE": 1,
    "PREPAY_DISCOUNT": 2,
    "CERTIFICATE_DISPATCH": 3,
    "FAILED_DEBIT_PLAN": 1,
    "KYOSAI_TAX_SAVING": 2,
    "SKY_ELIGIBLE": 2,
    "SAFETY_ELIGIBLE": 3,
    "SAFETY_HEADROOM": 1,
    "SAFETY_LOAN_LIMIT": 2,
    "SAFETY_REFUND": 2,
}


# ------------------------------------------------------------------------------------ shape

INERT = (xw.func, xw.arg, xw.ret)  # as imported here, before any test swaps in the Windows ones


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the decorators register the functions")
def test_the_decorators_are_inert_here_and_the_functions_callable():
    func, arg, ret = INERT

    def f(x):
        return x

    assert func(f) is f and arg("x", doc="…")(f) is f and ret()(f) is f
    assert not hasattr(f, "__xlfunc__") and not hasattr(udfs.FIRST_DEBIT, "__xlfunc__")
    assert callable(udfs.FIRST_DEBIT) and udfs.DEBIT_DATE("2024-12") == D(2024, 12, 18)


@pytest.mark.parametrize("name", sorted(ISSUE_SIGNATURES))
def test_names_argument_order_and_optional_arguments_follow_the_issue(name):
    params = list(inspect.signature(getattr(udfs, name)).parameters.values())
    expected = ISSUE_SIGNATURES[name]
    assert [p.name for p in params[: len(expected)]] == expected
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    assert required == expected[: ISSUE_REQUIRED[name]]


def test_defaults_are_sky_no_cash_monthly():
    for name in ("FIRST_DEBIT", "FIRST_DEBIT_AMOUNT"):
        params = inspect.signature(getattr(udfs, name)).parameters
        assert (params["channel"].default, params["pattern"].default, params["scheme"].default) == (
            "現金なし",
            "月払",
            "小規模企業共済",
        )
    assert udfs.FIRST_DEBIT("2024-12-02", 70000) == udfs.FIRST_DEBIT(
        "2024-12-02", 70000, "現金なし", "月払", 0, "小規模企業共済"
    )


# ------------------------------------------------------------------------------------ seed examples


def test_first_debit_of_the_seed_december_annual_application_without_cash():
    args = (serial(2024, 12, 2), 70000.0, "現金なし", "年払")
    assert udfs.FIRST_DEBIT(*args) == D(2025, 2, 18)
    assert udfs.FIRST_DEBIT_AMOUNT(*args) == 840_000
    # the same as text, 和暦 and English labels
    assert udfs.FIRST_DEBIT_AMOUNT("令和6年12月2日", "７万円", "debit", "annual") == 840_000


def test_safety_first_debit_with_12_months_prepaid_collects_14_months():
    assert udfs.FIRST_DEBIT_AMOUNT("2024-12-02", 100000, prepaid_months=12, scheme="経営セーフティ共済") == 1_400_000
    assert udfs.FIRST_DEBIT("2024-12-02", 100000, "現金なし", "月払", 12, "safety") == D(2025, 2, 27)


def test_sky_official_qa_october_with_9_months_prepaid():
    assert udfs.FIRST_DEBIT_AMOUNT("2024-10-01", 10000, "現金なし", "月払", 9) == 120_000


def test_prepayment_deadlines_and_debit_dates_of_december_2024():
    assert udfs.PREPAY_DEADLINE("2024-12") == D(2024, 11, 20)
    assert udfs.PREPAY_DEADLINE("2024-12", "経営セーフティ共済") == D(2024, 12, 5)
    assert udfs.PREPAY_DEADLINE("令和7年1月", "safety") == D(2025, 1, 6)
    assert udfs.DEBIT_DATE(serial(2024, 12, 1)) == D(2024, 12, 18)
    assert udfs.DEBIT_DATE("2024/12", "safety") == D(2024, 12, 27)
    assert udfs.DEBIT_DATE("2025-05") == D(2025, 5, 19)  # the 18th is a Sunday


def test_prepay_discount_official_example():
    assert udfs.PREPAY_DISCOUNT(70000, 12) == 4158
    assert udfs.PREPAY_DISCOUNT("7万", "12か月", "2017-10-31") == 23100  # 5/1000 before November 2017


def test_tax_saving_official_example():
    assert udfs.KYOSAI_TAX_SAVING(7_200_000, 50_000) == 190_200
    assert udfs.KYOSAI_TAX_SAVING("720万円", "5万") == 190_200


def test_deduction_this_year_and_next_for_cash_and_no_cash_in_december():
    cash = (70000, "2024-12-02", "現金あり", "年払")
    no_cash = (70000, "2024-12-02", "現金なし", "年払")
    assert udfs.KYOSAI_DEDUCTIBLE(2024, *cash) == 840_000
    assert udfs.KYOSAI_DEDUCTIBLE(2024, *no_cash) == 0
    assert udfs.KYOSAI_DEDUCTIBLE(2025, *no_cash) == 1_680_000
    assert udfs.KYOSAI_DEDUCTIBLE(2025, *no_cash, 0, 5103) == 1_680_000 - 5103  # discount given by hand


def test_certificate_dispatch():
    assert udfs.CERTIFICATE_DISPATCH(2024, "2024-12-02", "現金あり") == "翌年2月"
    assert udfs.CERTIFICATE_DISPATCH(2024, "2024-11-01", "オンライン") == "発行なし"
    assert udfs.CERTIFICATE_DISPATCH(2024, "2024-07-01", "現金なし") == "11月"


def test_failed_debit_plan_is_a_table_with_a_header():
    assert udfs.FAILED_DEBIT_PLAN("2024-12", "小規模企業共済", 70000) == [
        ["月", "請求月数", "金額", "内訳"],
        ["2025年1月", 0, 0, "請求なし"],
        ["2025年2月", 2, 140000, "2025年2月、2024年12月"],
        ["2025年3月", 1, 70000, "2025年3月"],
        ["2025年4月", 2, 140000, "2025年4月、2025年1月"],
    ]
    safety = udfs.FAILED_DEBIT_PLAN(serial(2024, 12, 1), "safety", 100000)
    assert safety[-1] == ["2025年2月", 3, 300000, "2025年2月、2024年12月、2025年1月"]
    assert udfs.FAILED_DEBIT_PLAN("2024-12")[2][2] is None  # no amount without a premium
    assert udfs.FAILED_DEBIT_PLAN("2024-12", "sky", 70500).startswith("#小規模企業共済の掛金月額は")


def test_eligibility_is_true_or_false_and_unreadable_input_a_message():
    assert udfs.SKY_ELIGIBLE("小売業", 5) is True
    assert udfs.SKY_ELIGIBLE("小売業", 6) is False
    assert udfs.SKY_ELIGIBLE("宿泊業", 20) is True
    assert udfs.SKY_ELIGIBLE(None, 5, "士業法人社員") is True
    assert udfs.SKY_ELIGIBLE("花屋", 3).startswith("#業種「花屋」は選べません")
    assert udfs.SAFETY_ELIGIBLE("製造業", 500_000_000, 120) is True
    assert udfs.SAFETY_ELIGIBLE("小売業", None, 51) is False  # a sole proprietor: employees alone
    assert udfs.SAFETY_ELIGIBLE("小売業", "", 50, "2024-06-01", "2025-01-06") is False  # under a year
    assert udfs.SAFETY_ELIGIBLE("小売業", "", 50, "2023-06-01", "2025-01-06") is True
    assert udfs.SAFETY_ELIGIBLE("小売業", None, 50, None, None, "あり") is False
    assert udfs.SAFETY_ELIGIBLE("小売業", None, 50, None, None, "なし", "NPO法人") is False


def test_safety_headroom_loan_limit_and_refund():
    assert udfs.SAFETY_HEADROOM(7_900_000) == 100_000
    assert udfs.SAFETY_HEADROOM(8_000_001).startswith("#掛金総額8,000,001円が積立限度額")
    assert udfs.SAFETY_LOAN_LIMIT(3_000_000, 25_000_000) == 25_000_000
    assert udfs.SAFETY_LOAN_LIMIT(3_000_000, 50_000_000, 60_000_000) == 20_000_000
    assert udfs.SAFETY_REFUND(1_200_000, 12) == 960_000
    assert udfs.SAFETY_REFUND(4_000_000, 40, "機構解約") == 3_800_000
    assert udfs.SAFETY_REFUND(2_000_000, 24, "任意解約", 5_000_000) == 1_275_000


# ------------------------------------------------------------------------------------ messages


def test_bad_input_gives_a_message_naming_the_argument():
    assert udfs.FIRST_DEBIT("2024-13-01", 70000) == (
        "#申込日: 「2024-13-01」は日付として読めません（例: 2024/12/1、令和6年12月1日、R6.12.1）。"
    )
    assert udfs.FIRST_DEBIT("2024-12-02", "七万").startswith("#掛金月額: 「七万」は金額として読めません")
    assert udfs.FIRST_DEBIT("2024-12-02", 70000, "weekly").startswith("#申込方法「weekly」は選べません")
    assert udfs.FIRST_DEBIT(None, 70000) == "#申込日: 日付が空欄です。"
    assert udfs.KYOSAI_DEDUCTIBLE(2024, 70500, "2024-12-02", "現金あり", "年払").startswith(
        "#小規模企業共済の掛金月額は1,000円〜70,000円の500円単位です"
    )
    assert udfs.DEBIT_DATE("#N/A").startswith("#年月: 「#N/A」は年月として読めません")


def test_an_empty_optional_argument_takes_its_default():
    assert udfs.FIRST_DEBIT_AMOUNT("2024-12-02", 70000, None, "年払", "") == 840_000
    assert udfs.FIRST_DEBIT_AMOUNT("2024-12-02", 70000, [[None]], [["年払"]]) == 840_000


def test_a_bug_is_logged_and_shown_as_an_internal_error(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("kyosai.debit.compute", broken)
    clear_caches()
    with caplog.at_level(logging.ERROR, logger="kyosai.addin"):
        result = udfs.DEBIT_DATE([["2031-01"], ["2031-02"]])
    assert result == [[excel_values.INTERNAL_ERROR], [excel_values.INTERNAL_ERROR]]
    assert "Traceback" not in excel_values.INTERNAL_ERROR and excel_values.INTERNAL_ERROR.startswith("#内部エラー")
    assert "DEBIT_DATE" in caplog.text and "ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    clear_caches()
    assert udfs.DEBIT_DATE("2031-01") == D(2031, 1, 20)


def test_the_log_can_go_to_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KYOSAI_ADDIN_LOG", str(tmp_path / "logs" / "addin.log"))
    path = excel_values.log_to_file()
    try:
        assert path == tmp_path / "logs" / "addin.log"
        assert excel_values.log_to_file() == path and len(excel_values.logger.handlers) == 1  # not twice
        monkeypatch.setattr("kyosai.tax_saving.compute", lambda *a: 1 / 0)
        clear_caches()
        assert udfs.KYOSAI_TAX_SAVING(1_000_000, 10_000) == excel_values.INTERNAL_ERROR
        for handler in excel_values.logger.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "KYOSAI_TAX_SAVING" in text and "ZeroDivisionError" in text
    finally:
        for handler in list(excel_values.logger.handlers):
            excel_values.logger.removeHandler(handler)
            handler.close()
        clear_caches()


def test_in_xlwings_lite_the_log_goes_to_standard_error(monkeypatch, capsys):
    """Pyodide (sys.platform "emscripten") has no lasting files: Lite shows standard error in its pane."""
    monkeypatch.setattr(sys, "platform", "emscripten")
    before = list(excel_values.logger.handlers)
    try:
        importlib.reload(udfs)
        importlib.reload(udfs)  # a restart of Lite runs the module again: still one handler
        added = [h for h in excel_values.logger.handlers if h not in before]
        assert len(added) == 1 and added[0].stream is sys.stderr
        excel_values.logger.error("DEBIT_DATE failed")
        assert "kyosai.addin: DEBIT_DATE failed" in capsys.readouterr().err
    finally:
        for handler in excel_values.logger.handlers[len(before) :]:
            excel_values.logger.removeHandler(handler)
        monkeypatch.undo()
        importlib.reload(udfs)


# ------------------------------------------------------------------------------------ array form


def test_a_column_of_customers_gives_a_column_and_a_bad_row_only_its_message():
    dates = column(serial(2024, 12, 2), "2024-13-01", serial(2024, 10, 1), None, serial(2024, 12, 2))
    amounts = column(70000.0, 70000.0, 10000.0, None, 70500.0)
    result = udfs.FIRST_DEBIT_AMOUNT(dates, amounts, "現金なし", column("年払", "年払", "月払", None, "年払"))
    assert result[0] == [840_000]
    assert result[1][0].startswith("#申込日: 「2024-13-01」")
    assert result[2] == [30_000]
    assert result[3] == [None]  # an empty row stays empty
    assert result[4][0].startswith("#小規模企業共済の掛金月額は")
    assert len(result) == 5 and all(len(row) == 1 for row in result)


def test_single_values_are_used_for_every_row_and_a_1x1_range_is_a_single_value():
    assert udfs.DEBIT_DATE(column("2024-12", "2025-05"), [["safety"]]) == [[D(2024, 12, 27)], [D(2025, 5, 27)]]
    assert udfs.DEBIT_DATE([["2024-12"]]) == D(2024, 12, 18)
    assert udfs.DEBIT_DATE(["2024-12", "2025-01"]) == [[D(2024, 12, 18)], [D(2025, 1, 20)]]  # a 1-D list


def test_a_row_range_and_a_block_keep_their_shape():
    assert udfs.DEBIT_DATE([["2024-12", "2025-01", "2025-02"]]) == [[D(2024, 12, 18), D(2025, 1, 20), D(2025, 2, 18)]]
    block = udfs.PREPAY_DISCOUNT([[70000, 10000], [70000, 10000]], [[12, 13], [1, 14]])
    assert block == [[4158, 702], [0, 810]]


def test_ranges_of_different_sizes_give_one_message():
    result = udfs.FIRST_DEBIT(column(serial(2024, 12, 2), serial(2024, 12, 3)), column(70000, 70000, 70000))
    assert result == "#範囲の大きさが揃っていません（申込日: 2行×1列、掛金月額: 3行×1列）。 / ranges differ in size"


def test_the_table_function_refuses_ranges():
    assert udfs.FAILED_DEBIT_PLAN(column("2024-12", "2025-01")).startswith("#この関数は表を返すため")


def test_true_and_1_are_not_confused_by_the_caches():
    assert udfs.SAFETY_HEADROOM(column(1, True, 1.0)) == [
        [7_999_999],
        ["#掛金総額: 「True」は金額として読めません（例: 70000、70,000円、7万円）。"],
        [7_999_999],
    ]
    assert udfs.SAFETY_HEADROOM(True).startswith("#掛金総額")


def test_every_function_takes_columns():
    rows = 3
    calls = {
        "KYOSAI_DEDUCTIBLE": (column(*[2024] * rows), 70000, "2024-12-02", "現金あり", "年払"),
        "FIRST_DEBIT": (column(*["2024-12-02"] * rows), 70000),
        "FIRST_DEBIT_AMOUNT": (column(*["2024-12-02"] * rows), 70000),
        "DEBIT_DATE": (column(*["2024-12"] * rows),),
        "PREPAY_DEADLINE": (column(*["2024-12"] * rows),),
        "PREPAY_DISCOUNT": (column(*[70000] * rows), 12),
        "CERTIFICATE_DISPATCH": (column(*[2024] * rows), "2024-12-02", "現金あり"),
        "KYOSAI_TAX_SAVING": (column(*[7_200_000] * rows), 50000),
        "SKY_ELIGIBLE": (column(*["小売業"] * rows), 5),
        "SAFETY_ELIGIBLE": (column(*["小売業"] * rows), None, 50),
        "SAFETY_HEADROOM": (column(*[0] * rows),),
        "SAFETY_LOAN_LIMIT": (column(*[1_000_000] * rows), 5_000_000),
        "SAFETY_REFUND": (column(*[1_200_000] * rows), 12),
    }
    assert set(calls) | {"FAILED_DEBIT_PLAN"} == set(ISSUE_SIGNATURES)
    for name, args in calls.items():
        result = getattr(udfs, name)(*args)
        single = getattr(udfs, name)(*[a[0][0] if isinstance(a, list) else a for a in args])
        assert result == [[single]] * rows, name
        assert not (isinstance(single, str) and single.startswith("#")), (name, single)


def test_results_are_cached_and_the_caches_emptied_on_a_new_day(monkeypatch):
    clear_caches()
    udfs.KYOSAI_TAX_SAVING(column(7_200_000, 7_200_000, 3_000_000), 50000)
    assert udfs.KYOSAI_TAX_SAVING.cache_info().currsize == 2
    monkeypatch.setattr(excel_values, "_cache_day", D(2000, 1, 1))
    udfs.KYOSAI_TAX_SAVING(7_200_000, 50000)
    assert udfs.KYOSAI_TAX_SAVING.cache_info().currsize == 1


# ------------------------------------------------------------------------------------ xlwings metadata


@pytest.fixture(scope="module")
def registered():
    """addin/udfs.py decorated by xlwings' Windows decorators (xlwings.udfs.xlfunc/xlarg/xlret).

    Off Windows ``xlwings.udfs`` cannot be imported (it needs pywin32), so its COM modules are
    stubbed for the import; the decorators themselves are plain Python. They raise "Invalid
    argument name" for an ``@xw.arg`` that names no parameter, and fill ``__xlfunc__``, which is
    what "Import Functions" turns into VBA and function-wizard help.
    """
    if sys.platform == "win32":  # pragma: no cover - the real thing
        yield udfs, importlib.import_module("xlwings.udfs")
        return
    stubs = {name: types.ModuleType(name) for name in ("pythoncom", "pywintypes", "win32com", "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = object
    stubs["win32com"].client = stubs["win32com.client"]
    with pytest.MonkeyPatch.context() as mp:
        for name, module in stubs.items():
            mp.setitem(sys.modules, name, module)
        mp.delitem(sys.modules, "xlwings.udfs", raising=False)
        try:
            windows = importlib.import_module("xlwings.udfs")
        except ImportError as error:  # pragma: no cover - a future xlwings needing more of pywin32
            pytest.skip(f"xlwings.udfs cannot be imported here: {error}")
        finally:
            sys.modules.pop("xlwings.udfs", None)
        mp.setattr(xw, "func", windows.xlfunc)
        mp.setattr(xw, "arg", windows.xlarg)
        mp.setattr(xw, "ret", windows.xlret)
        spec = importlib.util.spec_from_file_location("addin._udfs_registered", udfs.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module, windows


def test_the_windows_decorators_reject_an_argument_name_that_is_no_parameter(registered):
    _, windows = registered

    def F(month):
        return month

    with pytest.raises(Exception, match="Invalid argument name 'monht'"):
        windows.xlarg("monht", doc="typo")(F)


def test_exactly_the_issue_functions_are_registered(registered):
    module, _ = registered
    names = {name for name, value in vars(module).items() if hasattr(value, "__xlfunc__")}
    assert names == set(ISSUE_SIGNATURES)


@pytest.mark.parametrize("name", sorted(ISSUE_SIGNATURES))
def test_every_xw_arg_names_a_real_parameter_with_a_short_japanese_doc(registered, name):
    module, _ = registered
    func = getattr(module, name)
    meta = func.__xlfunc__
    parameters = list(inspect.signature(func).parameters)
    assert meta["name"] == name
    assert [a["name"] for a in meta["args"]] == parameters
    for arg in meta["args"]:
        assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])  # every arg has an @xw.arg
        assert len(arg["doc"]) <= 255 and _has_japanese(arg["doc"]), (name, arg["name"])
        assert arg["options"] == {"ndim": 2, "err_to_str": True}, (name, arg["name"])
    doc = meta["ret"]["doc"]
    assert len(doc) <= 255 and _has_japanese(doc)  # Excel's function wizard shows at most 255
    assert meta["category"] == udfs.CATEGORY
    assert not func.__annotations__  # xlwings would take annotations as converters


VBA_KEYWORDS = {
    "and",
    "as",
    "boolean",
    "byref",
    "byte",
    "byval",
    "call",
    "case",
    "const",
    "currency",
    "date",
    "decimal",
    "declare",
    "dim",
    "do",
    "double",
    "each",
    "else",
    "elseif",
    "empty",
    "end",
    "enum",
    "eqv",
    "erase",
    "error",
    "event",
    "exit",
    "false",
    "for",
    "friend",
    "function",
    "get",
    "global",
    "gosub",
    "goto",
    "if",
    "imp",
    "implements",
    "in",
    "integer",
    "is",
    "let",
    "like",
    "long",
    "loop",
    "lset",
    "me",
    "mod",
    "new",
    "next",
    "not",
    "nothing",
    "null",
    "object",
    "on",
    "option",
    "optional",
    "or",
    "paramarray",
    "preserve",
    "private",
    "property",
    "public",
    "raiseevent",
    "redim",
    "rem",
    "resume",
    "return",
    "rset",
    "select",
    "set",
    "single",
    "static",
    "step",
    "stop",
    "string",
    "sub",
    "then",
    "to",
    "true",
    "type",
    "typeof",
    "until",
    "variant",
    "wend",
    "while",
    "with",
    "withevents",
    "xor",
    "caller",
}


def test_parameter_names_are_usable_in_the_generated_vba():
    """Import Functions writes a VBA wrapper whose parameters are the Python names."""
    for name in ISSUE_SIGNATURES:
        for parameter in inspect.signature(getattr(udfs, name)).parameters:
            assert parameter.isascii() and parameter.lower() not in VBA_KEYWORDS, (name, parameter)
            assert len(parameter) <= 31 and not parameter.startswith("_")


def _has_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)
