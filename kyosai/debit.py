"""Debit days (口座振替日) of the two schemes.

SKY debits on the 18th and SAFETY on the 27th of the month; on a non-business day, the next
business day. [SEED][OFF] docs/rules.md §1.3, §2.3; the days are ``SKY_DEBIT_DAY`` and
``SAFETY_DEBIT_DAY`` in the parameters.

>>> compute(Month(2024, 12), Scheme.SKY)
datetime.date(2024, 12, 18)
>>> compute(Month(2024, 12), Scheme.SAFETY)
datetime.date(2024, 12, 27)
>>> compute(Month(2025, 5), Scheme.SKY)  # 18 May 2025 is a Sunday
datetime.date(2025, 5, 19)
"""

from __future__ import annotations

import datetime

from . import calendar
from .caches import cached
from .inputs import as_month
from .labels import Scheme
from .month import Month
from .params import P

__all__ = ["debit_day", "compute"]


def debit_day(scheme: Scheme | str, on: datetime.date) -> int:
    """The nominal day of the month a scheme debits (18 for SKY, 27 for SAFETY)."""
    scheme = Scheme.parse(scheme)
    parameter = P.SKY_DEBIT_DAY if scheme is Scheme.SKY else P.SAFETY_DEBIT_DAY
    return parameter.at(on)


def compute(month: Month, scheme: Scheme | str = Scheme.SKY) -> datetime.date:
    """The date premiums for ``month`` are debited: the scheme's day, rolled to the next business day."""
    return _compute(as_month(month, "振替月", "The debit month"), Scheme.parse(scheme))


@cached  # every contract's schedule asks for the same months
def _compute(month: Month, scheme: Scheme) -> datetime.date:
    nominal = month.day(debit_day(scheme, month.first_day))
    return calendar.roll_forward(nominal)
