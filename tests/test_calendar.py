"""Business days, debit days and deadlines: the seed's dates and the calendar's edge cases."""

import datetime as dt
from pathlib import Path

import pytest

from kyosai import calendar, deadlines, debit
from kyosai.errors import LateRequest, OutOfRange
from kyosai.labels import Scheme
from kyosai.month import Month

D = dt.date


@pytest.mark.parametrize(
    "day, business, reason",
    [
        (D(2024, 12, 18), True, None),
        (D(2024, 12, 30), True, None),  # Monday before the bank holidays
        (D(2024, 12, 31), False, "年末年始（金融機関休業日）"),
        (D(2025, 1, 1), False, "元日"),
        (D(2025, 1, 2), False, "年末年始（金融機関休業日）"),
        (D(2025, 1, 3), False, "年末年始（金融機関休業日）"),
        (D(2025, 1, 6), True, None),
        (D(2024, 11, 4), False, "振替休日"),  # 文化の日 on Sunday
        (D(2026, 9, 22), False, "国民の休日"),  # between 敬老の日 and 秋分の日
        (D(2025, 3, 20), False, "春分の日"),
        (D(2024, 12, 21), False, "土曜日"),
        (D(2024, 12, 22), False, "日曜日"),
    ],
)
def test_business_days(day, business, reason):
    assert calendar.is_business_day(day) is business
    assert calendar.closure_reason(day) == reason


@pytest.mark.parametrize(
    "day, following, preceding",
    [
        (D(2024, 12, 27), D(2024, 12, 30), D(2024, 12, 26)),
        (D(2024, 12, 30), D(2025, 1, 6), D(2024, 12, 27)),
        (D(2025, 5, 2), D(2025, 5, 7), D(2025, 5, 1)),  # Golden Week
    ],
)
def test_next_and_previous_business_day(day, following, preceding):
    assert calendar.next_business_day(day) == following
    assert calendar.previous_business_day(day) == preceding


def test_years_outside_the_calendar_are_refused():
    with pytest.raises(OutOfRange) as info:
        calendar.closure_reason(D(2150, 1, 5))
    assert "2150" in info.value.message_ja
    with pytest.raises(OutOfRange):
        calendar.roll_forward(D(2150, 1, 5))  # refused, not searched for ever
    assert calendar.is_business_day(D(2150, 1, 5)) is False  # an is_ question never raises


@pytest.mark.parametrize(
    "month, scheme, expected",
    [
        (Month(2024, 12), Scheme.SKY, D(2024, 12, 18)),  # seed: 12月18日(水曜)
        (Month(2024, 12), Scheme.SAFETY, D(2024, 12, 27)),  # seed: 12月27日(金曜)
        (Month(2025, 2), Scheme.SKY, D(2025, 2, 18)),  # seed example's first debit
        (Month(2025, 1), Scheme.SKY, D(2025, 1, 20)),  # 18th is a Saturday
        (Month(2025, 9), Scheme.SAFETY, D(2025, 9, 29)),  # 27th is a Saturday
        (Month(2025, 12), Scheme.SAFETY, D(2025, 12, 29)),  # 27th Saturday → Monday 29th
        (Month(2026, 12), Scheme.SAFETY, D(2026, 12, 28)),
    ],
)
def test_debit_days(month, scheme, expected):
    assert debit.compute(month, scheme) == expected


@pytest.mark.parametrize(
    "month, scheme, online, expected",
    [
        (Month(2024, 12), Scheme.SKY, False, D(2024, 11, 20)),  # seed: 11月20日(水曜)
        (Month(2024, 12), Scheme.SAFETY, False, D(2024, 12, 5)),  # seed: 12月5日(木曜)
        (Month(2025, 1), Scheme.SAFETY, False, D(2025, 1, 6)),  # seed: 1月6日(月曜)
        (Month(2024, 11), Scheme.SKY, False, D(2024, 10, 18)),  # 20 Oct 2024 is a Sunday → Friday
        (Month(2024, 11), Scheme.SKY, True, D(2024, 10, 20)),  # online: the 20th even on Sunday
        (Month(2025, 5), Scheme.SAFETY, False, D(2025, 5, 7)),  # Golden Week → next business day
        (Month(2025, 1), Scheme.SKY, False, D(2024, 12, 20)),
    ],
)
def test_deadlines(month, scheme, online, expected):
    assert deadlines.prepayment_deadline(month, scheme, online) == expected


def test_late_request_is_void():
    deadlines.validate_arrival(D(2024, 12, 5), Month(2024, 12), Scheme.SAFETY)
    with pytest.raises(LateRequest) as info:
        deadlines.validate_arrival(D(2024, 12, 6), Month(2024, 12), Scheme.SAFETY)
    assert "2024年12月05日" in info.value.message_ja and "void" in info.value.message_en
    assert deadlines.pattern_change_deadline(Month(2024, 12)) == D(2024, 11, 20)


def test_golden_timetable_matches_the_code():
    """A calendar change shows as a diff of tests/golden/: run scripts/regen_golden.py and review."""
    import runpy

    script = runpy.run_path(str(Path(__file__).parent.parent / "scripts" / "regen_golden.py"))
    golden = Path(__file__).parent / "golden"
    for name, text in script["render"]().items():
        assert (golden / name).read_text(encoding="utf-8") == text, f"{name} is out of date"


def test_the_japanese_calendar_is_holidays_own_and_imported_without_the_other_countries():
    """kyosai.calendar imports holidays' Japan module alone (the registry would import ~280 countries,
    half a second in Pyodide); the calendar is the package's own, year by year."""
    import subprocess
    import sys

    code = (
        "import sys; from kyosai import calendar; calendar.closure_reason(__import__('datetime').date(2025, 1, 1));"
        "print(sum(n.startswith('holidays.countries.') for n in sys.modules), 'holidays.countries' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "False"]

    import holidays

    from kyosai import calendar

    for year in (1949, 1989, 2019, 2020, 2021, 2025, 2099):
        assert calendar._national_holidays(year) == dict(holidays.country_holidays("JP", years=year, language="ja"))
    import holidays.countries

    assert calendar._japan_calendar() is holidays.countries.Japan  # one class: the full import reuses the module
