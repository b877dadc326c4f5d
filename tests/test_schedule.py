"""The payment schedule engine against the seeds' and the official examples (docs/rules.md §1.4, §2.3)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.errors import InvalidLabel, InvalidPremium, LimitExceeded, OutOfRange, RuleViolation
from kyosai.labels import Channel, Pattern, Scheme
from kyosai.month import Month
from kyosai.schedule import Contract, PaymentKind, first_debit, iter_payments, payments

D = dt.date


def span(payment):
    return str(payment.first_month), str(payment.last_month)


# (contract, first debit date, amount, first and last month covered)
FIRST_DEBITS = [
    # Seed: December 2024, 70,000, annual, without cash → February 2025, 840,000, 2024-12..2025-11.
    (
        Contract(Scheme.SKY, 70000, D(2024, 12, 2), Channel.NO_CASH, Pattern.ANNUAL),
        D(2025, 2, 18),
        840_000,
        ("2024-12", "2025-11"),
    ),
    # Online is treated like 現金なし (docs/rules.md §5 question 3).
    (
        Contract(Scheme.SKY, 70000, D(2024, 12, 2), Channel.ONLINE, Pattern.ANNUAL),
        D(2025, 2, 18),
        840_000,
        ("2024-12", "2025-11"),
    ),
    # Official Q&A: October, 10,000 a month, 9 months prepaid → December debit 120,000.
    (
        Contract(Scheme.SKY, 10000, D(2024, 10, 10), Channel.NO_CASH, Pattern.MONTHLY, prepaid_months=9),
        D(2024, 12, 18),
        120_000,
        ("2024-10", "2025-09"),
    ),
    # Monthly without prepayment: 3 months in M+2.
    (Contract(Scheme.SKY, 30000, D(2024, 11, 15), "現金なし"), D(2025, 1, 20), 90_000, ("2024-11", "2025-01")),
    # Cash, monthly: M paid at the counter, the first debit in M+2 collects M+1 and M+2.
    (Contract(Scheme.SKY, 30000, D(2024, 11, 15), "現金あり"), D(2025, 1, 20), 60_000, ("2024-12", "2025-01")),
    # Cash, annual: the counter takes 12 months; the first debit is next December's 12 months.
    (Contract(Scheme.SKY, 70000, D(2024, 12, 2), "現金あり", "年払"), D(2025, 12, 18), 840_000, ("2025-12", "2026-11")),
    # Semi-annual without cash: 6 months in M+2.
    (
        Contract(Scheme.SKY, 20000, D(2024, 12, 2), "現金なし", "半年払"),
        D(2025, 2, 18),
        120_000,
        ("2024-12", "2025-05"),
    ),
    # Late review: one month later, one month more.
    (
        Contract(Scheme.SKY, 10000, D(2024, 10, 1), "現金なし", review_delay_months=1),
        D(2025, 1, 20),
        40_000,
        ("2024-10", "2025-01"),
    ),
    # SAFETY seed: 100,000 with 12 months prepaid by debit → 1,400,000 (14 months).
    (
        Contract(Scheme.SAFETY, 100000, D(2024, 12, 2), prepaid_months=12),
        D(2025, 2, 27),
        1_400_000,
        ("2024-12", "2026-01"),
    ),
    # SAFETY without prepayment: 3 months in M+2.
    (Contract(Scheme.SAFETY, 50000, D(2024, 10, 1)), D(2024, 12, 27), 150_000, ("2024-10", "2024-12")),
    # SAFETY prepaid by transfer in the application month: the first debit takes M and M+1.
    (
        Contract(Scheme.SAFETY, 100000, D(2024, 12, 2), prepaid_months=12, prepayment_method="振込"),
        D(2025, 2, 27),
        200_000,
        ("2024-12", "2025-01"),
    ),
    # SAFETY with late review: seed's "前納分プラス3か月分".
    (
        Contract(Scheme.SAFETY, 100000, D(2024, 12, 2), prepaid_months=12, review_delay_months=1),
        D(2025, 3, 27),
        1_500_000,
        ("2024-12", "2026-02"),
    ),
]


@pytest.mark.parametrize("contract, date, amount, covered", FIRST_DEBITS)
def test_first_debit(contract, date, amount, covered):
    payment = first_debit(contract)
    assert (payment.date, payment.amount, span(payment)) == (date, amount, covered)
    assert payment.kind is PaymentKind.DEBIT
    assert contract.first_debit_date == date and contract.first_debit_amount == amount


def test_seed_cash_versus_no_cash_in_december():
    cash = Contract("sky", 70000, D(2024, 12, 2), "現金あり", "年払")
    no_cash = Contract("sky", 70000, D(2024, 12, 2), "現金なし", "年払")
    [counter] = payments(cash, Month(2024, 12))
    assert (counter.kind, counter.date, counter.amount, span(counter)) == (
        PaymentKind.CASH,
        D(2024, 12, 2),
        840_000,
        ("2024-12", "2025-11"),
    )
    assert payments(no_cash, Month(2025, 1)) == []
    # The next 12 months (2025-12 … 2026-11) are debited in December 2025.
    december = payments(no_cash, Month(2025, 12))[-1]
    assert (december.date, december.amount, span(december)) == (D(2025, 12, 18), 840_000, ("2025-12", "2026-11"))


def test_monthly_debits_resume_after_the_prepaid_months():
    contract = Contract(Scheme.SKY, 10000, D(2024, 10, 10), Channel.NO_CASH, prepaid_months=9)
    schedule = payments(contract, Month(2025, 11))
    assert [(p.date, span(p)) for p in schedule[1:]] == [
        (D(2025, 10, 20), ("2025-10", "2025-10")),
        (D(2025, 11, 18), ("2025-11", "2025-11")),
    ]


def test_every_month_is_covered_exactly_once():
    for contract, *_ in FIRST_DEBITS:
        covered = sorted(m for p in payments(contract, Month(2027, 12)) for m in p.months)
        assert covered == [contract.application_month + i for i in range(len(covered))]
        assert all(p.amount == len(p.months) * contract.monthly_amount for p in payments(contract, Month(2027, 12)))


def test_designated_month_other_than_the_application_month():
    contract = Contract(Scheme.SKY, 70000, D(2024, 12, 2), "現金なし", "年払", designated_month=4)
    first, second = payments(contract, Month(2025, 4))
    assert (first.date, span(first), first.amount) == (D(2025, 2, 18), ("2024-12", "2025-03"), 280_000)
    assert (second.date, span(second), second.amount) == (D(2025, 4, 18), ("2025-04", "2026-03"), 840_000)


def test_safety_stops_at_the_limit_with_a_remainder():
    contract = Contract(Scheme.SAFETY, 150000, D(2024, 12, 2))
    schedule = list(iter_payments(contract))
    assert sum(p.amount for p in schedule) == 8_000_000
    assert schedule[-1].amount == 50_000 and len(schedule[-1].months) == 1


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(scheme="sky", monthly_amount=70500, application_date=D(2024, 12, 1)), InvalidPremium),
        (dict(scheme="safety", monthly_amount=7000, application_date=D(2024, 12, 1)), InvalidPremium),
        (
            dict(scheme="safety", monthly_amount=200000, application_date=D(2024, 12, 1), prepaid_months=39),
            LimitExceeded,
        ),
        (
            dict(scheme="safety", monthly_amount=10000, application_date=D(2024, 12, 1), channel="現金あり"),
            RuleViolation,
        ),
        (dict(scheme="safety", monthly_amount=10000, application_date=D(2024, 12, 1), pattern="年払"), RuleViolation),
        (
            dict(scheme="sky", monthly_amount=10000, application_date=D(2024, 12, 1), pattern="年払", prepaid_months=3),
            RuleViolation,
        ),
        (dict(scheme="sky", monthly_amount=10000, application_date=D(2024, 12, 1), prepaid_months=-1), OutOfRange),
        (dict(scheme="sky", monthly_amount=10000, application_date=D(2024, 12, 1), designated_month=13), OutOfRange),
        (dict(scheme="sky", monthly_amount=10000, application_date=D(2024, 12, 1), channel="小切手"), InvalidLabel),
    ],
)
def test_contracts_that_cannot_exist(kwargs, error):
    with pytest.raises(error) as info:
        Contract(**kwargs)
    assert info.value.message_ja and info.value.message_en


def test_safety_at_the_limit_exactly_is_allowed():
    contract = Contract(Scheme.SAFETY, 200000, D(2024, 12, 1), prepaid_months=38)
    assert contract.first_debit_amount == 8_000_000
    assert len(list(iter_payments(contract))) == 1


@settings(max_examples=400, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2013, 1, 1), max_value=dt.date(2027, 12, 31)),
    scheme=st.sampled_from(list(Scheme)),
    channel=st.sampled_from([Channel.NO_CASH, Channel.ONLINE, "現金なし", Channel.CASH]),
    pattern=st.sampled_from(list(Pattern)),
    prepaid=st.integers(0, 12),
    designated=st.one_of(st.none(), st.integers(1, 12)),
)
def test_first_debit_date_is_the_contracts_whichever_day_of_the_month(
    day, scheme, channel, pattern, prepaid, designated
):
    """first_debit_date answers a non-cash application once per month and parameter epoch
    (kyosai.schedule._same_payments_from): on every day it is the first debit of the contract itself."""
    from kyosai import premium
    from kyosai.errors import KyosaiError
    from kyosai.schedule import _first_debit_date, first_debit_date

    try:
        contract = Contract(scheme, premium.bounds(scheme, day)[0], day, channel, pattern, prepaid, designated)
        expected = first_debit(contract).date
    except KyosaiError as error:
        with pytest.raises(type(error)):
            first_debit_date(scheme, day, channel, pattern, prepaid, designated)
        return
    assert first_debit_date(scheme, day, channel, pattern, prepaid, designated) == expected
    assert _first_debit_date(scheme, day, channel, pattern, prepaid, designated) == expected
