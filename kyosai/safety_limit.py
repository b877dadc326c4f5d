"""The SAFETY 8,000,000-yen limit on total premiums (積立限度額) and prepayments against it.

docs/rules.md §2.1, §2.3 [SEED][OFF]:

- Total premiums (掛金総額) may not exceed ``SAFETY_TOTAL_LIMIT`` (8,000,000 yen); debits stop there.
- A contractor may stop paying (掛け止め) once total premiums reach ``SAFETY_STOP_MULTIPLE`` (40) ×
  the monthly premium.
- A prepayment by an existing contractor (様式214 掛金前納申出書) is a multiple of the monthly premium,
  **except** where it reaches the limit exactly (then the last month is a remainder). The desired
  month's own premium is debited the same day and is not part of the prepayment, so the check is
  ``paid before the desired month + monthly + prepayment ≤ limit``; and at least
  ``SAFETY_PREPAY_MIN_HEADROOM_MONTHS`` (2) months' headroom is needed to prepay at all.

Official example: from nothing paid, at most 79 months at 100,000 a month, 39 at 200,000.

>>> on = datetime.date(2025, 4, 1)
>>> max_prepaid_months(0, 100_000, on=on), max_prepaid_months(0, 200_000, on=on)
(79, 39)
>>> allowed_prepayment(7_650_000, 100_000, 3, on=on)   # 7,750,000 after the month's own premium
250000

[DECISION] The remainder month counts as a month: with 250,000 left at 100,000 a month, 3 months
may be prepaid (100,000 + 100,000 + 50,000), as the schedule engine caps the debit that reaches the
limit. Monthly premiums are checked with :func:`kyosai.premium.validate` (SAFETY range and step).
"""

from __future__ import annotations

import datetime

from . import premium
from .errors import LimitExceeded, RuleViolation
from .inputs import accepts, whole_number
from .labels import Scheme
from .params import P

__all__ = [
    "headroom",
    "max_prepaid_months",
    "allowed_prepayment",
    "validate_prepayment",
    "is_valid_prepayment",
    "may_stop_paying",
    "months_until_limit",
]


def headroom(paid_total: int, *, on: datetime.date) -> int:
    """Yen still payable before total premiums reach the limit (積立限度額までの残り). [SEED]

    ``paid_total`` over the limit raises LimitExceeded; ``on`` picks the limit in force (today).

    >>> on = datetime.date(2025, 4, 1)
    >>> headroom(0, on=on), headroom(7_900_000, on=on), headroom(8_000_000, on=on)
    (8000000, 100000, 0)
    """
    paid_total = whole_number(paid_total, "掛金総額", "Total premiums")
    limit = P.SAFETY_TOTAL_LIMIT.at(on)
    if paid_total > limit:
        raise LimitExceeded(
            f"掛金総額{paid_total:,}円が積立限度額{limit:,}円を超えています。",
            f"Total premiums of {paid_total:,} yen exceed the {limit:,}-yen limit.",
            value=paid_total,
        )
    return limit - paid_total


def max_prepaid_months(paid_before: int, monthly: int, *, on: datetime.date) -> int:
    """The most months an existing contractor may prepay in a desired month (前納できる月数の上限).

    ``paid_before`` is the total paid before the desired month. That month's own premium comes
    first; the prepayment may then fill the rest up to the limit, its last month a remainder
    ([DECISION] counted as a month). 0 when the headroom is under
    ``SAFETY_PREPAY_MIN_HEADROOM_MONTHS`` (2) months. [SEED][OFF] docs/rules.md §2.3

    >>> on = datetime.date(2025, 4, 1)
    >>> [max_prepaid_months(0, monthly, on=on) for monthly in (100_000, 200_000, 30_000)]
    [79, 39, 266]
    >>> max_prepaid_months(7_800_000, 100_000, on=on), max_prepaid_months(7_800_001, 100_000, on=on)
    (1, 0)
    """
    room = headroom(paid_before, on=on)
    monthly = premium.validate(monthly, Scheme.SAFETY, on)
    if room < P.SAFETY_PREPAY_MIN_HEADROOM_MONTHS.at(on) * monthly:
        return 0
    return _months_to_fill(room - monthly, monthly)


def allowed_prepayment(paid_before: int, monthly: int, months: int, *, on: datetime.date) -> int:
    """The prepayment for ``months`` months: ``months × monthly``, or the exact remainder up to the
    limit when that is less (前納額). [SEED][OFF] docs/rules.md §2.3

    Raises OutOfRange for fewer than 1 month, LimitExceeded with less than 2 months' headroom or
    more months than :func:`max_prepaid_months`.

    >>> on = datetime.date(2025, 4, 1)
    >>> allowed_prepayment(0, 100_000, 12, on=on), allowed_prepayment(0, 100_000, 79, on=on)
    (1200000, 7900000)
    >>> allowed_prepayment(0, 30_000, 266, on=on)
    7970000
    >>> allowed_prepayment(0, 100_000, 80, on=on)
    Traceback (most recent call last):
    ...
    kyosai.errors.LimitExceeded: 前納80か月分は積立限度額8,000,000円を超えます。前納希望月までの掛金100,000円に加えて前納できるのは79か月分（7,900,000円）までです。 / ...
    """  # noqa: E501 - a doctest's Japanese message, one unbroken line as raised
    months = whole_number(months, "前納月数", "The months prepaid", minimum=1)
    most = max_prepaid_months(paid_before, monthly, on=on)
    limit = P.SAFETY_TOTAL_LIMIT.at(on)
    room = headroom(paid_before, on=on)
    if most == 0:
        need = P.SAFETY_PREPAY_MIN_HEADROOM_MONTHS.at(on)
        raise LimitExceeded(
            f"積立限度額{limit:,}円までの残り{room:,}円が掛金月額{monthly:,}円の{need}か月分に満たないため、"
            f"前納できません。",
            f"The {room:,} yen left under the {limit:,}-yen limit is less than {need} months at "
            f"{monthly:,} yen: no prepayment is possible.",
            value=months,
        )
    remaining = room - monthly
    if months > most:
        raise LimitExceeded(
            f"前納{months}か月分は積立限度額{limit:,}円を超えます。前納希望月までの掛金{paid_before + monthly:,}円"
            f"に加えて前納できるのは{most}か月分（{remaining:,}円）までです。",
            f"Prepaying {months} months exceeds the {limit:,}-yen limit: with {paid_before + monthly:,} yen "
            f"paid (the desired month included) at most {most} months ({remaining:,} yen) may be prepaid.",
            value=months,
        )
    return min(months * monthly, remaining)


def validate_prepayment(paid_before: int, monthly: int, months: int, amount: int, *, on: datetime.date) -> int:
    """Check the amount on a prepayment request (前納申出額); return it.

    The amount must be ``months × monthly`` — or, where that would pass the limit, exactly the
    remainder up to it (:func:`allowed_prepayment`). An amount over the limit raises
    LimitExceeded; any other mismatch RuleViolation. [SEED][OFF] docs/rules.md §2.3

    >>> on = datetime.date(2025, 4, 1)
    >>> validate_prepayment(0, 100_000, 12, 1_200_000, on=on)
    1200000
    >>> validate_prepayment(7_650_000, 100_000, 3, 250_000, on=on)
    250000
    >>> validate_prepayment(7_650_000, 100_000, 3, 300_000, on=on)
    Traceback (most recent call last):
    ...
    kyosai.errors.LimitExceeded: 前納額300,000円は積立限度額8,000,000円を超えます。前納できるのは250,000円までです。
    / ...
    """
    expected = allowed_prepayment(paid_before, monthly, months, on=on)
    amount = whole_number(amount, "前納額", "The prepayment")
    if amount == expected:
        return amount
    remaining = headroom(paid_before, on=on) - monthly
    if amount > remaining:
        limit = P.SAFETY_TOTAL_LIMIT.at(on)
        raise LimitExceeded(
            f"前納額{amount:,}円は積立限度額{limit:,}円を超えます。前納できるのは{remaining:,}円までです。",
            f"A prepayment of {amount:,} yen exceeds the {limit:,}-yen limit: at most {remaining:,} yen.",
            value=amount,
        )
    raise RuleViolation(
        f"前納額{amount:,}円は掛金月額{monthly:,}円の{months}か月分（{expected:,}円）と一致しません。",
        f"A prepayment of {amount:,} yen does not match {months} months at {monthly:,} yen ({expected:,} yen).",
        value=amount,
    )


def is_valid_prepayment(paid_before: int, monthly: int, months: int, amount: int, *, on: datetime.date) -> bool:
    """True when :func:`validate_prepayment` accepts the request. [SEED][OFF] docs/rules.md §2.3

    >>> on = datetime.date(2025, 4, 1)
    >>> is_valid_prepayment(0, 200_000, 39, 7_800_000, on=on), is_valid_prepayment(0, 200_000, 40, 8_000_000, on=on)
    (True, False)
    """
    return accepts(lambda: validate_prepayment(paid_before, monthly, months, amount, on=on))


def may_stop_paying(paid_total: int, monthly: int, *, on: datetime.date) -> bool:
    """True once total premiums reach ``SAFETY_STOP_MULTIPLE`` (40) × the monthly premium (掛け止め). [SEED]

    >>> on = datetime.date(2025, 4, 1)
    >>> may_stop_paying(3_999_999, 100_000, on=on), may_stop_paying(4_000_000, 100_000, on=on)
    (False, True)
    """
    paid_total = whole_number(paid_total, "掛金総額", "Total premiums")
    monthly = premium.validate(monthly, Scheme.SAFETY, on)
    return paid_total >= P.SAFETY_STOP_MULTIPLE.at(on) * monthly


def months_until_limit(paid_total: int, monthly: int, *, on: datetime.date) -> int:
    """How many more monthly debits reach the limit (the last may be a remainder); 0 at the limit. [SEED]

    >>> on = datetime.date(2025, 4, 1)
    >>> months_until_limit(0, 100_000, on=on), months_until_limit(0, 30_000, on=on)
    (80, 267)
    >>> months_until_limit(8_000_000, 5_000, on=on)
    0
    """
    return _months_to_fill(headroom(paid_total, on=on), premium.validate(monthly, Scheme.SAFETY, on))


def _months_to_fill(amount: int, monthly: int) -> int:
    """Months of ``monthly`` needed to pay ``amount``, the last one possibly in part (ceiling)."""
    return -(-amount // monthly)
