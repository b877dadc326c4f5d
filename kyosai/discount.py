"""The prepayment discount (前納減額金). docs/rules.md §1.5, §2.3 [OFF]

``discount = monthly × rate × Σ months-ahead``: each month a payment covers counts the number of
months between the payment and that month (a part month counts whole), **capped at 12**. The rate
is 0.9/1000 for prepayments from 2017-11-01 (5/1000 before; ``PREPAYMENT_DISCOUNT_RATE``).

It is worked out every **31 March** over the prepaid months reached by then; once the amount
accumulated reaches **5,000 yen** it is **paid in June** into the debit account, otherwise it is
carried forward (``PREPAYMENT_DISCOUNT_*`` parameters). [DECISION] The rounding is not published
(docs/rules.md §5 question 2): amounts accumulate exactly and are rounded down to the yen when paid.

Official example: 70,000 a month paid in October for October … next September:

>>> compute(70000, 12, datetime.date(2024, 10, 18))
4158
>>> from kyosai.schedule import Payment, PaymentKind
>>> oct_2024 = Payment(datetime.date(2024, 10, 18), PaymentKind.DEBIT,
...                    tuple(Month(2024, 10) + i for i in range(12)), 840000)
>>> sum(accrued([oct_2024]).values())
Decimal('4158.0000')

By 31 March 2025 only 945 yen (Nov … Mar = 1+2+3+4+5 = 15) had accrued; by 31 March 2026 the rest,
4,158 in all: still under 5,000, so it is carried forward. The same prepayment made again in
October 2025 adds 945 by 31 March 2026, and June 2026 pays the 5,103 accumulated:

>>> payouts([oct_2024], until=Month(2026, 12))
[]
>>> oct_2025 = Payment(datetime.date(2025, 10, 20), PaymentKind.DEBIT,
...                    tuple(Month(2025, 10) + i for i in range(12)), 840000)
>>> payouts([oct_2024, oct_2025], until=Month(2026, 12))
[DiscountPayout(month=Month(2026, 6), amount=5103)]
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from .errors import OutOfRange
from .inputs import as_date
from .month import MONTHS_PER_YEAR, Month
from .params import P

__all__ = ["compute", "months_ahead", "accrued", "DiscountPayout", "payouts", "Reached", "reached", "paid_out"]


def _to_yen(amount: Decimal, on: datetime.date) -> int:
    rounding = P.PREPAYMENT_DISCOUNT_ROUNDING.at(on)
    if rounding != "down":
        raise LookupError(f"unknown PREPAYMENT_DISCOUNT_ROUNDING {rounding!r}")
    return int(amount.to_integral_value(rounding=ROUND_DOWN))


def months_ahead(paid_in: Month, covered: Month, on: datetime.date) -> int:
    """How many months ahead of the payment a covered month is, capped at 12 (0 for past months)."""
    return _months_ahead(paid_in, covered, P.PREPAYMENT_DISCOUNT_MAX_MONTHS.at(on))


def _months_ahead(paid_in: Month, covered: Month, cap: int) -> int:
    """:func:`months_ahead` with the cap already looked up (once per payment, not per month)."""
    return max(0, min(covered - paid_in, cap))


def compute(monthly_amount: int, months_paid_at_once: int, paid_on: datetime.date) -> int:
    """前納減額金 for paying ``months_paid_at_once`` months at once on ``paid_on``, its month included.

    >>> on = datetime.date(2025, 4, 10)
    >>> compute(10000, 1, on), compute(10000, 13, on), compute(10000, 14, on)
    (0, 702, 810)
    """
    for name, value in (("掛金月額", monthly_amount), ("前納月数", months_paid_at_once)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OutOfRange(
                f"{name}は0以上の整数です（{value!r}）。",
                f"{name} must be a whole number ≥ 0, not {value!r}.",
                value=value,
            )
    paid_on = as_date(paid_on, "支払日", "The payment date")
    now = Month.of(paid_on)
    weight = sum(months_ahead(now, now + k, paid_on) for k in range(months_paid_at_once))
    return _to_yen(monthly_amount * P.PREPAYMENT_DISCOUNT_RATE.at(paid_on) * weight, paid_on)


def accrued(payments: Iterable) -> dict[Month, Decimal]:
    """The exact discount each covered month earns, keyed by that month (when it is "reached")."""
    result: dict[Month, Decimal] = {}
    for payment in payments:
        paid_in = payment.month
        if payment.last_month <= paid_in:  # no month ahead (most debits): nothing to look up
            continue
        monthly = Decimal(payment.amount) / len(payment.months)
        rate = P.PREPAYMENT_DISCOUNT_RATE.at(payment.date)
        cap = P.PREPAYMENT_DISCOUNT_MAX_MONTHS.at(payment.date)  # once per payment, not per month
        discount_per_month_ahead = monthly * rate
        for month in payment.months:
            ahead = _months_ahead(paid_in, month, cap)
            if ahead:
                result[month] = result.get(month, Decimal(0)) + discount_per_month_ahead * ahead
    return result


@dataclass(frozen=True)
class DiscountPayout:
    """前納減額金 paid into the debit account in ``month`` (June)."""

    month: Month
    amount: int


def payouts(payments: Iterable, until: Month) -> list[DiscountPayout]:
    """The 前納減額金 paid out for a list of payments, up to the month ``until``.

    Every 31 March the discount of the covered months reached by then joins the balance; a
    balance of 5,000 yen or more is paid in June, a smaller one is carried forward.
    """
    return paid_out(reached(accrued(payments), until))


class Reached(NamedTuple):
    """What one 31 March adds to the balance of 前納減額金 (:func:`reached`)."""

    payout_month: Month  # when a balance at the threshold or above is paid (June)
    amount: Decimal  # the discount of the 12 months up to the cutoff (31 March)
    threshold: int | Decimal


def reached(by_month: Mapping[Month, Decimal], until: Month) -> list[Reached]:
    """What each 31 March adds to the balance, year by year up to the payout month ``until``, from
    the discount :func:`accrued` (keyed by month, in the order accrued)."""
    if not by_month:
        return []
    result: list[Reached] = []
    # Month index → (order accrued, amount): each 31 March looks up its 12 months, no scan of all, and
    # adds them in the order accrued, as the Decimal sums always have.
    by_index = {month.index: (order, amount) for order, (month, amount) in enumerate(by_month.items())}
    year = min(by_month).year
    while True:
        cutoff = Month(year, P.PREPAYMENT_DISCOUNT_CUTOFF_MONTH.at(datetime.date(year, 1, 1)))  # the year's
        on = cutoff.last_day  # the cutoff day (31 March): the payout follows the parameters in force then
        payout_month = Month(year, P.PREPAYMENT_DISCOUNT_PAYOUT_MONTH.at(on))
        if payout_month > until:
            return result
        year_to_cutoff = range((cutoff - MONTHS_PER_YEAR).index + 1, cutoff.index + 1)  # the year up to it
        months = sorted(by_index[index] for index in year_to_cutoff if index in by_index)
        result.append(
            Reached(
                payout_month,
                sum((amount for _, amount in months), Decimal(0)),
                P.PREPAYMENT_DISCOUNT_PAYOUT_THRESHOLD.at(on),
            )
        )
        year += 1


def paid_out(yearly: Iterable[Reached], monthly_amount: int = 1) -> list[DiscountPayout]:
    """The payouts of what is :func:`reached` each year: a balance at the threshold or above is
    paid, a smaller one carried forward.

    ``monthly_amount`` multiplies amounts reached per yen of monthly premium (:mod:`kyosai.deduction`):
    the Decimal products are exact (rates of a few digits), the same as multiplying each month's discount.
    """
    result, balance = [], Decimal(0)
    for payout_month, amount, threshold in yearly:
        balance += amount * monthly_amount
        if balance >= threshold:
            result.append(DiscountPayout(payout_month, _to_yen(balance, payout_month.first_day)))
            balance = Decimal(0)
    return result
