"""A rule is asked on the date it applies to, never on the day it is checked.

An override of the parameters (``KYOSAI_PARAMETERS``) lowers the SKY premium limit from a date. The
rules core, the validator's schemas and the Excel functions then agree on every contract — judged by
its application date — and a batch checked before the change and again after it gives the same report.
"""

import datetime

import pytest

from addin import udfs
from batchfiles import flat, rows_of, write_xlsx
from kyosai import premium, schedule
from kyosai.errors import InvalidPremium
from kyosai.labels import Scheme
from kyosai.params import P
from validator.check import validate_file

D = datetime.date
CHANGE = D(2025, 4, 1)
OVERRIDE = """
[SKY_MAX_PREMIUM]
values = [{ since = 1900-01-01, value = 70000 }, { since = 2025-04-01, value = 60000 }]
"""


@pytest.fixture
def lower_limit_from_april(tmp_path):
    path = tmp_path / "override.toml"
    path.write_text(OVERRIDE, encoding="utf-8")
    P.reload(path)  # empties every cache of answers, the Excel functions' too
    try:
        yield
    finally:
        P.reload()


def test_the_core_judges_a_premium_on_the_application_date(lower_limit_from_april):
    assert premium.validate(65000, Scheme.SKY, CHANGE - datetime.timedelta(days=1)) == 65000
    with pytest.raises(InvalidPremium):
        premium.validate(65000, Scheme.SKY, CHANGE)
    schedule.Contract(Scheme.SKY, 65000, D(2025, 3, 31))
    with pytest.raises(InvalidPremium):
        schedule.Contract(Scheme.SKY, 65000, D(2025, 4, 2))


def test_the_excel_functions_agree(lower_limit_from_april):
    assert udfs.FIRST_DEBIT(D(2025, 3, 31), 65000) == D(2025, 5, 19)
    assert udfs.FIRST_DEBIT(D(2025, 4, 2), 65000).startswith("#小規模企業共済の掛金月額は1,000円〜60,000円")
    assert udfs.FAILED_DEBIT_PLAN("2025-03", "sky", 65000)[1][0] == "2025年4月"
    assert udfs.FAILED_DEBIT_PLAN("2025-04", "sky", 65000).startswith("#小規模企業共済の掛金月額は")


@pytest.mark.parametrize("as_of", [D(2025, 3, 31), D(2025, 4, 30), D(2026, 1, 5)])
def test_the_validator_agrees_whenever_the_batch_is_checked(lower_limit_from_april, tmp_path, as_of):
    path = write_xlsx(
        tmp_path / "sky.xlsx",
        "sky-application",
        rows_of(
            "sky-application",
            [
                dict(application_date="2025-03-31", monthly_amount="65000"),  # row 4: before
                dict(
                    receipt_no="A-0002",
                    name="佐藤 一",
                    name_kana="サトウ ハジメ",
                    account_holder_kana="サトウ ハジメ",
                    birth_date="1960-01-01",
                    application_date="2025-03-31",
                    monthly_amount="65000",
                ),
                dict(
                    receipt_no="A-0003",
                    name="鈴木 一",
                    name_kana="スズキ ハジメ",
                    account_holder_kana="スズキ ハジメ",
                    birth_date="1961-01-01",
                    application_date="2025-03-28",
                    monthly_amount="60000",
                ),
            ],
        ),
    )
    report = validate_file(path, isolated=False, as_of=as_of).report
    assert [f for f in flat(report) if f[2] == "invalid-premium"] == []
    later = write_xlsx(
        tmp_path / "later.xlsx",
        "sky-application",
        rows_of("sky-application", [dict(application_date="2025-04-01", monthly_amount="65000")]),
    )
    if as_of >= D(2025, 4, 1):  # an application after the change is judged by the new limit
        assert "invalid-premium" in {
            code for *_, code in flat(validate_file(later, isolated=False, as_of=as_of).report)
        }


# ------------------------------------------------------------------ today only at the edges


def test_the_rules_core_never_reads_the_clock():
    """Only :func:`kyosai.calendar.today` reads the wall clock in ``kyosai/``; no rule calls it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "kyosai"
    clocks = {"today", "now", "utcnow", "time", "localtime", "gmtime", "monotonic"}
    readers, callers = [], []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                    owner = ast.unparse(call.func.value)
                    if call.func.attr in clocks and owner in {"datetime.date", "datetime.datetime", "date", "time"}:
                        readers.append(f"{path.name}:{node.name}")
                    if call.func.attr == "today" and owner == "calendar":
                        callers.append(f"{path.name}:{node.name}")
    assert readers == ["calendar.py:today"]
    assert all(c.startswith("cli.py:") for c in callers), callers  # the command line: an edge


def test_today_is_the_date_in_japan():
    from kyosai import calendar

    japan = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=9)).date()
    assert calendar.today() in {japan, japan + datetime.timedelta(days=1)}  # a midnight in between


def test_a_rule_asked_without_its_date_says_so():
    from kyosai import eligibility, safety_limit, tax_saving
    from kyosai.errors import MissingValue

    for ask in (
        lambda: premium.bounds(Scheme.SKY, None),
        lambda: safety_limit.headroom(0, on=None),
        lambda: tax_saving.compute(7_200_000, 70_000, None),
        lambda: eligibility.validate_safety("製造業", None, 3, D(2024, 1, 1)),
    ):
        with pytest.raises(MissingValue) as info:
            ask()
        assert info.value.message_ja == "基準日が空欄です。"
    with pytest.raises(MissingValue):
        P.SKY_MAX_PREMIUM.at(None)


SAFETY_OVERRIDE = """
[SAFETY_TOTAL_LIMIT]
values = [{ since = 1900-01-01, value = 8000000 }, { since = 2025-04-01, value = 6000000 }]
"""


def test_the_excel_functions_without_a_date_ask_on_today_in_japan(tmp_path, monkeypatch):
    """SAFETY_HEADROOM has no date argument: it is asked on today's date, and a cached answer of
    yesterday is not served once the day has changed."""
    from kyosai import calendar

    path = tmp_path / "override.toml"
    path.write_text(SAFETY_OVERRIDE, encoding="utf-8")
    P.reload(path)
    try:
        monkeypatch.setattr(calendar, "today", lambda: D(2025, 3, 31))
        assert udfs.SAFETY_HEADROOM(1_000_000) == 7_000_000
        assert udfs.SAFETY_ELIGIBLE("製造業", None, 3, D(2024, 4, 1)) is False  # 1 year on 2025-04-01
        monkeypatch.setattr(calendar, "today", lambda: D(2025, 4, 1))
        assert udfs.SAFETY_HEADROOM(1_000_000) == 5_000_000
        assert udfs.SAFETY_ELIGIBLE("製造業", None, 3, D(2024, 4, 1)) is True
        assert udfs.SAFETY_ELIGIBLE("製造業", None, 3, D(2024, 4, 1), D(2025, 3, 31)) is False  # its own date
    finally:
        P.reload()


def test_records_share_an_answer_only_within_a_parameter_epoch(tmp_path):
    """A dated rule is asked once per epoch of its date (the spans between the dates rules change):
    lodging moved to the 20-employee band on 2014-04-01, the date SKY_EMPLOYEES_LODGING_ENTERTAINMENT
    takes its second value."""
    assert D(2014, 4, 1) in P.change_dates() and P.epoch(D(2014, 3, 31)) != P.epoch(D(2014, 4, 1))
    assert P.epoch(D(2014, 4, 1)) == P.epoch(D(2014, 4, 2))
    rows = [
        dict(
            receipt_no=f"A-000{i}",
            name=f"宿泊 {i}",
            name_kana="シュクハク",
            account_holder_kana="シュクハク",
            birth_date=f"196{i}-01-01",
            application_date=day,
            industry="宿泊業",
            employees="6",
            channel="現金あり",
        )
        for i, day in enumerate(["2014-03-31", "2014-04-01", "2014-03-28"], start=1)
    ]
    path = write_xlsx(tmp_path / "lodging.xlsx", "sky-application", rows_of("sky-application", rows))
    report = validate_file(path, isolated=False, as_of=D(2014, 4, 30)).report
    assert [row for row, _, code in flat(report) if code == "not-eligible"] == [4, 6]
