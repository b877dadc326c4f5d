"""Deadlines for requests to reach headquarters (中小機構への到着期限).

- SKY pattern / designated-month change (様式204) and lump-sum prepayment (様式205): the form must
  arrive by the **20th of the month before** the desired month; on a non-business day, the
  **previous** business day. An online request may be completed on the 20th itself (until 23:59)
  even when it is a holiday. [SEED] docs/rules.md §1.3. The day is ``SKY_CHANGE_DEADLINE_DAY``
  ([DECISION] 20th, not the 15th of an old page: docs/rules.md §5 question 1).
- SAFETY prepayment (様式214) and monthly-amount change: must arrive by the **5th of the desired
  month**; on a non-business day, the **next** business day. A late request is void. [SEED][OFF]
  docs/rules.md §2.3.

Seed checks for December 2024 and January 2025:

>>> prepayment_deadline(Month(2024, 12), Scheme.SKY)
datetime.date(2024, 11, 20)
>>> prepayment_deadline(Month(2024, 12), Scheme.SAFETY)
datetime.date(2024, 12, 5)
>>> prepayment_deadline(Month(2025, 1), Scheme.SAFETY)
datetime.date(2025, 1, 6)
"""

from __future__ import annotations

import datetime

from . import calendar
from .errors import LateRequest
from .inputs import accepts, as_date, as_month
from .labels import Scheme
from .month import Month
from .params import P

__all__ = ["prepayment_deadline", "pattern_change_deadline", "is_on_time", "validate_arrival"]


def prepayment_deadline(desired: Month, scheme: Scheme | str = Scheme.SKY, online: bool = False) -> datetime.date:
    """The last day a prepayment request for ``desired`` may reach headquarters.

    SKY: 20th of the month before, previous business day (online: the 20th itself).
    SAFETY: 5th of the desired month, next business day (online: the same day, by 23:59).

    >>> prepayment_deadline(Month(2025, 7), Scheme.SKY)  # 20 June 2025 is a Friday
    datetime.date(2025, 6, 20)
    >>> prepayment_deadline(Month(2025, 8), Scheme.SKY), prepayment_deadline(Month(2025, 8), Scheme.SKY, online=True)
    (datetime.date(2025, 7, 18), datetime.date(2025, 7, 20))
    """
    scheme = Scheme.parse(scheme)
    if scheme is Scheme.SKY:
        previous = desired - 1
        nominal = previous.day(P.SKY_CHANGE_DEADLINE_DAY.at(previous.first_day))
        return nominal if online else calendar.roll_back(nominal)
    nominal = desired.day(P.SAFETY_PREPAY_DEADLINE_DAY.at(desired.first_day))
    return calendar.roll_forward(nominal)


def pattern_change_deadline(desired: Month, online: bool = False) -> datetime.date:
    """SKY 払込区分兼指定納付月変更届 (様式204): same deadline as a SKY prepayment.

    >>> pattern_change_deadline(Month(2024, 12))
    datetime.date(2024, 11, 20)
    """
    return prepayment_deadline(desired, Scheme.SKY, online=online)


def is_on_time(
    received: datetime.date, desired: Month, scheme: Scheme | str = Scheme.SKY, online: bool = False
) -> bool:
    """True when a request received on ``received`` meets the deadline for ``desired``; else False.

    :func:`validate_arrival` accepts it; a late request and unreadable input give False.

    >>> is_on_time(datetime.date(2024, 12, 5), Month(2024, 12), Scheme.SAFETY)
    True
    >>> is_on_time(datetime.date(2024, 11, 21), Month(2024, 12), Scheme.SKY)
    False
    """
    return accepts(validate_arrival, received, desired, scheme, online)


def validate_arrival(
    received: datetime.date, desired: Month, scheme: Scheme | str = Scheme.SKY, online: bool = False
) -> datetime.date:
    """Return ``received``, or raise :class:`LateRequest` (a late request is void) unless it meets the deadline."""
    received = as_date(received, "到着日", "The arrival date")
    desired = as_month(desired, "希望月", "The desired month")
    deadline = prepayment_deadline(desired, scheme, online)
    if received > deadline:
        scheme = Scheme.parse(scheme)
        raise LateRequest(
            f"{desired.ja()}の前納申出は{deadline:%Y年%m月%d日}までに到着が必要です"
            f"（到着日 {received:%Y年%m月%d日}）。期限後の申出は無効です。",
            f"A {scheme.name} prepayment request for {desired} must arrive by {deadline.isoformat()}; "
            f"it arrived on {received.isoformat()} and is void.",
            value=received,
        )
    return received
