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
from dataclasses import dataclass

from .errors import OutOfRange

__all__ = ["Month"]


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
    def of(cls, day: datetime.date) -> "Month":
        """The month a date falls in."""
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> "Month":
        return cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> "Month":
        if not isinstance(months, int):
            return NotImplemented
        return Month.from_index(self.index + months)

    def __sub__(self, other):
        if isinstance(other, Month):
            return self.index - other.index
        if isinstance(other, int):
            return Month.from_index(self.index - other)
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
