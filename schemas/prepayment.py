"""The pandera schema of ``prepayment`` (掛金前納・一括納付 申出). docs/batch-format.md, docs/rules.md §1.3, §2.3

Errors: premium valid for the scheme; at least one month; SKY: the amount is the monthly premium
times the months; SAFETY: the paid total is given, the amount is a multiple of the monthly premium
unless it reaches the 8,000,000 limit exactly, never over it, with 2 months' headroom; the request
arrived by the scheme's deadline for the desired month (a late request is void); receipt numbers
unique and one request per contract and month.
"""

from __future__ import annotations

from kyosai import deadlines, premium, safety_limit
from kyosai.errors import LimitExceeded, MissingValue, OutOfRange, RuleViolation
from kyosai.labels import Scheme

from .batches import PREPAYMENT
from .common import not_in_future, unique_receipt_numbers
from .rules import Batch, BatchRule, KindSchema, Problem, RowRule, combined, duplicates, normalized_all

__all__ = ["SCHEMA"]


def premium_in_range(scheme, monthly_amount, on):
    premium.validate(monthly_amount, scheme, on)


def at_least_one_month(prepaid_months):
    if prepaid_months < 1:
        raise OutOfRange("前納月数は1以上です。", "At least one month must be prepaid.", value=prepaid_months)


def paid_total_for_safety(scheme, paid_total):
    if scheme is Scheme.SAFETY and paid_total is None:
        return Problem(
            "required-here",
            error=MissingValue(
                "経営セーフティ共済の前納申出には既払掛金総額が必要です（積立限度額の確認のため）。",
                "A SAFETY prepayment needs the premiums paid so far (to check the 8,000,000 limit).",
            ),
        )
    return None


def amount_matches(scheme, monthly_amount, prepaid_months, prepayment_amount, paid_total, desired_month):
    if not premium.is_valid(monthly_amount, scheme, desired_month.first_day) or prepaid_months < 1:
        return None  # reported by premium_in_range / at_least_one_month
    try:
        if scheme is Scheme.SKY:
            premium.validate_lump_sum(monthly_amount, prepaid_months, prepayment_amount)
        elif paid_total is not None:
            safety_limit.validate_prepayment(
                paid_total, monthly_amount, prepaid_months, prepayment_amount, on=desired_month.first_day
            )
    except LimitExceeded as error:
        return Problem("limit-exceeded", error=error)
    except RuleViolation as error:
        return Problem("prepayment-amount", error=error)
    return None


def arrived_in_time(scheme, desired_month, received_date):
    deadlines.validate_arrival(received_date, desired_month, scheme)


def one_request_per_contract_and_month(batch: Batch) -> dict:
    schemes, _ = batch.ids("scheme")
    contracts, folded = batch.ids("contract_number", normalized_all)
    months, month = batch.ids("desired_month")

    def shown(at: int) -> str:
        return f"{folded[contracts[at]]} {month[months[at]]}".replace(" ", "、")

    return duplicates(batch, combined(schemes, contracts, months), "duplicate-person", shown)


SCHEMA = KindSchema(
    PREPAYMENT.name,
    [c.alias for c in PREPAYMENT.columns],
    [
        unique_receipt_numbers(),
        not_in_future("received_date"),
        RowRule("premium", "monthly_amount", ("scheme", "monthly_amount"), premium_in_range, dated_by="desired_month"),
        RowRule("at-least-one-month", "prepaid_months", ("prepaid_months",), at_least_one_month),
        RowRule(
            "paid-total-for-safety", "paid_total", ("scheme", "paid_total"), paid_total_for_safety, needs=("scheme",)
        ),
        RowRule(
            "amount-matches",
            "prepayment_amount",
            ("scheme", "monthly_amount", "prepaid_months", "prepayment_amount", "paid_total", "desired_month"),
            amount_matches,
            needs=("scheme", "monthly_amount", "prepaid_months", "prepayment_amount", "desired_month"),
        ),
        RowRule("arrived-in-time", "received_date", ("scheme", "desired_month", "received_date"), arrived_in_time),
        BatchRule("one-request-per-contract-and-month", "contract_number", one_request_per_contract_and_month),
    ],
)
