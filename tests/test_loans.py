"""SAFETY loans when a customer goes bankrupt (docs/rules.md §2.5)."""

import datetime as dt

import pytest

from kyosai import loans
from kyosai.errors import InvalidDate, InvalidNumber, MissingValue, OutOfRange, RuleViolation

ON = dt.date(2025, 4, 1)  # the rules are asked on a date of the law in force

D = dt.date


@pytest.mark.parametrize(
    "paid_total, receivables, outstanding, expected",
    [
        # [SEED] 掛金総額の10倍(最高8,000万円まで)か、回収困難な売掛金債権等の額のいずれか少ない額
        (3_000_000, 25_000_000, 0, 25_000_000),  # receivables decide
        (3_000_000, 30_000_000, 0, 30_000_000),  # equal
        (3_000_000, 30_000_001, 0, 30_000_000),  # 10 × premiums decide
        (8_000_000, 90_000_000, 0, 80_000_000),  # the 80,000,000 ceiling
        (8_000_000, 80_000_000, 0, 80_000_000),
        (8_000_000, 90_000_000, 60_000_000, 20_000_000),
        (8_000_000, 90_000_000, 79_999_999, 1),
        (8_000_000, 90_000_000, 80_000_000, 0),
        (8_000_000, 90_000_000, 85_000_000, 0),  # never below 0
        (0, 10_000_000, 0, 0),
        (1_000_000, 0, 0, 0),
    ],
)
def test_loan_limit(paid_total, receivables, outstanding, expected):
    assert loans.loan_limit(paid_total, receivables, outstanding, on=ON) == expected


@pytest.mark.parametrize(
    "args, error",
    [
        ((-1, 1), OutOfRange),
        ((1, -1), OutOfRange),
        ((1, 1, -1), OutOfRange),
        ((1.5, 1), InvalidNumber),
    ],
)
def test_loan_limit_bad_input(args, error):
    with pytest.raises(error):
        loans.loan_limit(*args, on=ON)


@pytest.mark.parametrize(
    "paid_total, loan, expected",
    [
        (3_000_000, 25_000_000, 500_000),  # 1/10 of the loan is subtracted [SEED]
        (1_000_000, 1_000_000, 900_000),
        (1_000_000, 10_000_000, 0),  # the most a 1,000,000 total can borrow
        (1_000_000, 3_000_005, 699_999),  # 699,999.5 rounded down
        (1_000_000, 0, 1_000_000),
        (1_000_000, 20_000_000, 0),  # never below 0
    ],
)
def test_premiums_after_loan(paid_total, loan, expected):
    assert loans.premiums_after_loan(paid_total, loan, on=ON) == expected


@pytest.mark.parametrize(
    "joined_on, first",
    [
        (D(2024, 1, 15), D(2024, 7, 15)),  # the same day 6 months later
        (D(2024, 1, 1), D(2024, 7, 1)),
        (D(2024, 3, 31), D(2024, 9, 30)),  # no 31 September
        (D(2024, 8, 31), D(2025, 2, 28)),
        (D(2023, 8, 31), D(2024, 2, 29)),  # leap year
        (D(2024, 8, 29), D(2025, 2, 28)),
        (D(2024, 8, 27), D(2025, 2, 27)),
        (D(2024, 2, 29), D(2024, 8, 31)),  # from a month's last day: that month's last day
        (D(2024, 12, 31), D(2025, 6, 30)),
        (dt.datetime(2024, 1, 15, 9), D(2024, 7, 15)),
    ],
)
def test_covered_from(joined_on, first):
    assert loans.covered_from(joined_on) == first


@pytest.mark.parametrize(
    "bankruptcy_on, deadline",
    [
        (D(2024, 7, 15), D(2025, 1, 16)),  # the 6 months elapse on 01-15; 経過した日 is 01-16
        (D(2024, 1, 1), D(2024, 7, 2)),
        (D(2024, 8, 31), D(2025, 3, 1)),
        (D(2023, 8, 31), D(2024, 3, 1)),
        (D(2024, 2, 29), D(2024, 9, 1)),
        (D(2024, 12, 31), D(2025, 7, 1)),
        (D(2024, 6, 30), D(2025, 1, 1)),
    ],
)
def test_request_deadline(bankruptcy_on, deadline):
    assert loans.request_deadline(bankruptcy_on) == deadline


JOINED = D(2024, 1, 15)
R1 = "less than 6 months after joining"
R2 = "months of premiums were paid"
R3 = "more than 6 months after the bankruptcy"


@pytest.mark.parametrize(
    "joined_on, bankruptcy_on, requested_on, months_paid, expected",
    [
        (JOINED, D(2024, 7, 15), D(2024, 8, 1), 6, []),
        # 1. the bankruptcy, both sides of 6 months after joining
        (JOINED, D(2024, 7, 14), D(2024, 8, 1), 6, [R1]),
        (JOINED, D(2024, 7, 15), D(2024, 8, 1), 6, []),
        (JOINED, D(2023, 12, 1), D(2024, 1, 20), 6, [R1]),  # before joining
        (D(2024, 8, 31), D(2025, 2, 27), D(2025, 3, 1), 6, [R1]),
        (D(2024, 8, 31), D(2025, 2, 28), D(2025, 3, 1), 6, []),
        # 2. premiums paid by the bankruptcy, both sides of 6 months
        (JOINED, D(2024, 9, 1), D(2024, 9, 2), 5, [R2]),
        (JOINED, D(2024, 9, 1), D(2024, 9, 2), 6, []),
        (JOINED, D(2024, 9, 1), D(2024, 9, 2), 0, [R2]),
        # 3. the request, both sides of the deadline
        (JOINED, D(2024, 7, 15), D(2025, 1, 15), 6, []),
        (JOINED, D(2024, 7, 15), D(2025, 1, 16), 6, []),
        (JOINED, D(2024, 7, 15), D(2025, 1, 17), 6, [R3]),
        (JOINED, D(2024, 7, 15), D(2024, 7, 15), 6, []),  # the same day
        (D(2023, 1, 1), D(2024, 8, 31), D(2025, 3, 1), 12, []),
        (D(2023, 1, 1), D(2024, 8, 31), D(2025, 3, 2), 12, [R3]),
        # all three at once
        (JOINED, D(2024, 5, 1), D(2024, 11, 3), 3, [R1, R2, R3]),
    ],
)
def test_refusal_reasons(joined_on, bankruptcy_on, requested_on, months_paid, expected):
    reasons = loans.refusal_reasons(joined_on, bankruptcy_on, requested_on, months_paid)
    assert len(reasons) == len(expected)
    for (ja, en), fragment in zip(reasons, expected, strict=True):
        assert fragment in en
        assert ja and not ja.isascii()
    assert loans.is_valid_request(joined_on, bankruptcy_on, requested_on, months_paid) is (not expected)
    if expected:
        with pytest.raises(RuleViolation) as info:
            loans.validate_request(joined_on, bankruptcy_on, requested_on, months_paid)
        assert info.value.value == reasons
        for ja, en in reasons:
            assert ja in info.value.message_ja and en in info.value.message_en
    else:
        assert loans.validate_request(joined_on, bankruptcy_on, requested_on, months_paid) == requested_on


def test_reason_messages_name_dates_and_limits():
    reasons = loans.refusal_reasons(JOINED, D(2024, 5, 1), D(2024, 11, 3), 3)
    assert reasons[0][0] == "倒産日2024-05-01は加入日2024-01-15から6か月未満です（2024-07-15以後の倒産が対象）。"
    assert reasons[1][0] == "倒産日までの掛金納付月数3か月が6か月に達していません。"
    assert reasons[2][0] == "貸付請求日2024-11-03は倒産日2024-05-01から6か月を経過した後です（請求期限2024-11-02）。"
    with pytest.raises(RuleViolation) as info:
        loans.validate_request(JOINED, D(2024, 5, 1), D(2024, 11, 3), 3)
    assert info.value.message_ja.startswith("共済金の貸付けを受けられません。倒産日2024-05-01")
    assert info.value.message_en.startswith("No loan can be made: The bankruptcy on 2024-05-01")


@pytest.mark.parametrize(
    "args, error",
    [
        ((JOINED, D(2024, 9, 1), D(2024, 8, 31), 6), OutOfRange),  # request before the bankruptcy
        ((JOINED, D(2024, 9, 1), D(2024, 9, 2), -1), OutOfRange),
        ((JOINED, D(2024, 9, 1), D(2024, 9, 2), 6.0), InvalidNumber),
        (("2024-01-15", D(2024, 9, 1), D(2024, 9, 2), 6), InvalidDate),
        ((JOINED, None, D(2024, 9, 2), 6), MissingValue),
    ],
)
def test_refusal_reasons_bad_input(args, error):
    with pytest.raises(error):
        loans.refusal_reasons(*args)
    with pytest.raises(error):
        loans.validate_request(*args)
    assert loans.is_valid_request(*args) is False
