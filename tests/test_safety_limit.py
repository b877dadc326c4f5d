"""The SAFETY 8,000,000-yen limit and prepayments (docs/rules.md §2.1, §2.3)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyosai import safety_limit as sl
from kyosai.errors import InvalidNumber, InvalidPremium, LimitExceeded, OutOfRange, RuleViolation

ON = dt.date(2025, 4, 1)  # the rules are asked on a date of the law in force

LIMIT = 8_000_000


@pytest.mark.parametrize(
    "paid_total, expected",
    [
        (0, 8_000_000),
        (1_200_000, 6_800_000),
        (7_999_999, 1),
        (8_000_000, 0),
    ],
)
def test_headroom(paid_total, expected):
    assert sl.headroom(paid_total, on=ON) == expected


@pytest.mark.parametrize(
    "paid_total, error",
    [
        (8_000_001, LimitExceeded),
        (-1, OutOfRange),
        (1.0, InvalidNumber),
        (None, InvalidNumber),
    ],
)
def test_headroom_bad(paid_total, error):
    with pytest.raises(error) as info:
        sl.headroom(paid_total, on=ON)
    assert info.value.value == paid_total


def test_over_limit_message_names_value_and_limit():
    with pytest.raises(LimitExceeded) as info:
        sl.headroom(8_000_001, on=ON)
    assert info.value.message_ja == "掛金総額8,000,001円が積立限度額8,000,000円を超えています。"
    assert "8,000,001" in info.value.message_en and "8,000,000" in info.value.message_en


@pytest.mark.parametrize(
    "paid_before, monthly, expected",
    [
        (0, 100_000, 79),  # official example
        (0, 200_000, 39),  # official example
        (0, 5_000, 1_599),
        (0, 30_000, 266),  # 265 months + a 20,000 remainder
        (1_200_000, 100_000, 67),
        (7_800_000, 100_000, 1),  # exactly 2 months' headroom
        (7_800_001, 100_000, 0),  # just under 2 months: no prepayment
        (7_750_000, 100_000, 2),  # 2.5 months' headroom: 1 month + a 50,000 remainder
        (7_900_000, 100_000, 0),
        (8_000_000, 5_000, 0),
        (7_990_000, 5_000, 1),
        (7_990_001, 5_000, 0),
    ],
)
def test_max_prepaid_months(paid_before, monthly, expected):
    assert sl.max_prepaid_months(paid_before, monthly, on=ON) == expected


@pytest.mark.parametrize("monthly", [0, 4_999, 7_500, 205_000, 1_000])
def test_monthly_premium_must_be_a_safety_premium(monthly):
    with pytest.raises(InvalidPremium):
        sl.max_prepaid_months(0, monthly, on=ON)


@pytest.mark.parametrize(
    "paid_before, monthly, months, expected",
    [
        (0, 100_000, 1, 100_000),
        (0, 100_000, 12, 1_200_000),
        (0, 100_000, 79, 7_900_000),  # reaches the limit exactly
        (0, 200_000, 39, 7_800_000),
        (0, 30_000, 265, 7_950_000),
        (0, 30_000, 266, 7_970_000),  # the last month is the 20,000 remainder
        (7_650_000, 100_000, 2, 200_000),
        (7_650_000, 100_000, 3, 250_000),  # remainder
        (7_800_000, 100_000, 1, 100_000),  # 2 months' headroom: 1 month
    ],
)
def test_allowed_prepayment(paid_before, monthly, months, expected):
    amount = sl.allowed_prepayment(paid_before, monthly, months, on=ON)
    assert amount == expected
    assert paid_before + monthly + amount <= LIMIT


@pytest.mark.parametrize(
    "paid_before, monthly, months, error",
    [
        (0, 100_000, 80, LimitExceeded),
        (0, 200_000, 40, LimitExceeded),
        (0, 30_000, 267, LimitExceeded),
        (7_650_000, 100_000, 4, LimitExceeded),
        (7_800_001, 100_000, 1, LimitExceeded),  # under 2 months' headroom
        (8_000_000, 100_000, 1, LimitExceeded),
        (0, 100_000, 0, OutOfRange),
        (0, 100_000, -1, OutOfRange),
        (0, 100_000, 1.0, InvalidNumber),
    ],
)
def test_allowed_prepayment_refused(paid_before, monthly, months, error):
    with pytest.raises(error):
        sl.allowed_prepayment(paid_before, monthly, months, on=ON)


def test_no_headroom_message():
    with pytest.raises(LimitExceeded) as info:
        sl.allowed_prepayment(7_850_000, 100_000, 1, on=ON)
    assert info.value.message_ja == (
        "積立限度額8,000,000円までの残り150,000円が掛金月額100,000円の2か月分に満たないため、前納できません。"
    )


@pytest.mark.parametrize(
    "paid_before, monthly, months, amount",
    [
        (0, 100_000, 12, 1_200_000),
        (0, 100_000, 79, 7_900_000),
        (0, 200_000, 39, 7_800_000),
        (7_650_000, 100_000, 3, 250_000),
        (0, 30_000, 266, 7_970_000),
    ],
)
def test_validate_prepayment_accepts(paid_before, monthly, months, amount):
    assert sl.validate_prepayment(paid_before, monthly, months, amount, on=ON) == amount
    assert sl.is_valid_prepayment(paid_before, monthly, months, amount, on=ON)


@pytest.mark.parametrize(
    "paid_before, monthly, months, amount, error",
    [
        (7_650_000, 100_000, 3, 300_000, LimitExceeded),  # 3 whole months pass the limit
        (7_650_000, 100_000, 3, 250_001, LimitExceeded),
        (0, 100_000, 80, 8_000_000, LimitExceeded),
        (0, 200_000, 40, 8_000_000, LimitExceeded),
        (0, 100_000, 12, 1_150_000, RuleViolation),  # not 12 months' premium
        (0, 100_000, 12, 1_300_000, RuleViolation),
        (7_650_000, 100_000, 3, 249_999, RuleViolation),  # a remainder must reach the limit exactly
        (7_650_000, 100_000, 2, 250_000, RuleViolation),  # under the limit: a multiple
        (0, 100_000, 12, -1, OutOfRange),
        (0, 100_000, 12, "1200000", InvalidNumber),
        (0, 100_000, 0, 0, OutOfRange),
    ],
)
def test_validate_prepayment_refuses(paid_before, monthly, months, amount, error):
    with pytest.raises(error) as info:
        sl.validate_prepayment(paid_before, monthly, months, amount, on=ON)
    assert type(info.value) is error
    assert not sl.is_valid_prepayment(paid_before, monthly, months, amount, on=ON)


def test_prepayment_messages_name_amount_and_limit():
    with pytest.raises(LimitExceeded) as info:
        sl.validate_prepayment(7_650_000, 100_000, 3, 300_000, on=ON)
    assert (
        info.value.message_ja == "前納額300,000円は積立限度額8,000,000円を超えます。前納できるのは250,000円までです。"
    )
    with pytest.raises(RuleViolation) as info:
        sl.validate_prepayment(0, 100_000, 12, 1_150_000, on=ON)
    assert info.value.message_ja == "前納額1,150,000円は掛金月額100,000円の12か月分（1,200,000円）と一致しません。"
    assert "1,150,000" in info.value.message_en and "1,200,000" in info.value.message_en


@pytest.mark.parametrize(
    "paid_total, monthly, may_stop",
    [
        (0, 5_000, False),
        (199_999, 5_000, False),
        (200_000, 5_000, True),  # 40 × 5,000
        (3_999_999, 100_000, False),
        (4_000_000, 100_000, True),  # 40 × 100,000
        (7_999_999, 200_000, False),
        (8_000_000, 200_000, True),  # 40 × 200,000 is the limit itself
    ],
)
def test_may_stop_paying_at_40_times_the_monthly_premium(paid_total, monthly, may_stop):
    assert sl.may_stop_paying(paid_total, monthly, on=ON) is may_stop


@pytest.mark.parametrize(
    "paid_total, monthly, months",
    [
        (0, 100_000, 80),
        (0, 200_000, 40),
        (0, 30_000, 267),
        (7_899_999, 100_000, 2),
        (7_900_000, 100_000, 1),
        (7_999_999, 100_000, 1),
        (8_000_000, 100_000, 0),
    ],
)
def test_months_until_limit(paid_total, monthly, months):
    assert sl.months_until_limit(paid_total, monthly, on=ON) == months


monthlies = st.integers(min_value=1, max_value=40).map(lambda n: n * 5_000)


@given(st.integers(min_value=0, max_value=LIMIT), monthlies)
def test_the_largest_prepayment_never_passes_the_limit(paid_before, monthly):
    most = sl.max_prepaid_months(paid_before, monthly, on=ON)
    if most == 0:
        assert LIMIT - paid_before < 2 * monthly
        return
    amount = sl.allowed_prepayment(paid_before, monthly, most, on=ON)
    assert paid_before + monthly + amount <= LIMIT
    assert sl.validate_prepayment(paid_before, monthly, most, amount, on=ON) == amount
    # the largest prepayment fills the limit to within less than a month
    assert LIMIT - (paid_before + monthly + amount) < monthly
    with pytest.raises(LimitExceeded):
        sl.allowed_prepayment(paid_before, monthly, most + 1, on=ON)


@given(st.integers(min_value=0, max_value=LIMIT), monthlies, st.integers(min_value=1, max_value=1_600))
def test_prepayment_is_a_multiple_unless_it_reaches_the_limit(paid_before, monthly, months):
    try:
        amount = sl.allowed_prepayment(paid_before, monthly, months, on=ON)
    except LimitExceeded:
        return
    assert amount == months * monthly or paid_before + monthly + amount == LIMIT
