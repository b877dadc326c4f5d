"""The SAFETY 2-year rule on rejoining (docs/rules.md §2.7)."""

import datetime as dt

import pytest

from kyosai import rejoin
from kyosai.errors import InvalidDate, MissingValue

D = dt.date


@pytest.mark.parametrize(
    "cancelled, until",
    [
        (D(2024, 10, 31), D(2026, 10, 31)),  # seed example
        (D(2024, 9, 30), None),  # cancelled before 2024-10-01: the rule does not apply
        (D(2020, 1, 1), None),
        (D(2024, 10, 1), D(2026, 10, 1)),  # the first day the rule applies
        (D(2024, 12, 15), D(2026, 12, 15)),
        (D(2025, 12, 31), D(2027, 12, 31)),
        (D(2025, 3, 1), D(2027, 3, 1)),
        (D(2028, 2, 29), D(2030, 2, 28)),  # 29 February → 28 February
        (D(2026, 2, 28), D(2028, 2, 29)),  # a month's last day → that month's last day
        (D(2027, 2, 28), D(2029, 2, 28)),
        (D(2027, 3, 31), D(2029, 3, 31)),
        (dt.datetime(2024, 10, 31, 17, 0), D(2026, 10, 31)),
    ],
)
def test_non_deductible_until(cancelled, until):
    assert rejoin.non_deductible_until(cancelled) == until


CANCELLED = D(2024, 10, 31)


@pytest.mark.parametrize(
    "paid_on, cancelled, deductible",
    [
        # seed: cancelled 2024-10-31, rejoined 2024-11-01 → not deductible until 2026-10-31
        (D(2024, 11, 1), CANCELLED, False),
        (D(2024, 11, 27), CANCELLED, False),
        (D(2025, 12, 26), CANCELLED, False),
        (D(2026, 10, 31), CANCELLED, False),
        (D(2026, 11, 1), CANCELLED, True),
        (D(2026, 11, 27), CANCELLED, True),
        (D(2024, 10, 31), CANCELLED, False),  # the cancellation day itself is in the window
        (D(2024, 10, 27), CANCELLED, True),  # before the cancellation: the old contract's premium
        (D(2024, 10, 27), None, True),  # no previous contract
        (D(2024, 11, 27), D(2024, 9, 30), True),
        (D(2030, 2, 28), D(2028, 2, 29), False),
        (D(2030, 3, 1), D(2028, 2, 29), True),
    ],
)
def test_is_premium_deductible(paid_on, cancelled, deductible):
    assert rejoin.is_premium_deductible(paid_on, cancelled) is deductible


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: rejoin.non_deductible_until("2024-10-31"), InvalidDate),
        (lambda: rejoin.non_deductible_until(None), MissingValue),
    ],
)
def test_bad_input(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize("paid_on, cancelled", [(None, CANCELLED), (D(2025, 1, 1), 20241031), ("x", None)])
def test_an_unreadable_date_is_not_deductible_and_does_not_raise(paid_on, cancelled):
    assert rejoin.is_premium_deductible(paid_on, cancelled) is False
