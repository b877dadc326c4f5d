"""Who may join (加入資格): 小規模企業共済 (SKY, docs/rules.md §1.2) and 経営セーフティ共済 (SAFETY, §2.2).

SKY is for the owners and officers of *small* businesses: at most 5 regular employees (常時使用する
従業員) in commerce and services, 20 elsewhere. SAFETY is for *small and medium* businesses: within
the capital **or** the employee limit of the industry, in business for at least a year, no overdue
tax, and not one of the excluded kinds of corporation.

>>> on = datetime.date(2025, 4, 1)
>>> sky_employee_limit("小売業", on=on), sky_employee_limit("製造業", on=on)
(5, 20)
>>> is_sky_eligible("卸売業", 6, on=on)
False
>>> safety_limits("旅館業", on)
SizeLimit(capital_max=50000000, employees_max=200)
>>> is_safety_eligible("製造業", capital=500_000_000, employees=120, as_of=on)
True
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from .caches import cached
from .errors import MissingValue, NotEligible, OutOfRange
from .inputs import accepts, all_reasons, as_date, is_blank, rule_date, whole_number
from .labels import Label, MemberType, SafetyIndustry, SkyIndustry, TaxArrears, normalize_key
from .month import MONTHS_PER_YEAR, period_end
from .params import P

__all__ = [
    "sky_employee_limit",
    "validate_sky",
    "is_sky_eligible",
    "co_manager_limit",
    "validate_co_managers",
    "SizeLimit",
    "safety_size_limits",
    "ExcludedEntityType",
    "EXCLUDED_ENTITY_TYPES",
    "safety_limits",
    "safety_eligible_from",
    "safety_ineligibility_reasons",
    "validate_safety",
    "is_safety_eligible",
]


# ====================================================================== SKY 小規模企業共済 (§1.2)

COMMERCE_AND_SERVICES: frozenset[SkyIndustry] = frozenset(
    {SkyIndustry.WHOLESALE, SkyIndustry.RETAIL, SkyIndustry.SERVICES}
)
"""Industries in the small band (``SKY_EMPLOYEES_COMMERCE_SERVICES``, 5): 商業 (卸売業・小売業) and
サービス業. [SEED][OFF] 小規模企業共済法 第2条第1項第2号."""

LODGING_AND_ENTERTAINMENT: frozenset[SkyIndustry] = frozenset({SkyIndustry.LODGING, SkyIndustry.ENTERTAINMENT})
"""Services with a band of their own (``SKY_EMPLOYEES_LODGING_ENTERTAINMENT``): 20 from 2014-04-01,
5 before, as the rest of services. [SEED][OFF] 小規模企業共済法施行令 第1条 (平成26年改正)."""


def sky_employee_limit(industry: SkyIndustry | str, on: datetime.date) -> int:
    """The most regular employees (常時使用する従業員) a SKY member's business may have.

    5 in wholesale, retail and services (``SKY_EMPLOYEES_COMMERCE_SERVICES``); in lodging (宿泊業)
    and entertainment (娯楽業) ``SKY_EMPLOYEES_LODGING_ENTERTAINMENT`` — 20 from 2014-04-01, 5
    before; 20 in every other industry (``SKY_EMPLOYEES_OTHER``). ``on`` (the application date)
    picks the values in force. [SEED][OFF] docs/rules.md §1.2

    >>> on = datetime.date(2025, 4, 1)
    >>> sky_employee_limit("サービス業", on), sky_employee_limit(SkyIndustry.LODGING, on)
    (5, 20)
    >>> [sky_employee_limit("宿泊業", day) for day in (datetime.date(2014, 3, 31), datetime.date(2014, 4, 1))]
    [5, 20]
    """
    return _sky_employee_limit(SkyIndustry.parse(industry), rule_date(on))


@cached  # a batch asks for the same industries on the same few application dates
def _sky_employee_limit(industry: SkyIndustry, on: datetime.date) -> int:
    if industry in COMMERCE_AND_SERVICES:
        return P.SKY_EMPLOYEES_COMMERCE_SERVICES.at(on)
    if industry in LODGING_AND_ENTERTAINMENT:
        return P.SKY_EMPLOYEES_LODGING_ENTERTAINMENT.at(on)
    return P.SKY_EMPLOYEES_OTHER.at(on)


def validate_sky(
    industry: SkyIndustry | str | None,
    employees: int,
    member_type: MemberType | str = MemberType.PROPRIETOR,
    *,
    on: datetime.date,
) -> int:
    """Check the employee count of a SKY applicant's business; return it, or raise NotEligible.

    Sole proprietors, their co-managers (共同経営者) and company officers (会社役員) are judged by the
    industry's limit (:func:`sky_employee_limit`). Partners of a professional corporation
    (士業法人社員) are judged by ``SKY_PROFESSIONAL_PARTNER_EMPLOYEES`` (5) whatever the industry
    (which may then be ``None``). No age limit. [SEED][OFF] docs/rules.md §1.2

    >>> on = datetime.date(2025, 4, 1)
    >>> validate_sky("製造業", 20, on=on)
    20
    >>> validate_sky(None, 5, "士業法人社員", on=on)
    5
    >>> validate_sky("小売業", 6, on=on)
    Traceback (most recent call last):
    ...
    kyosai.errors.NotEligible: 従業員6人は小売業の上限5人を超えるため、小規模企業共済に加入できません。 / ...
    """
    member_type = MemberType.parse(member_type)
    employees = whole_number(employees, "従業員数", "The number of employees")
    if member_type is MemberType.PROFESSIONAL_PARTNER:
        if industry is not None:
            SkyIndustry.parse(industry)  # still a readable industry when given
        limit = P.SKY_PROFESSIONAL_PARTNER_EMPLOYEES.at(rule_date(on))
        where_ja, where_en = "士業法人", "a professional corporation"
    else:
        industry = SkyIndustry.parse(industry)
        limit = sky_employee_limit(industry, on)
        where_ja, where_en = industry.value, _en(industry)
    if employees > limit:
        raise NotEligible(
            f"従業員{employees}人は{where_ja}の上限{limit}人を超えるため、小規模企業共済に加入できません。",
            f"{employees} employees exceed the limit of {limit} for {where_en}: not eligible for SKY.",
            value=employees,
        )
    return employees


def is_sky_eligible(
    industry: SkyIndustry | str | None,
    employees: int,
    member_type: MemberType | str = MemberType.PROPRIETOR,
    *,
    on: datetime.date,
) -> bool:
    """True when :func:`validate_sky` accepts the applicant (False also for unreadable input).

    >>> on = datetime.date(2025, 4, 1)
    >>> is_sky_eligible("娯楽業", 20, on=on), is_sky_eligible("娯楽業", 20, on=datetime.date(2013, 1, 1))
    (True, False)
    """
    return accepts(validate_sky, industry, employees, member_type, on=on)


def co_manager_limit(on: datetime.date) -> int:
    """How many co-managers (共同経営者) of one sole proprietor may join SKY on ``on``.

    >>> co_manager_limit(datetime.date(2024, 12, 2))
    2
    """
    return P.SKY_CO_MANAGERS_PER_PROPRIETOR.at(on)


def validate_co_managers(count: int, on: datetime.date) -> int:
    """Check how many co-managers (共同経営者) of one sole proprietor join SKY; return the count.

    At most ``SKY_CO_MANAGERS_PER_PROPRIETOR`` (2) per proprietor, else NotEligible.
    [SEED] 個人事業主1人につき2人まで. docs/rules.md §1.2

    >>> on = datetime.date(2025, 4, 1)
    >>> validate_co_managers(2, on=on)
    2
    >>> validate_co_managers(3, on=on)
    Traceback (most recent call last):
    ...
    kyosai.errors.NotEligible: 共同経営者3人は個人事業主1人あたりの上限2人を超えています。 / ...
    """
    count = whole_number(count, "共同経営者の人数", "The number of co-managers")
    limit = co_manager_limit(rule_date(on))
    if count > limit:
        raise NotEligible(
            f"共同経営者{count}人は個人事業主1人あたりの上限{limit}人を超えています。",
            f"{count} co-managers exceed the limit of {limit} per sole proprietor.",
            value=count,
        )
    return count


# ====================================================================== SAFETY 経営セーフティ共済 (§2.2)


class SizeLimit(NamedTuple):
    """The SAFETY size limits of an industry: a business within *either* is a 中小企業者."""

    capital_max: int  # 資本金の額又は出資の総額 (yen), at most
    employees_max: int  # 常時使用する従業員の数, at most


def safety_size_limits(on: datetime.date) -> Mapping[SafetyIndustry, SizeLimit]:
    """The capital and employee limits of every industry on ``on`` (``SAFETY_SIZE_LIMITS``, docs/rules.md §2.2).

    >>> safety_size_limits(datetime.date(2025, 4, 1))[SafetyIndustry.WHOLESALE]
    SizeLimit(capital_max=100000000, employees_max=100)
    """
    return _safety_size_limits(rule_date(on))


@cached  # a batch asks on the same few application dates again and again
def _safety_size_limits(on: datetime.date) -> Mapping[SafetyIndustry, SizeLimit]:
    limits = {
        SafetyIndustry.parse(row["industry"]): SizeLimit(row["capital_max"], row["employees_max"])
        for row in P.SAFETY_SIZE_LIMITS.at(on)
    }
    missing = [industry.value for industry in SafetyIndustry if industry not in limits]
    if missing:  # an override of the parameters that left an industry out: no rule to apply
        raise OutOfRange(
            f"中小企業者の範囲（SAFETY_SIZE_LIMITS）に業種「{'・'.join(missing)}」がありません。",
            f"SAFETY_SIZE_LIMITS has no limits for {', '.join(missing)}.",
            value=missing,
        )
    return MappingProxyType(limits)


@dataclass(frozen=True)
class ExcludedEntityType:
    """A kind of corporation that may not join SAFETY whatever its size."""

    ja: str
    en: str
    aliases: tuple[str, ...]
    source: str


_OFF_EXCLUDED = (
    "[OFF] https://www.smrj.go.jp/tkyosai/050947.html: 医療法人、農事組合法人、NPO法人、"
    "森林組合、農業協同組合、外国法人などは加入対象になりません"
)
_DECISION_EXCLUDED = (
    '[DECISION] "and the like" (など): other cooperatives not formed under the SME '
    "cooperative laws, like the agricultural and forest cooperatives the page names"
)

EXCLUDED_ENTITY_TYPES: tuple[ExcludedEntityType, ...] = (
    ExcludedEntityType(
        "医療法人",
        "medical corporation",
        ("医療法人社団", "医療法人財団", "社会医療法人", "特定医療法人", "medical corporation"),
        _OFF_EXCLUDED,
    ),
    ExcludedEntityType(
        "特定非営利活動法人",
        "NPO (specified non-profit corporation)",
        ("NPO法人", "NPO", "非営利活動法人", "non-profit", "nonprofit"),
        _OFF_EXCLUDED,
    ),
    ExcludedEntityType(
        "農業協同組合",
        "agricultural cooperative",
        ("農協", "JA", "農業協同組合連合会", "agricultural cooperative"),
        _OFF_EXCLUDED,
    ),
    ExcludedEntityType(
        "農事組合法人",
        "agricultural producers' cooperative corporation",
        ("agricultural producers cooperative",),
        _OFF_EXCLUDED,
    ),
    ExcludedEntityType("森林組合", "forest owners' cooperative", ("forest cooperative",), _OFF_EXCLUDED),
    ExcludedEntityType("外国法人", "foreign corporation", ("foreign corporation",), _OFF_EXCLUDED),
    ExcludedEntityType("漁業協同組合", "fishery cooperative", ("漁協", "fishery cooperative"), _DECISION_EXCLUDED),
    ExcludedEntityType(
        "消費生活協同組合", "consumer cooperative", ("生協", "生活協同組合", "consumer cooperative"), _DECISION_EXCLUDED
    ),
)
"""Kinds of corporation SAFETY does not admit (docs/rules.md §2.2), each with its source. Matched on the
whole entity type as written (NFKC, case and spaces ignored) — ``"医療法人社団"`` matches, a company
name does not."""

_EXCLUDED_LOOKUP: Mapping[str, ExcludedEntityType] = MappingProxyType(
    {normalize_key(spelling): entry for entry in EXCLUDED_ENTITY_TYPES for spelling in (entry.ja, *entry.aliases)}
)


def safety_limits(industry: SafetyIndustry | str, on: datetime.date) -> SizeLimit:
    """(capital_max, employees_max) of an industry on ``on``, from ``SAFETY_SIZE_LIMITS``. [SEED][OFF]

    >>> on = datetime.date(2025, 4, 1)
    >>> safety_limits("卸売業", on)
    SizeLimit(capital_max=100000000, employees_max=100)
    >>> capital_max, employees_max = safety_limits("ゴム製品製造業", on)
    >>> capital_max, employees_max
    (300000000, 900)
    """
    industry = SafetyIndustry.parse(industry)
    return safety_size_limits(on)[industry]


def safety_eligible_from(business_start_date: datetime.date, on: datetime.date | None = None) -> datetime.date:
    """The first day a business started on ``business_start_date`` has been in business for
    ``SAFETY_MIN_YEARS_IN_BUSINESS`` (1) year (引き続き1年以上事業を行っている). [SEED][OFF]

    [DECISION] "1 year" is counted as the law counts periods (民法 第140条・第143条): the start day
    counts (the business runs from the start of that day), the year ends the day before the same
    date a year later, so the condition is met **on the same date one year later**; a business
    started on 29 February meets it on 1 March (no 29 February to correspond). ``on`` picks the
    parameter in force (default: the start date).

    >>> safety_eligible_from(datetime.date(2023, 12, 1))
    datetime.date(2024, 12, 1)
    >>> safety_eligible_from(datetime.date(2020, 2, 29))
    datetime.date(2021, 3, 1)
    """
    start = as_date(business_start_date, "事業開始日", "The business start date")
    years = P.SAFETY_MIN_YEARS_IN_BUSINESS.at(on or start)
    return period_end(start, MONTHS_PER_YEAR * years) + datetime.timedelta(days=1)


def safety_ineligibility_reasons(
    industry: SafetyIndustry | str,
    capital: int | None,
    employees: int | None,
    business_start_date: datetime.date | None = None,
    as_of: datetime.date | None = None,
    tax_arrears: bool | TaxArrears | str | None = False,
    entity_type: str | None = None,
) -> list[tuple[str, str]]:
    """Every reason a business may not join SAFETY, as (Japanese, English) pairs; [] when eligible.

    ``as_of`` is the date the rules are applied on (the application date): required, never today
    by default.

    - **Size** [SEED][OFF]: eligible when ``capital`` ≤ the industry's capital limit **or**
      ``employees`` ≤ its employee limit on ``as_of`` (:func:`safety_limits`). ``capital=None``
      means a sole proprietor (no capital): the employee limit alone. ``employees=None`` means not
      stated; then the capital alone decides.
    - **Years in business** [SEED]: on ``as_of`` at least ``SAFETY_MIN_YEARS_IN_BUSINESS`` years
      since ``business_start_date`` (:func:`safety_eligible_from`); not checked when the start date
      is ``None``.
    - **Tax** [SEED]: ``tax_arrears`` true (or ``TaxArrears.SOME`` / ``"あり"``) — overdue corporate
      or income tax — is a reason; ``None`` means not checked.
    - **Kind of corporation** [OFF]: ``entity_type`` in :data:`EXCLUDED_ENTITY_TYPES` (医療法人,
      NPO法人, 農業協同組合, …) is a reason; ``None`` means not checked.

    Unreadable input raises (InvalidLabel, InvalidNumber, OutOfRange, MissingValue) instead.

    >>> on = datetime.date(2025, 4, 1)
    >>> safety_ineligibility_reasons("小売業", 60_000_000, 51, as_of=on)
    [('資本金60,000,000円・従業員51人は、小売業の中小企業者の範囲（資本金50,000,000円以下または従業員50人以下）を超えています。',
      'Capital of 60,000,000 yen and 51 employees are beyond an SME in retail (capital at most 50,000,000 yen or
      at most 50 employees).')]
    >>> safety_ineligibility_reasons("小売業", 60_000_000, 50, as_of=on)
    []
    """
    return [
        reason
        for group in safety_reasons_by_aspect(
            industry, capital, employees, business_start_date, as_of, tax_arrears, entity_type
        ).values()
        for reason in group
    ]


def safety_reasons_by_aspect(
    industry: SafetyIndustry | str,
    capital: int | None,
    employees: int | None,
    business_start_date: datetime.date | None = None,
    as_of: datetime.date | None = None,
    tax_arrears: bool | TaxArrears | str | None = False,
    entity_type: str | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """The reasons of :func:`safety_ineligibility_reasons` grouped by what they are about:
    ``"entity_type"``, ``"size"``, ``"business_start_date"``, ``"tax_arrears"`` — so that a
    batch check can point each reason at its own cell.

    >>> safety_reasons_by_aspect("小売業", None, 51, as_of=datetime.date(2025, 4, 1), tax_arrears="あり").keys()
    dict_keys(['size', 'tax_arrears'])
    """
    industry = SafetyIndustry.parse(industry)
    if capital is not None:
        capital = whole_number(capital, "資本金", "The capital")
    if employees is not None:
        employees = whole_number(employees, "従業員数", "The number of employees")
    if capital is None and employees is None:
        raise MissingValue(
            "個人事業主は従業員数で判定します。従業員数が空欄です。",
            "A sole proprietor is judged by employees, and the number of employees is empty.",
        )
    reasons: dict[str, list[tuple[str, str]]] = {}

    excluded = _excluded_entity_type(entity_type)
    if excluded is not None:
        reasons.setdefault("entity_type", []).append(
            (
                f"{excluded.ja}は経営セーフティ共済の加入対象ではありません（{entity_type}）。",
                f"A {excluded.en} may not join SAFETY ({entity_type}).",
            )
        )

    as_of = rule_date(as_of)  # the limits and the years are those in force on the day asked: no default
    size = safety_limits(industry, as_of)
    within_capital = capital is not None and capital <= size.capital_max
    within_employees = employees is not None and employees <= size.employees_max
    if not (within_capital or within_employees):
        reasons.setdefault("size", []).append(_size_reason(industry, size, capital, employees))

    if business_start_date is not None:
        start = as_date(business_start_date, "事業開始日", "The business start date")
        eligible_from = safety_eligible_from(start, as_of)
        if as_of < eligible_from:
            years = P.SAFETY_MIN_YEARS_IN_BUSINESS.at(as_of)
            reasons.setdefault("business_start_date", []).append(
                (
                    f"事業開始日{start.isoformat()}から{as_of.isoformat()}までに{years}年以上の事業継続がありません"
                    f"（{eligible_from.isoformat()}から加入できます）。",
                    f"In business since {start.isoformat()}: less than {years} year(s) on {as_of.isoformat()} "
                    f"(eligible from {eligible_from.isoformat()}).",
                )
            )

    if _has_tax_arrears(tax_arrears):
        reasons.setdefault("tax_arrears", []).append(
            ("法人税または所得税の滞納があります。", "Corporate or income tax is overdue.")
        )
    return reasons


def validate_safety(
    industry: SafetyIndustry | str,
    capital: int | None,
    employees: int | None,
    business_start_date: datetime.date | None = None,
    as_of: datetime.date | None = None,
    tax_arrears: bool | TaxArrears | str | None = False,
    entity_type: str | None = None,
) -> SafetyIndustry:
    """Check that a business may join SAFETY; return its industry, or raise NotEligible naming
    **every** failing reason of :func:`safety_ineligibility_reasons` (Japanese, then English).
    [SEED][OFF] docs/rules.md §2.2

    >>> validate_safety("サービス業", None, 100, as_of=datetime.date(2025, 1, 6))
    <SafetyIndustry.SERVICES: 'サービス業'>
    >>> validate_safety("サービス業", None, 101, datetime.date(2024, 6, 1), datetime.date(2025, 1, 6),
    ...                 tax_arrears="あり")
    Traceback (most recent call last):
    ...
    kyosai.errors.NotEligible: 経営セーフティ共済に加入できません。従業員101人は、サービス業の上限100人を超えています（個人事業主は従業員数で判定）。事業開始日2024-06-01から... / ...
    """  # noqa: E501 - a doctest's Japanese message, one unbroken line as raised
    reasons = safety_ineligibility_reasons(
        industry, capital, employees, business_start_date, as_of, tax_arrears, entity_type
    )
    if reasons:
        raise all_reasons(NotEligible, "経営セーフティ共済に加入できません。", "Not eligible for SAFETY:", reasons)
    return SafetyIndustry.parse(industry)


def is_safety_eligible(
    industry: SafetyIndustry | str,
    capital: int | None,
    employees: int | None,
    business_start_date: datetime.date | None = None,
    as_of: datetime.date | None = None,
    tax_arrears: bool | TaxArrears | str | None = False,
    entity_type: str | None = None,
) -> bool:
    """True when :func:`validate_safety` accepts the business (False also for unreadable input).

    >>> on = datetime.date(2025, 4, 1)
    >>> (is_safety_eligible("小売業", None, 50, as_of=on),
    ...  is_safety_eligible("小売業", None, 50, as_of=on, entity_type="NPO法人"))
    (True, False)
    """
    return accepts(validate_safety, industry, capital, employees, business_start_date, as_of, tax_arrears, entity_type)


def _size_reason(
    industry: SafetyIndustry, size: SizeLimit, capital: int | None, employees: int | None
) -> tuple[str, str]:
    if capital is None:  # sole proprietor: employees alone
        return (
            f"従業員{employees}人は、{industry.value}の上限{size.employees_max}人を超えています"
            f"（個人事業主は従業員数で判定）。",
            f"{employees} employees exceed the limit of {size.employees_max} in {_en(industry)} "
            f"(a sole proprietor is judged by employees).",
        )
    staff_ja = "従業員数不明" if employees is None else f"従業員{employees}人"
    staff_en = "an unstated number of employees" if employees is None else f"{employees} employees"
    return (
        f"資本金{capital:,}円・{staff_ja}は、{industry.value}の中小企業者の範囲（資本金"
        f"{size.capital_max:,}円以下または従業員{size.employees_max}人以下）を超えています。",
        f"Capital of {capital:,} yen and {staff_en} are beyond an SME in {_en(industry)} "
        f"(capital at most {size.capital_max:,} yen or at most {size.employees_max} employees).",
    )


def _excluded_entity_type(entity_type: str | None) -> ExcludedEntityType | None:
    if is_blank(entity_type):
        return None
    return _EXCLUDED_LOOKUP.get(normalize_key(str(entity_type)))


def _has_tax_arrears(value: bool | TaxArrears | str | None) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    return TaxArrears.parse(value) is TaxArrears.SOME


def _en(label: Label) -> str:
    """A label's English name for messages: ``SkyIndustry.REAL_ESTATE`` → ``real estate``."""
    return label.name.lower().replace("_", " ")
