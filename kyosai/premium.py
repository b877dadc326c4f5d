"""Monthly premiums (掛金月額): range and step per scheme.

- SKY: 1,000 to 70,000 yen in 500-yen steps. [SEED][OFF] docs/rules.md §1.1
- SAFETY: 5,000 to 200,000 yen in 5,000-yen steps. [SEED][OFF] docs/rules.md §2.1

>>> on = datetime.date(2025, 4, 1)
>>> validate(70000, Scheme.SKY, on=on)
70000
>>> is_valid(1250, Scheme.SKY, on=on), is_valid(205000, Scheme.SAFETY, on=on)
(False, False)
>>> format(70000)
'70,000円'
>>> validate(70500, Scheme.SKY, on)
Traceback (most recent call last):
...
kyosai.errors.InvalidPremium: 小規模企業共済の掛金月額は1,000円〜70,000円の500円単位です（70,500円）。 / ...
"""

from __future__ import annotations

import datetime

from .caches import cached
from .errors import InvalidPremium, KyosaiError, OutOfRange, RuleViolation
from .inputs import rule_date, whole_number
from .labels import Scheme
from .params import P

__all__ = ["bounds", "validate", "is_valid", "format", "validate_lump_sum"]


def bounds(scheme: Scheme | str, on: datetime.date) -> tuple[int, int, int]:
    """(minimum, maximum, step) of the monthly premium for a scheme on the date it applies to
    (an application date, the month a premium is paid for).

    >>> on = datetime.date(2025, 4, 1)
    >>> bounds("小規模企業共済", on), bounds("SAFETY", on)
    ((1000, 70000, 500), (5000, 200000, 5000))
    """
    return _bounds(Scheme.parse(scheme), rule_date(on))


@cached  # every contract checks its premium on its application date: the same few dates again and again
def _bounds(scheme: Scheme, on: datetime.date) -> tuple[int, int, int]:
    if scheme is Scheme.SKY:
        return P.SKY_MIN_PREMIUM.at(on), P.SKY_MAX_PREMIUM.at(on), P.SKY_PREMIUM_STEP.at(on)
    return P.SAFETY_MIN_PREMIUM.at(on), P.SAFETY_MAX_PREMIUM.at(on), P.SAFETY_PREMIUM_STEP.at(on)


def validate(amount: int, scheme: Scheme | str, on: datetime.date) -> int:
    """Return ``amount`` if it is a valid monthly premium for the scheme, else raise InvalidPremium."""
    scheme = Scheme.parse(scheme)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise OutOfRange(
            f"掛金月額は整数の円で指定してください（{amount!r}）。",
            f"The monthly premium must be whole yen, not {amount!r}.",
            value=amount,
        )
    low, high, step = bounds(scheme, on)
    if not (low <= amount <= high and amount % step == 0):
        raise InvalidPremium(
            f"{scheme.value}の掛金月額は{low:,}円〜{high:,}円の{step:,}円単位です（{amount:,}円）。",
            f"A {scheme.name} monthly premium is {low:,} to {high:,} yen in steps of {step:,} (got {amount:,}).",
            value=amount,
        )
    return amount


def is_valid(amount: int, scheme: Scheme | str, on: datetime.date) -> bool:
    """True when :func:`validate` accepts the amount."""
    try:
        validate(amount, scheme, on)
    except KyosaiError:
        return False
    return True


def format(amount: int) -> str:
    """Yen as clerks print it: ``70,000円``; what is not a whole number of yen raises InvalidNumber."""
    return f"{whole_number(amount, '金額', 'The amount', minimum=None):,}円"


def validate_lump_sum(monthly_amount: int, months: int, amount: int) -> int:
    """A SKY lump-sum prepayment (掛金一括納付, 様式205) is the monthly premium times the months.

    [SEED] 請求額は掛金一括納付申請書に記載の金額（掛金月額の数倍）. SAFETY's rule, with its
    remainder at the limit, is :func:`kyosai.safety_limit.validate_prepayment`.

    >>> validate_lump_sum(70000, 12, 840000)
    840000
    >>> validate_lump_sum(70000, 12, 800000)
    Traceback (most recent call last):
    ...
    kyosai.errors.RuleViolation: 一括納付額800,000円は掛金月額70,000円の12か月分（840,000円）と一致しません。 / ...
    """
    monthly_amount = whole_number(monthly_amount, "掛金月額", "The monthly premium")
    months = whole_number(months, "一括納付の月数", "The months paid at once")
    amount = whole_number(amount, "一括納付額", "The lump sum")
    expected = monthly_amount * months
    if amount != expected:
        raise RuleViolation(
            f"一括納付額{amount:,}円は掛金月額{monthly_amount:,}円の{months}か月分（{expected:,}円）と一致しません。",
            f"A lump sum of {amount:,} yen does not match {months} months at {monthly_amount:,} yen "
            f"({expected:,} yen).",
            value=amount,
        )
    return amount
