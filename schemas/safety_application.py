"""The pandera schema of ``safety-application`` (経営セーフティ共済 契約申込). docs/batch-format.md, docs/rules.md §2

Errors: premium range and step; 法人番号 and 資本金 for a company and not for a sole proprietor;
capital or employees within the industry's limits; at least one year in business; no tax arrears;
the months prepaid at joining within the 8,000,000 limit, with a prepayment method; receipt
numbers and applicants unique; dates not in the future.
Warning: a rejoin within two years of a cancellation on or after 2024-10-01 is not deductible
until the date the rule ends (say it).
"""

from __future__ import annotations

import numpy as np

from kyosai import eligibility, premium, rejoin
from kyosai.errors import InvalidPremium, MissingValue, NotEligible, RuleViolation
from kyosai.labels import ApplicantType, PrepaymentMethod, Scheme
from kyosai.schedule import Contract

from .batches import SAFETY_APPLICATION
from .common import REGISTRY_RULES, not_in_future, unique_receipt_numbers
from .rules import Batch, BatchRule, KindSchema, Problem, RowRule, combined, duplicates, normalized_all

__all__ = ["SCHEMA"]


def premium_in_range(monthly_amount, on):
    premium.validate(monthly_amount, Scheme.SAFETY, on)


def company_only(alias: str, name_ja: str, name_en: str) -> RowRule:
    """法人番号 / 資本金: required for a company, empty for a sole proprietor."""

    def test(applicant_type, **values):
        value = values[alias]
        if applicant_type is ApplicantType.COMPANY and value is None:
            return Problem(
                "required-here",
                error=MissingValue(
                    f"法人の申込には{name_ja}が必要です。", f"A company's application needs its {name_en}."
                ),
            )
        if applicant_type is ApplicantType.SOLE_PROPRIETOR and value is not None:
            return Problem(
                "not-allowed-here",
                error=RuleViolation(
                    f"個人の申込では{name_ja}は空欄です。",
                    f"A sole proprietor's application leaves {name_en} empty.",
                    value=value,
                ),
            )
        return None

    return RowRule(f"{alias}-for-companies", alias, ("applicant_type", alias), test, needs=("applicant_type",))


def _eligibility(aspect: str):
    """One aspect of SAFETY eligibility (size, years in business, tax arrears) at its own cell."""

    def test(industry, capital, employees, applicant_type, business_start_date, tax_arrears, application_date):
        if applicant_type is ApplicantType.SOLE_PROPRIETOR:
            capital = None  # a sole proprietor is judged by employees alone
        elif capital is None and employees is None:
            return None  # reported as missing
        reasons = eligibility.safety_reasons_by_aspect(
            industry, capital, employees, business_start_date, application_date, tax_arrears
        ).get(aspect)
        if not reasons:
            return None
        ((ja, en),) = reasons[:1]
        return Problem("not-eligible", error=NotEligible(ja, en))

    return test


_ELIGIBILITY_READS = (
    "industry",
    "capital",
    "employees",
    "applicant_type",
    "business_start_date",
    "tax_arrears",
    "application_date",
)


def prepaid_within_limit(monthly_amount, application_date, prepaid_months, prepayment_method):
    try:
        Contract(
            Scheme.SAFETY,
            monthly_amount,
            application_date,
            prepaid_months=prepaid_months or 0,
            prepayment_method=prepayment_method or PrepaymentMethod.DEBIT,
        )
    except InvalidPremium:
        return None  # reported by premium_in_range


def prepayment_method_given(prepaid_months, prepayment_method):
    if prepaid_months and prepayment_method is None:
        return Problem(
            "required-here",
            error=MissingValue(
                "前納月数が1以上のときは前納方法（口座振替 / 振込）が必要です。",
                "A prepayment method (debit / transfer) is needed when months are prepaid.",
            ),
        )
    return None


def rejoin_deductibility(previous_cancellation_date, application_date):
    until = rejoin.non_deductible_until(previous_cancellation_date)
    if until is not None and until >= application_date:
        return Problem(
            "safety-rejoin-non-deductible",
            {"cancelled": previous_cancellation_date.isoformat(), "until": until.isoformat()},
        )
    return None


def same_business_twice(batch: Batch) -> dict:
    """The same business twice: its 法人番号, or for a sole proprietor its name and phone."""
    numbers, corporate = batch.ids("corporate_number")
    names, folded = batch.ids("name", normalized_all)
    phones, phone = batch.ids("phone")
    pairs = combined(names, phones)  # a sole proprietor: numbered after the corporate numbers
    keys = np.where(numbers >= 0, numbers, np.where(pairs >= 0, pairs + len(corporate), -1))

    def shown(at: int) -> str:
        key = corporate[numbers[at]] if numbers[at] >= 0 else f"{folded[names[at]]} {phone[phones[at]]}"
        return str(key).replace(" ", "、")

    return duplicates(batch, keys, "duplicate-person", shown)


SCHEMA = KindSchema(
    SAFETY_APPLICATION.name,
    [c.alias for c in SAFETY_APPLICATION.columns],
    [
        unique_receipt_numbers(),
        not_in_future("application_date"),
        not_in_future("business_start_date"),
        RowRule("premium", "monthly_amount", ("monthly_amount",), premium_in_range, dated_by="application_date"),
        company_only("corporate_number", "法人番号", "corporate number"),
        company_only("capital", "資本金", "capital"),
        RowRule(
            "size-within-limits",
            "employees",
            _ELIGIBILITY_READS,
            _eligibility("size"),
            needs=("industry", "applicant_type", "application_date"),
        ),
        RowRule(
            "one-year-in-business",
            "business_start_date",
            _ELIGIBILITY_READS,
            _eligibility("business_start_date"),
            needs=("industry", "applicant_type", "application_date", "business_start_date", "employees"),
        ),
        RowRule(
            "no-tax-arrears",
            "tax_arrears",
            _ELIGIBILITY_READS,
            _eligibility("tax_arrears"),
            needs=("industry", "applicant_type", "application_date", "tax_arrears", "employees"),
        ),
        RowRule(
            "prepaid-within-limit",
            "prepaid_months",
            ("monthly_amount", "application_date", "prepaid_months", "prepayment_method"),
            prepaid_within_limit,
            needs=("monthly_amount", "application_date"),
        ),
        RowRule(
            "prepayment-method-given",
            "prepayment_method",
            ("prepaid_months", "prepayment_method"),
            prepayment_method_given,
            needs=(),
        ),
        RowRule(
            "rejoin-deductibility",
            "previous_cancellation_date",
            ("previous_cancellation_date", "application_date"),
            rejoin_deductibility,
        ),
        *REGISTRY_RULES,
        BatchRule("same-business-twice", "name", same_business_twice),
    ],
)
