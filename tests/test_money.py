"""前納減額金, the SKY deduction, the certificate dispatch and failed debits."""

import datetime as dt
from decimal import Decimal

import pytest

from kyosai import certificate, deduction, discount, failed_debit
from kyosai.certificate import Dispatch
from kyosai.errors import KyosaiError, MissingValue, OutOfRange
from kyosai.labels import Scheme
from kyosai.month import Month
from kyosai.schedule import Contract, Payment, PaymentKind

D = dt.date


@pytest.mark.parametrize(
    "monthly, months, paid_on, expected",
    [
        (70000, 12, D(2024, 10, 1), 4158),  # official example
        (70000, 1, D(2024, 10, 1), 0),  # the current month earns nothing
        (70000, 2, D(2024, 10, 1), 63),
        (10000, 13, D(2024, 10, 1), 702),  # 0+1+…+12 = 78
        (10000, 14, D(2024, 10, 1), 810),  # the 14th month counts 12 (cap)
        (70000, 12, D(2017, 10, 31), 23100),  # before 2017-11-01 the rate was 5/1000
        (1000, 2, D(2024, 10, 1), 0),  # 0.9 yen rounds down
    ],
)
def test_prepayment_discount(monthly, months, paid_on, expected):
    assert discount.compute(monthly, months, paid_on) == expected


def test_discount_accrues_by_31_march_and_pays_in_june_once_over_5000():
    def october(year):
        return Payment(D(year, 10, 18), PaymentKind.DEBIT, tuple(Month(year, 10) + i for i in range(12)), 840000)

    by_month = discount.accrued([october(2024)])
    assert sum(v for m, v in by_month.items() if m <= Month(2025, 3)) == Decimal("945")
    assert discount.payouts([october(2024)], Month(2030, 12)) == []
    # By 31 March 2027: 3,213 + 945 = 4,158, carried; by 31 March 2028: + 3,213 → paid in June 2028.
    paid = discount.payouts([october(y) for y in (2024, 2025, 2026)], Month(2028, 12))
    assert [(str(p.month), p.amount) for p in paid] == [("2026-06", 5103), ("2028-06", 7371)]


def test_discount_rejects_bad_arguments():
    with pytest.raises(OutOfRange):
        discount.compute(-1, 12, dt.date(2025, 4, 10))
    with pytest.raises(OutOfRange):
        discount.compute(70000, 1.5, dt.date(2025, 4, 10))
    with pytest.raises(MissingValue):  # no payment date: no rate in force to apply
        discount.compute(70000, 12, None)


@pytest.mark.parametrize(
    "contract, year, expected",
    [
        # The seed's table: 現金あり in December 2024 → 840,000 deductible in 2024; 現金なし → nothing.
        (Contract("sky", 70000, D(2024, 12, 2), "現金あり", "年払"), 2024, 840_000),
        (Contract("sky", 70000, D(2024, 12, 2), "現金なし", "年払"), 2024, 0),
        (Contract("sky", 70000, D(2024, 12, 2), "online", "年払"), 2024, 0),
        # 2025 for the no-cash payer: February (840,000) and December (840,000) debits.
        (Contract("sky", 70000, D(2024, 12, 2), "現金なし", "年払"), 2025, 1_680_000),
        # November without cash: first debit in January → nothing this year, 3 months next year + 11 more.
        (Contract("sky", 10000, D(2024, 11, 1), "現金なし"), 2024, 0),
        (Contract("sky", 10000, D(2024, 11, 1), "現金なし"), 2025, 140_000),
        # October without cash: December debit of 3 months.
        (Contract("sky", 10000, D(2024, 10, 1), "現金なし"), 2024, 30_000),
        # Review slipping into November moves it to next year (the seed's 報告遅れ).
        (Contract("sky", 10000, D(2024, 10, 1), "現金なし", review_delay_months=1), 2024, 0),
        # Official Q&A contract: December debit of 120,000 (12 months, within one year) all in 2024.
        (Contract("sky", 10000, D(2024, 10, 1), "現金なし", prepaid_months=9), 2024, 120_000),
    ],
)
def test_deduction(contract, year, expected):
    assert deduction.compute(contract, year) == expected


def test_deduction_subtracts_the_discount_received_that_year():
    # Annual payer from October 2021 at 70,000: each October debit earns 4,158; June 2023 pays the
    # 5,103 reached by 31 March 2023, which is subtracted from 2023's 840,000.
    contract = Contract("sky", 70000, D(2021, 10, 1), "現金あり", "年払")
    result = deduction.breakdown(contract, 2023)
    assert (result.paid, result.discount_received, result.deductible) == (840_000, 5103, 834_897)
    assert deduction.compute(contract, 2023, discount_received=0) == 840_000


def test_prepayment_beyond_one_year_counts_in_the_year_due():
    payment = Payment(D(2024, 12, 18), PaymentKind.DEBIT, tuple(Month(2024, 12) + i for i in range(14)), 140000)
    years = [deduction.deduction_year(payment, m) for m in payment.months]
    assert years == [2024] + [2025] * 12 + [2026]


def test_deduction_is_for_sky_only():
    from kyosai.errors import RuleViolation

    with pytest.raises(RuleViolation) as info:
        deduction.compute(Contract("safety", 100000, D(2024, 10, 1)), 2024)
    assert "損金" in info.value.message_ja and "business expense" in info.value.message_en


def test_deduction_rejects_bad_arguments():
    contract = Contract("sky", 10000, D(2024, 10, 1))
    with pytest.raises(OutOfRange):
        deduction.compute(contract, 1800)
    with pytest.raises(OutOfRange):
        deduction.compute(contract, 2024, discount_received=-5)


@pytest.mark.parametrize(
    "application, channel, year, expected",
    [
        (D(2024, 9, 30), "現金あり", 2024, Dispatch.NOVEMBER),
        (D(2024, 10, 1), "現金あり", 2024, Dispatch.FEBRUARY_NEXT_YEAR),
        (D(2024, 12, 2), "現金あり", 2024, Dispatch.FEBRUARY_NEXT_YEAR),
        (D(2024, 7, 31), "現金なし", 2024, Dispatch.NOVEMBER),  # debited in September
        (D(2024, 8, 1), "現金なし", 2024, Dispatch.FEBRUARY_NEXT_YEAR),  # first debit in October
        (D(2024, 10, 31), "online", 2024, Dispatch.FEBRUARY_NEXT_YEAR),  # first debit in December
        (D(2024, 11, 1), "online", 2024, Dispatch.NONE),  # first debit next year
        (D(2024, 12, 2), "現金なし", 2024, Dispatch.NONE),
        (D(2024, 12, 2), "現金なし", 2025, Dispatch.NOVEMBER),
        (D(2025, 3, 1), "現金あり", 2024, Dispatch.NONE),  # joined after the year
    ],
)
def test_certificate_dispatch(application, channel, year, expected):
    assert certificate.dispatch(year, Contract("sky", 10000, application, channel)) is expected


def test_certificate_counts_earlier_prepaid_cover():
    # Annual cash payer from December 2023: no payment in Jan–Sep 2024, but December 2023's
    # payment covers 2024-01..2024-11 → November certificate (seed footnote *1).
    contract = Contract("sky", 70000, D(2023, 12, 1), "現金あり", "年払")
    assert certificate.dispatch(2024, contract) is Dispatch.NOVEMBER


def test_failed_debit_sky_seed_example():
    rows = failed_debit.plan(Month(2024, 12), Scheme.SKY, 70000)
    assert [(str(r.month), [str(m) for m in r.months_billed], r.amount) for r in rows] == [
        ("2025-01", [], 0),
        ("2025-02", ["2025-02", "2024-12"], 140_000),
        ("2025-03", ["2025-03"], 70_000),
        ("2025-04", ["2025-04", "2025-01"], 140_000),
    ]


def test_failed_debit_in_an_odd_month():
    rows = failed_debit.plan(Month(2025, 3), Scheme.SKY, 10000)
    assert [(str(r.month), len(r.months_billed)) for r in rows] == [
        ("2025-04", 0),
        ("2025-05", 1),
        ("2025-06", 3),
    ]  # June: own + March + April


def test_failed_debit_safety_seed_example():
    rows = failed_debit.plan(Month(2024, 12), "safety", 100000)
    assert [(str(r.month), [str(m) for m in r.months_billed], r.amount) for r in rows] == [
        ("2025-01", [], 0),
        ("2025-02", ["2025-02", "2024-12", "2025-01"], 300_000),
    ]


DATED_OVERRIDE = """
[SKY_CERTIFICATE_NOVEMBER_LAST_MONTH]
values = [{ since = 1900-01-01, value = 9 }, { since = 2030-01-01, value = 8 }]
[SKY_REBILLING_MONTHS]
values = [{ since = 1900-01-01, value = [2, 4, 6, 8, 10, 12] }, { since = 2030-01-01, value = [3, 6, 9, 12] }]
[SAFETY_CATCH_UP_MONTHS_AFTER]
values = [{ since = 1900-01-01, value = 2 }, { since = 2030-01-01, value = 3 }]
"""


def test_certificate_and_failed_debit_follow_their_dated_parameters(tmp_path):
    """The values that were literals in certificate.py and failed_debit.py are parameters now, read on
    the year of the certificate and the month that was not paid."""
    from kyosai.params import P

    override = tmp_path / "override.toml"
    override.write_text(DATED_OVERRIDE, encoding="utf-8")
    P.reload(override)
    try:
        september = Contract("sky", 10000, D(2029, 9, 1), "現金あり")
        assert certificate.dispatch(2029, september) is Dispatch.NOVEMBER
        assert (
            certificate.dispatch(2030, Contract("sky", 10000, D(2030, 9, 1), "現金あり")) is Dispatch.FEBRUARY_NEXT_YEAR
        )
        assert failed_debit.sky_rebilling_month(Month(2029, 12)) == Month(2030, 2)
        assert failed_debit.sky_rebilling_month(Month(2030, 1)) == Month(2030, 3)
        rows = failed_debit.plan(Month(2030, 1), "safety", 100000)
        assert [(str(r.month), [str(m) for m in r.months_billed]) for r in rows] == [
            ("2030-02", []),
            ("2030-03", []),
            ("2030-04", ["2030-04", "2030-01", "2030-02", "2030-03"]),
        ]
    finally:
        P.reload()


JOINED_2024 = Contract("sky", 10000, D(2024, 1, 1))


@pytest.mark.parametrize("year, contract", [("2024", JOINED_2024), (1800, JOINED_2024), (2024, None), (2024, "sky")])
def test_certificate_refuses_what_it_cannot_read(year, contract):
    with pytest.raises(KyosaiError):
        certificate.dispatch(year, contract)
