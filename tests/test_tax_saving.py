"""The SKY tax-saving simulator (docs/rules.md §1.9)."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyosai import tax_saving as ts
from kyosai.errors import InvalidNumber, InvalidPremium, OutOfRange

D = dt.date
ON = D(2025, 1, 6)

# docs/rules.md §1.9 written out again, independently of the parameters file
BRACKETS = [
    (1_950_000, "0.05", 0),
    (3_300_000, "0.10", 97_500),
    (6_950_000, "0.20", 427_500),
    (9_000_000, "0.23", 636_000),
    (18_000_000, "0.33", 1_536_000),
    (40_000_000, "0.40", 2_796_000),
    (None, "0.45", 4_796_000),
]


def reference_income_tax(t):
    for up_to, rate, sub in BRACKETS:
        if up_to is None or t <= up_to:
            return math.floor((t * Decimal(rate) - sub) * Decimal("1.021") / 100) * 100


def test_official_example():
    # monthly 50,000, taxable income 7,200,000 → 127,500 + 2,700 + 60,000 = 190,200
    assert ts.compute(7_200_000, 50_000, ON) == 190_200
    assert ts.income_tax(7_200_000, ON) - ts.income_tax(6_600_000, ON) == 127_500 + 2_700
    assert ts.resident_tax(7_200_000, ON) - ts.resident_tax(6_600_000, ON) == 60_000


@pytest.mark.parametrize(
    "t, expected",
    [
        (0, 0),
        (1_000, 0),  # 50 × 1.021 = 51.05 → 0
        (2_000, 100),
        (1_950_000, 99_500),  # 97,500 × 1.021 = 99,547.5
        (1_950_001, 99_500),
        (3_300_000, 237_300),  # 232,500 × 1.021 = 237,382.5
        (7_200_000, 1_041_400),  # 1,020,000 × 1.021
        (6_600_000, 911_200),  # 892,500 × 1.021 = 911,242.5
        (50_000_000, 18_075_700),
    ],
)
def test_income_tax(t, expected):
    assert ts.income_tax(t, ON) == expected == reference_income_tax(t)


@pytest.mark.parametrize("t", [b for b, _, _ in BRACKETS if b] + [b + 1 for b, _, _ in BRACKETS if b])
def test_income_tax_both_sides_of_every_bracket(t):
    assert ts.income_tax(t, ON) == reference_income_tax(t)
    # the quick table is continuous: one yen more never costs more than rounding
    assert 0 <= ts.income_tax(t + 1, ON) - ts.income_tax(t, ON) <= 100


@pytest.mark.parametrize("t, expected", [(0, 5_000), (7_200_000, 725_000), (12_345, 6_234), (9, 5_000)])
def test_resident_tax(t, expected):
    assert ts.resident_tax(t, ON) == expected


@pytest.mark.parametrize(
    "t, monthly, expected",
    [
        (7_200_000, 50_000, 190_200),  # official example
        (7_200_000, 70_000, 263_200),
        (0, 70_000, 0),  # no income, no saving
        (300_000, 70_000, 45_300),  # income below the deduction floors at 0
        (840_000, 70_000, 126_800),  # exactly the deduction
        (1_950_000, 1_000, 1_800),
        (50_000_000, 70_000, 469_900),  # 840,000 × 45 % × 1.021 + 84,000
    ],
)
def test_compute(t, monthly, expected):
    assert ts.compute(t, monthly, ON) == expected
    after = max(0, t - 12 * monthly)
    assert expected == (
        reference_income_tax(t)
        - reference_income_tax(after)
        + math.floor(t * Decimal("0.1"))
        - math.floor(after * Decimal("0.1"))
    )


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: ts.compute(-1, 50_000, ON), OutOfRange),
        (lambda: ts.income_tax(-1, ON), OutOfRange),
        (lambda: ts.resident_tax(-1, ON), OutOfRange),
        (lambda: ts.compute(7_200_000.0, 50_000, ON), InvalidNumber),
        (lambda: ts.compute(7_200_000, 0, ON), InvalidPremium),
        (lambda: ts.compute(7_200_000, 50_250, ON), InvalidPremium),
        (lambda: ts.compute(7_200_000, 70_500, ON), InvalidPremium),
        (lambda: ts.income_tax(7_200_000, D(2014, 12, 31)), OutOfRange),  # before the quick table in force
    ],
)
def test_bad_input(call, error):
    with pytest.raises(error):
        call()


def test_negative_income_message():
    with pytest.raises(OutOfRange) as info:
        ts.compute(-1, 50_000, ON)
    assert info.value.message_ja == "課税される所得金額は0以上です（-1）。"
    assert info.value.message_en == "The taxable income must be at least 0 (got -1)."


@given(st.integers(min_value=0, max_value=100_000_000), st.integers(min_value=3, max_value=140))
def test_saving_is_never_negative_and_grows_with_the_premium(t, steps):
    monthly = steps * 500
    saving = ts.compute(t, monthly, ON)
    assert saving >= 0
    assert ts.compute(t, monthly - 500, ON) <= saving
