"""The SKY income deduction for a tax year (小規模企業共済等掛金控除). docs/rules.md §1.6 [SEED][OFF]

Deductible in year Y: the premiums **paid in Y** — due in Y, or prepaid for up to one year ahead
(前納期間が1年以内: ``SKY_DEDUCTION_PREPAY_HORIZON_MONTHS``) — **minus the 前納減額金 received in Y**.
A payment that prepays more than a year ahead counts each month in the year it falls due.

Hence the year-end advice the seed asks agencies to give: with cash (現金あり) in December the
counter payment is deductible this year; without cash or online from November on, the first debit
is next year and **nothing is deductible this year**.

>>> from kyosai.schedule import Contract
>>> cash = Contract("sky", 70000, datetime.date(2024, 12, 2), "現金あり", "年払")
>>> no_cash = Contract("sky", 70000, datetime.date(2024, 12, 2), "現金なし", "年払")
>>> compute(cash, 2024), compute(no_cash, 2024), compute(no_cash, 2025)
(840000, 0, 1680000)
"""

from __future__ import annotations

from dataclasses import dataclass

from .caches import cached
from .calendar import validate_year
from .discount import Reached, accrued, paid_out, reached
from .errors import OutOfRange, RuleViolation
from .inputs import instance_of, whole_number
from .labels import Scheme
from .month import Month
from .params import P
from .schedule import Contract, Payment, Shape, unit_payments

__all__ = ["Breakdown", "deduction_year", "breakdown", "compute"]


def deduction_year(payment: Payment, month: Month) -> int:
    """The year in which the premium for ``month`` in ``payment`` is deductible.

    >>> from kyosai.schedule import PaymentKind
    >>> p = Payment(datetime.date(2024, 12, 18), PaymentKind.DEBIT,
    ...             tuple(Month(2024, 12) + i for i in range(24)), 1680000)
    >>> deduction_year(p, Month(2025, 11)), deduction_year(p, Month(2026, 3))
    (2025, 2026)
    """
    if not _prepays_beyond_horizon(payment) or month.year <= payment.date.year:
        return payment.date.year
    return month.year


def _prepays_beyond_horizon(payment: Payment) -> bool:
    """True when ``payment`` prepays more than a year ahead, so its later months count in their own year."""
    horizon = P.SKY_DEDUCTION_PREPAY_HORIZON_MONTHS.at(payment.date)
    return payment.last_month - payment.month > horizon


@dataclass(frozen=True)
class Breakdown:
    """How a year's deduction is made up (掛金控除証明書 fields)."""

    year: int
    paid: int  # premiums counted in the year
    discount_received: int  # 前納減額金 received in the year
    deductible: int  # paid − discount, never below 0


def breakdown(contract: Contract, year: int, discount_received: int | None = None) -> Breakdown:
    """The year's premiums, the 前納減額金 received and the deduction.

    ``discount_received`` overrides the computed 前納減額金 (a clerk who has the real figure).
    SKY only: SAFETY premiums are a business expense (損金・必要経費), not this income deduction.
    """
    contract = instance_of(contract, Contract, "契約", "The contract")
    if contract.scheme is not Scheme.SKY:
        raise RuleViolation(
            "小規模企業共済等掛金控除は小規模企業共済の掛金だけです。経営セーフティ共済の掛金は損金・必要経費です。",
            "The income deduction is for SKY premiums only; SAFETY premiums are a business expense.",
            value=contract.scheme.value,
        )
    year = validate_year(year)
    if discount_received is not None:
        discount_received = whole_number(discount_received, "前納減額金", "The discount received", minimum=None)
    if discount_received is not None and discount_received < 0:
        raise OutOfRange(
            f"前納減額金は0円以上です（{discount_received}）。",
            f"The discount received cannot be negative ({discount_received}).",
            value=discount_received,
        )
    months, reached_per_yen = _per_yen(Shape.of(contract), year)
    paid = contract.monthly_amount * months
    if discount_received is None:
        discount_received = sum(
            p.amount for p in paid_out(reached_per_yen, contract.monthly_amount) if p.month.year == year
        )
    return Breakdown(year, paid, discount_received, max(0, paid - discount_received))


@cached  # what scales with the premium, once per contract shape: customers differ mostly in their premium
def _per_yen(shape: Shape, year: int) -> tuple[int, tuple[Reached, ...]]:
    """The months of premium counted in ``year``, and the 前納減額金 reached each 31 March up to
    December of ``year`` (:func:`kyosai.discount.reached`) per yen of monthly premium.

    Every SKY payment is its months × the monthly premium, and the discount is the premium × rate ×
    months ahead: both are worked out at 1 yen a month (:func:`kyosai.schedule.unit_payments`) and
    multiplied by the premium. With rates of a few digits (0.9/1000) the Decimal products and sums
    are exact, so the yen are those of the payment-by-payment sums (tests/test_core_caches.py).
    """
    # Every payment up to December of Y: those of Y, and earlier ones that prepaid more than a
    # year ahead and so count some months in Y.
    schedule = unit_payments(shape, Month(year, 12))
    months = 0
    for payment in schedule:
        if _prepays_beyond_horizon(payment):
            months += sum(1 for m in payment.months if deduction_year(payment, m) == year)
        elif payment.date.year == year:  # every month is deductible in the year paid (deduction_year, once per payment)
            months += len(payment.months)
    return months, tuple(reached(accrued(schedule), Month(year, 12)))


def compute(contract: Contract, year: int, discount_received: int | None = None) -> int:
    """The amount deductible in ``year`` (yen)."""
    return breakdown(contract, year, discount_received).deductible
