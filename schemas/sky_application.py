"""The pandera schema of ``sky-application`` (小規模企業共済 契約申込). docs/batch-format.md, docs/rules.md §1

Errors: premium range and step; employees within the industry's band; a co-manager names a
proprietor of the same file (or a contract number) and a proprietor has at most two co-managers;
months prepaid only on the monthly pattern; receipt numbers and applicants unique; the account
holder is the applicant (SKY is paid from the applicant's own account); dates not in the future.
Warnings (advice to pass on): a 現金なし / online application whose first debit falls in a later
year is not deductible this year; annual / semi-annual without a designated month; a designated
month on the monthly pattern; a proprietor reference on a non-co-manager.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from kyosai import codes, eligibility, premium, schedule
from kyosai.errors import KyosaiError, NotEligible
from kyosai.labels import Channel, MemberType, Pattern, Scheme

from .batches import SKY_APPLICATION
from .common import REGISTRY_RULES, not_in_future, unique_receipt_numbers
from .rules import Batch, BatchRule, KindSchema, Problem, RowRule, combined, duplicates, normalized_all

__all__ = ["SCHEMA"]

_CONTRACT = ("monthly_amount", "application_date", "channel", "payment_pattern", "prepaid_months", "designated_month")


def premium_in_range(monthly_amount, on):
    premium.validate(monthly_amount, Scheme.SKY, on)


def employees_within_band(industry, employees, member_type, on):
    eligibility.validate_sky(industry, employees, member_type, on=on)


def prepaid_only_when_monthly(payment_pattern, prepaid_months):
    schedule.validate_sky_prepaid_months(payment_pattern, prepaid_months)


def deductible_this_year(application_date, channel, payment_pattern, prepaid_months, designated_month):
    """現金なし / online: the first debit is in M+2, so from November on it falls next year. (A
    premium the rules refuse is the premium rule's finding: this one is silent then.)"""
    if channel is Channel.CASH:
        return None
    try:
        first = schedule.first_debit_date(
            Scheme.SKY,
            application_date,
            channel,
            payment_pattern,
            prepaid_months or 0,
            designated_month if payment_pattern is not Pattern.MONTHLY else None,
        )
    except KyosaiError:
        return None  # reported by prepaid-only-when-monthly
    year = application_date.year
    if first.year > year:
        return Problem(
            "not-deductible-this-year", {"channel": channel.value, "first_debit_year": first.year, "year": year}
        )
    return None


def designated_month_fits_pattern(payment_pattern, designated_month, application_date):
    if payment_pattern is Pattern.MONTHLY and designated_month is not None:
        return Problem("designated-month-ignored")
    if payment_pattern is not Pattern.MONTHLY and designated_month is None:
        return Problem("designated-month-missing", {"pattern": payment_pattern.value, "month": application_date.month})
    return None


def proprietor_reference(member_type, proprietor_ref):
    if member_type is MemberType.CO_MANAGER and proprietor_ref is None:
        return Problem("proprietor-ref-missing")
    if member_type is not MemberType.CO_MANAGER and proprietor_ref is not None:
        return Problem("proprietor-ref-not-allowed")
    return None


def account_is_the_applicants(name_kana, account_holder_kana):
    if codes.kana_name_key(name_kana) != codes.kana_name_key(account_holder_kana):
        return Problem("account-holder-mismatch", {"name_kana": name_kana})
    return None


def _of_type(batch: Batch, member_type: MemberType) -> np.ndarray:
    """Whether each record's 加入者区分 is ``member_type``."""
    types, kinds = batch.ids("member_type")
    return types == kinds.index(member_type) if member_type in kinds else np.zeros(len(batch), dtype=bool)


def _co_managers(batch: Batch) -> dict[str, list[int]]:
    """(proprietor reference folded, [rows]) of the co-managers in the file."""
    refs, folded = batch.ids("proprietor_ref", normalized_all)
    at = np.flatnonzero(_of_type(batch, MemberType.CO_MANAGER) & (refs >= 0))
    groups = defaultdict(list)
    for row, ref in zip(batch.rows[at].tolist(), refs[at].tolist(), strict=True):
        groups[folded[ref]].append(row)
    return groups


def proprietor_exists(batch: Batch) -> dict:
    """A co-manager's reference is a proprietor's 受付番号 in this file, or a contract number (digits)."""
    receipts, folded = batch.ids("receipt_no", normalized_all, empty_is_blank=True)  # as unique-receipt-number
    named = np.unique(receipts[_of_type(batch, MemberType.PROPRIETOR) & (receipts >= 0)])
    proprietors = {folded[number] for number in named.tolist()}
    return {
        index: Problem("proprietor-not-found")
        for ref, rows in _co_managers(batch).items()
        if ref not in proprietors and not ref.isdigit()
        for index in rows
    }


def co_managers_per_proprietor(batch: Batch) -> dict:
    """At most two co-managers per proprietor (on the as-of day): the rows past the limit, with how
    many there are and the limit."""
    on = batch.as_of
    found: dict[int, Problem] = {}
    for rows in _co_managers(batch).values():
        try:
            eligibility.validate_co_managers(len(rows), on)
        except NotEligible:
            limit = eligibility.co_manager_limit(on)
            found.update(
                (index, Problem("co-manager-limit", {"count": len(rows), "limit": limit})) for index in rows[limit:]
            )
    return found


def same_applicant_twice(batch: Batch) -> dict:
    """One contract per person: the same name and birth date twice."""
    names, folded = batch.ids("name", normalized_all)
    births, days = batch.ids("birth_date")

    def shown(at: int) -> str:
        return f"{folded[names[at]]} {days[births[at]].isoformat()}".replace(" ", "、")

    return duplicates(batch, combined(names, births), "duplicate-person", shown)


SCHEMA = KindSchema(
    SKY_APPLICATION.name,
    [c.alias for c in SKY_APPLICATION.columns],
    [
        unique_receipt_numbers(),
        not_in_future("application_date"),
        not_in_future("birth_date"),
        RowRule("premium", "monthly_amount", ("monthly_amount",), premium_in_range, dated_by="application_date"),
        RowRule(
            "employees-within-band",
            "employees",
            ("industry", "employees", "member_type"),
            employees_within_band,
            needs=("industry", "employees", "member_type", "application_date"),
            dated_by="application_date",
        ),
        RowRule(
            "prepaid-only-when-monthly",
            "prepaid_months",
            ("payment_pattern", "prepaid_months"),
            prepaid_only_when_monthly,
        ),
        RowRule(
            "deductible-this-year",
            "channel",
            _CONTRACT[1:],
            deductible_this_year,
            needs=("monthly_amount", "application_date", "channel", "payment_pattern"),
            unless=("premium",),
            by_month=("application_date",),  # schedule.first_debit_date: without cash, by month
        ),
        RowRule(
            "designated-month-fits-pattern",
            "designated_month",
            ("payment_pattern", "designated_month", "application_date"),
            designated_month_fits_pattern,
            needs=("payment_pattern", "application_date"),
            by_month=("application_date",),  # only its month is named
        ),
        RowRule(
            "proprietor-reference",
            "proprietor_ref",
            ("member_type", "proprietor_ref"),
            proprietor_reference,
            needs=("member_type",),
        ),
        RowRule(
            "account-is-the-applicants",
            "account_holder_kana",
            ("name_kana", "account_holder_kana"),
            account_is_the_applicants,
        ),
        *REGISTRY_RULES,
        BatchRule("proprietor-exists", "proprietor_ref", proprietor_exists),
        BatchRule("co-managers-per-proprietor", "proprietor_ref", co_managers_per_proprietor),
        BatchRule("same-applicant-twice", "name", same_applicant_twice),
    ],
)
