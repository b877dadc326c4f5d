"""The business calendar (営業日) that debits and deadlines move on.

A business day is a weekday that is not a Japanese national holiday (振替休日 and 国民の休日
included) and not a bank holiday, 31 December – 3 January (銀行法施行令第5条). [OFF] docs/rules.md §3.
National holidays come from the maintained ``holidays`` package, never from a formula: the
equinoxes are fixed each February for the next year. Bank holidays and any one-off closures are
data: ``BANK_HOLIDAYS`` and ``EXTRA_CLOSED_DAYS`` in ``kyosai/data/parameters.toml``.

>>> is_business_day(datetime.date(2024, 12, 18))
True
>>> is_business_day(datetime.date(2024, 12, 31)), is_business_day(datetime.date(2024, 11, 4))
(False, False)
>>> next_business_day(datetime.date(2025, 1, 3))
datetime.date(2025, 1, 6)
>>> previous_business_day(datetime.date(2025, 1, 4))
datetime.date(2024, 12, 30)
>>> roll_forward(datetime.date(2025, 1, 5)), roll_back(datetime.date(2025, 1, 5))
(datetime.date(2025, 1, 6), datetime.date(2024, 12, 30))
"""

from __future__ import annotations

import datetime
import importlib.util
import sys
from functools import cache
from pathlib import Path

from .caches import cached
from .errors import KyosaiError, OutOfRange
from .inputs import as_date, whole_number
from .params import P

__all__ = [
    "is_business_day",
    "closure_reason",
    "validate_year",
    "next_business_day",
    "previous_business_day",
    "roll_forward",
    "roll_back",
    "today",
    "JAPAN",
]

ONE_DAY = datetime.timedelta(days=1)
# The holidays package has the Japanese calendar from 1949 (祝日法) on; beyond a few decades
# ahead equinox dates are estimates, so refuse rather than guess.
FIRST_YEAR, LAST_YEAR = 1949, 2099


@cache
def _japan_calendar() -> type:
    """The holidays package's calendar of Japan, imported from Japan's own module.

    ``holidays.Japan`` goes through the package's registry, which first imports the modules of all
    of its ~280 countries: 0.1 s in CPython, 0.5 s in Pyodide, where xlwings Lite runs the add-in
    (the wait for the first answer after a clerk opens the workbook). Japan's module imports none
    of them. It is registered under its own name, so a later full import of the package reuses it.
    """
    import holidays  # here, not with the module: a command that never asks for a business day saves 60 ms

    name = "holidays.countries.japan"
    if name not in sys.modules:
        path = Path(holidays.__file__).parent / "countries" / "japan.py"
        spec = importlib.util.spec_from_file_location(name, path) if path.is_file() else None
        if spec is None or spec.loader is None:  # the package laid out otherwise: the registry's way
            return holidays.Japan
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name].Japan


@cache
def _national_holidays(year: int) -> dict[datetime.date, str]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutOfRange(
            f"{year}年の営業日は計算できません（{FIRST_YEAR}〜{LAST_YEAR}年）。",
            f"Business days are known for {FIRST_YEAR}–{LAST_YEAR} only, not {year}.",
            value=year,
        )
    return dict(_japan_calendar()(years=year, language="ja"))


def validate_year(year: int) -> int:
    """A year the calendar knows (:data:`FIRST_YEAR`–:data:`LAST_YEAR`); else InvalidNumber / OutOfRange.

    >>> validate_year(2024)
    2024
    >>> validate_year(1800)
    Traceback (most recent call last):
    ...
    kyosai.errors.OutOfRange: 年は1949〜2099年で指定してください（1800）。 / The year must be 1949–2099, not 1800.
    """
    year = whole_number(year, "年", "The year", minimum=None)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutOfRange(
            f"年は{FIRST_YEAR}〜{LAST_YEAR}年で指定してください（{year}）。",
            f"The year must be {FIRST_YEAR}–{LAST_YEAR}, not {year}.",
            value=year,
        )
    return year


def closure_reason(day: datetime.date) -> str | None:
    """Why ``day`` is not a business day (``"土曜日"``, the holiday's name, …), or None if it is one.

    >>> closure_reason(datetime.date(2024, 11, 4))
    '振替休日'
    >>> closure_reason(datetime.date(2025, 1, 2))
    '年末年始（金融機関休業日）'
    """
    if type(day) is not datetime.date:  # a datetime loses its time; anything else is refused (hashable or not)
        day = as_date(day, "日付", "The date")
    return _closure_reason(day)


@cached  # debits and deadlines ask about the same few dates again and again
def _closure_reason(day: datetime.date) -> str | None:
    national = _national_holidays(day.year).get(day)
    if national:
        return national
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    if day.strftime("%m-%d") in P.BANK_HOLIDAYS.at(day):
        return "年末年始（金融機関休業日）"
    if day.isoformat() in P.EXTRA_CLOSED_DAYS.at(day):
        return "臨時休業日"
    return None


def is_business_day(day: datetime.date) -> bool:
    """True on a weekday that is neither a national nor a bank holiday; else False.

    False also for a value that is not a date, or in a year the calendar does not know (those make
    :func:`closure_reason` raise).

    >>> is_business_day(datetime.date(2150, 1, 5)), is_business_day("2024-12-18")
    (False, False)
    """
    try:
        return closure_reason(day) is None
    except KyosaiError:
        return False


def next_business_day(day: datetime.date) -> datetime.date:
    """The first business day strictly after ``day``."""
    return roll_forward(day + ONE_DAY)


def previous_business_day(day: datetime.date) -> datetime.date:
    """The last business day strictly before ``day``."""
    return roll_back(day - ONE_DAY)


def roll_forward(day: datetime.date) -> datetime.date:
    """``day`` itself if it is a business day, else the next one (翌営業日: debit days, SAFETY deadlines)."""
    while closure_reason(day) is not None:  # not is_business_day: a year out of range must raise, not loop
        day += ONE_DAY
    return day


def roll_back(day: datetime.date) -> datetime.date:
    """``day`` itself if it is a business day, else the previous one (前営業日: SKY deadlines)."""
    while closure_reason(day) is not None:
        day -= ONE_DAY
    return day


#: Japan Standard Time (日本標準時): UTC+9 all year, no summer time.
JAPAN = datetime.timezone(datetime.timedelta(hours=9), "JST")


def today() -> datetime.date:
    """Today's date in Japan (本日) — the only reading of the wall clock in :mod:`kyosai`.

    The rules never call it: each is asked on the date it applies to (an application date, a desired
    month, a batch's as-of day). Only the edges — the Excel functions when a date is left out, the
    command lines, the validator's as-of default — ask for today, and they ask here, so that a server
    in another time zone still answers on the clerk's date.
    """
    return datetime.datetime.now(JAPAN).date()
