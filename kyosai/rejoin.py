"""The SAFETY 2-year rule on rejoining (再加入の2年ルール). docs/rules.md §2.7 [SEED]

Tax reform of 2024 (令和6年度税制改正): when a contract is cancelled on or after 2024-10-01 and the
business joins again, premiums paid "from the cancellation date until the day on which 2 years
elapse" (その解約の日から2年を経過する日までの間に支出する掛金) are not a business expense (損金・必要経費).
Joining again is still allowed. The period is ``SAFETY_REJOIN_NON_DEDUCTIBLE_YEARS`` read on the
cancellation date: 0 years for a cancellation before 2024-10-01 (no such rule), 2 from that day.

"The day on which 2 years elapse" is counted as Japanese law counts periods (民法 第140条・第143条):
the cancellation day itself is not counted, the 2 years run from the next day and end on the
day before the corresponding day 2 years later — that is, on the **same date 2 years later**;
when the cancellation fell on a month's last day, on that month's last day 2 years later
(29 February → 28 February; 28 February 2026 → 29 February 2028).

Seed example: cancelled 2024-10-31, rejoined 2024-11-01 → not deductible until 2026-10-31.

>>> non_deductible_until(datetime.date(2024, 10, 31))
datetime.date(2026, 10, 31)
>>> is_premium_deductible(datetime.date(2026, 10, 31), datetime.date(2024, 10, 31))
False
>>> is_premium_deductible(datetime.date(2026, 11, 1), datetime.date(2024, 10, 31))
True
"""

from __future__ import annotations

import datetime

from .errors import KyosaiError
from .inputs import as_date
from .month import MONTHS_PER_YEAR, elapses_on
from .params import P

__all__ = ["non_deductible_until", "is_premium_deductible"]


def non_deductible_until(cancellation_date: datetime.date) -> datetime.date | None:
    """The last day on which premiums paid after rejoining are not deductible (2年を経過する日).

    ``SAFETY_REJOIN_NON_DEDUCTIBLE_YEARS`` (2) years from the cancellation, the cancellation day not
    counted (see the module); ``None`` when the parameter in force on the cancellation date is 0
    years — a cancellation before 2024-10-01, when the rule did not exist. [SEED]

    >>> non_deductible_until(datetime.date(2024, 9, 30)) is None
    True
    >>> non_deductible_until(datetime.date(2024, 10, 1)), non_deductible_until(datetime.date(2028, 2, 29))
    (datetime.date(2026, 10, 1), datetime.date(2030, 2, 28))
    >>> non_deductible_until(datetime.date(2026, 2, 28))
    datetime.date(2028, 2, 29)
    """
    cancelled = as_date(cancellation_date, "解約日", "The cancellation date")
    years = P.SAFETY_REJOIN_NON_DEDUCTIBLE_YEARS.at(cancelled)
    if not years:
        return None
    return elapses_on(cancelled, MONTHS_PER_YEAR * years)


def is_premium_deductible(paid_on: datetime.date, previous_cancellation_date: datetime.date | None) -> bool:
    """True when a SAFETY premium paid on ``paid_on`` is a business expense under the 2-year rule.

    False only when paid from the previous contract's cancellation date up to
    :func:`non_deductible_until` (both days included). True with no previous cancellation
    (``None``), for a cancellation before 2024-10-01, and for a day before the cancellation (a
    premium of the old contract). Other conditions (a sole proprietor deducts only against
    business income; prepayment over 1 year) are not checked here. A date that cannot be read gives
    False, as every ``is_…`` question does; :func:`non_deductible_until` says what is wrong. [SEED]

    >>> cancelled = datetime.date(2024, 10, 31)
    >>> paid = datetime.date(2024, 11, 27)
    >>> is_premium_deductible(paid, cancelled), is_premium_deductible(paid, None)
    (False, True)
    >>> is_premium_deductible(datetime.date(2025, 1, 27), datetime.date(2024, 9, 30))
    True
    """
    try:
        paid_on = as_date(paid_on, "掛金の支払日", "The payment date")
        if previous_cancellation_date is None:
            return True
        cancelled = as_date(previous_cancellation_date, "前契約の解約日", "The previous cancellation date")
        until = non_deductible_until(cancelled)
    except KyosaiError:
        return False
    return until is None or not cancelled <= paid_on <= until
