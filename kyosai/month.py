"""Calendar months as a value (年月).

Premiums are due per calendar month, debits happen on a day of a month, prepayments cover
months; :class:`Month` is that unit, with the arithmetic the rules need.

>>> m = Month(2024, 12)
>>> m + 2, str(m - 1), Month(2025, 2) - m
(Month(2025, 2), '2024-11', 2)
>>> m.day(18)
datetime.date(2024, 12, 18)
>>> Month.of(datetime.date(2024, 12, 31))
Month(2024, 12)
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from .errors import OutOfRange

__all__ = ["Month", "MONTHS_PER_YEAR", "period_end", "elapses_on"]

MONTHS_PER_YEAR = 12  # a calendar fact, not a scheme parameter


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ``Month(2024, 12)`` is December 2024."""

    year: int
    month: int

    def __post_init__(self):
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise OutOfRange(
                f"{self.year}年{self.month}月という月はありません。",
                f"There is no month {self.year}-{self.month}.",
                value=(self.year, self.month),
            )

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        """The month a date falls in."""
        return cls.from_index(day.year * 12 + day.month - 1)

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return _month_at(index) if cls is Month else cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> Month:
        if not isinstance(months, int):
            return NotImplemented
        return Month.from_index(self.year * 12 + self.month - 1 + months)  # self.index, inlined (hot)

    def __sub__(self, other):
        if isinstance(other, Month):
            return (self.year - other.year) * 12 + self.month - other.month  # index − index, inlined (hot)
        if isinstance(other, int):
            return Month.from_index(self.year * 12 + self.month - 1 - other)
        return NotImplemented

    def day(self, day: int) -> datetime.date:
        """The date of ``day`` in this month (clipped to the month's last day)."""
        return datetime.date(self.year, self.month, min(day, self.last_day.day))

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        return (self + 1).first_day - datetime.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month})"

    def ja(self) -> str:
        """Japanese display: ``2024年12月``."""
        return f"{self.year}年{self.month}月"


@functools.lru_cache(maxsize=4096, typed=True)
def _month_at(index: int) -> Month:
    """The month of an index, built once: months are immutable, so arithmetic shares them (speed)."""
    return Month(index // 12, index % 12 + 1)


def period_end(first_day: datetime.date, months: int) -> datetime.date:
    """The last day of a period of ``months`` months whose first counted day is ``first_day``.

    Japanese law reckons periods of months and years by the calendar (民法 第143条): the period
    ends on the day **before** the day of the last month that corresponds to the first day
    (起算日に応当する日); when the last month has no such day, on that month's **last day**.
    Whether the day of an event counts is the caller's to say (民法 第140条): a period reckoned
    *from an event* (a cancellation, a bankruptcy) starts the next day; a period that starts at
    midnight (a business running from its first day) starts that day.

    >>> period_end(datetime.date(2023, 12, 1), 12)   # a business started 2023-12-01
    datetime.date(2024, 11, 30)
    >>> period_end(datetime.date(2024, 11, 1), 24)   # 2 years from a cancellation on 2024-10-31
    datetime.date(2026, 10, 31)
    >>> period_end(datetime.date(2028, 3, 1), 24)    # ... on 2028-02-29
    datetime.date(2030, 2, 28)
    >>> period_end(datetime.date(2025, 1, 31), 1)    # no 31 February: the end of February
    datetime.date(2025, 2, 28)
    """
    last_month = Month.of(first_day) + months
    if first_day.day > last_month.last_day.day:
        return last_month.last_day
    return last_month.day(first_day.day) - datetime.timedelta(days=1)


def elapses_on(event_day: datetime.date, months: int) -> datetime.date:
    """The day on which ``months`` months from an event on ``event_day`` elapse (…を経過する日).

    The event's own day is not counted (民法 第140条), so this is the same day of the month
    ``months`` later, the last day of a shorter month, and the last day of the month when the
    event fell on a month's last day.

    >>> elapses_on(datetime.date(2024, 10, 31), 24), elapses_on(datetime.date(2024, 1, 15), 6)
    (datetime.date(2026, 10, 31), datetime.date(2024, 7, 15))
    >>> elapses_on(datetime.date(2024, 8, 31), 6), elapses_on(datetime.date(2024, 2, 29), 6)
    (datetime.date(2025, 2, 28), datetime.date(2024, 8, 31))
    """
    return period_end(event_day + datetime.timedelta(days=1), months)
