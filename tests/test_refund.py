"""The SAFETY cancellation refund (docs/rules.md §2.6)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyosai import refund
from kyosai.errors import InvalidLabel, InvalidNumber, OutOfRange
from kyosai.labels import CancellationKind

ON = dt.date(2025, 4, 1)  # the rules are asked on a date of the law in force

V, M, S = CancellationKind.VOLUNTARY, CancellationKind.DEEMED, CancellationKind.BY_SMRJ

# months paid → (voluntary, deemed, by SMRJ) in per cent; both sides of every row boundary
TABLE = [
    (0, 0, 0, 0),
    (1, 0, 0, 0),
    (11, 0, 0, 0),
    (12, 80, 85, 75),
    (23, 80, 85, 75),
    (24, 85, 90, 80),
    (29, 85, 90, 80),
    (30, 90, 95, 85),
    (35, 90, 95, 85),
    (36, 95, 100, 90),
    (39, 95, 100, 90),
    (40, 100, 100, 95),
    (240, 100, 100, 95),
]


@pytest.mark.parametrize("months, voluntary, deemed, by_smrj", TABLE)
def test_refund_rate(months, voluntary, deemed, by_smrj):
    for kind, percent in ((V, voluntary), (M, deemed), (S, by_smrj)):
        rate = refund.refund_rate(months, kind, on=ON)
        assert isinstance(rate, Decimal)
        assert rate == Decimal(percent) / 100


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("任意解約", Decimal("0.95")),
        ("任意", Decimal("0.95")),
        ("voluntary", Decimal("0.95")),
        ("みなし解約", Decimal("1.00")),
        ("deemed", Decimal("1.00")),
        ("機構解約", Decimal("0.90")),
        ("smrj", Decimal("0.90")),
    ],
)
def test_refund_rate_reads_labels(kind, expected):
    assert refund.refund_rate(36, kind, on=ON) == expected


@pytest.mark.parametrize(
    "paid_total, months, kind, loans_received, expected",
    [
        # [SEED] 加入後1年以上で掛金総額の80%以上、40か月以上で100%
        (1_200_000, 12, V, 0, 960_000),
        (4_000_000, 40, V, 0, 4_000_000),
        (4_000_000, 40, S, 0, 3_800_000),
        (550_000, 11, V, 0, 0),  # under 12 months: forfeited
        (0, 0, V, 0, 0),  # nothing paid
        (8_000_000, 80, M, 0, 8_000_000),
        (1_750_000, 35, M, 0, 1_662_500),
        (195_000, 39, S, 0, 175_500),
        # loans received: 1/10 subtracted first
        (2_000_000, 24, V, 5_000_000, 1_275_000),
        (1_000_000, 40, V, 10_000_000, 0),
        (1_000_000, 40, V, 20_000_000, 0),  # never below 0
        # rounded down once, at the end
        (1_000_001, 12, V, 0, 800_000),  # 800,000.8
        (1_000_003, 24, V, 5, 850_002),  # (1,000,003 − 0.5) × 0.85 = 850,002.125
        (15_005, 12, S, 0, 11_253),  # 11,253.75
    ],
)
def test_compute(paid_total, months, kind, loans_received, expected):
    assert refund.compute(paid_total, months, kind, loans_received, on=ON) == expected


@pytest.mark.parametrize(
    "args, error",
    [
        ((1_000_000, -1), OutOfRange),
        ((-1, 12), OutOfRange),
        ((1_000_000, 12, V, -1), OutOfRange),
        ((1_000_000, 12.0), InvalidNumber),
        ((1_000_000, 12, "解除"), InvalidLabel),
    ],
)
def test_compute_bad_input(args, error):
    with pytest.raises(error):
        refund.compute(*args, on=ON)


@given(
    st.integers(min_value=0, max_value=8_000_000),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(list(CancellationKind)),
)
def test_refund_never_exceeds_premiums_and_grows_with_months(paid_total, months, kind):
    amount = refund.compute(paid_total, months, kind, on=ON)
    assert 0 <= amount <= paid_total
    assert refund.compute(paid_total, months + 1, kind, on=ON) >= amount
    assert (
        refund.refund_rate(months, CancellationKind.BY_SMRJ, on=ON)
        <= refund.refund_rate(months, V, on=ON)
        <= refund.refund_rate(months, CancellationKind.DEEMED, on=ON)
    )
