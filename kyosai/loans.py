"""SAFETY loans when a customer goes bankrupt (共済金の貸付け). docs/rules.md §2.5 [SEED][OFF]

- The loan is at most **min(10 × total premiums, the uncollectible receivables)**
  (``SAFETY_LOAN_MULTIPLE``), and loans outstanding may not pass **80,000,000 yen**
  (``SAFETY_LOAN_MAX_OUTSTANDING``). No collateral, no guarantor, no interest.
- **1/10 of the loan** (``SAFETY_LOAN_PREMIUM_DEDUCTION``) is subtracted from total premiums.
- Refused when the bankruptcy came less than 6 months after joining, fewer than 6 months of
  premiums were paid by then, or the request comes more than 6 months after the bankruptcy
  (``SAFETY_LOAN_*`` parameters).

>>> on = datetime.date(2025, 4, 1)
>>> loan_limit(3_000_000, 25_000_000, on=on)
25000000
>>> loan_limit(3_000_000, 50_000_000, on=on), loan_limit(3_000_000, 50_000_000, outstanding_loans=60_000_000, on=on)
(30000000, 20000000)
>>> premiums_after_loan(3_000_000, 25_000_000, on=on)
500000

Dates [DECISION]: the 6-month periods are counted as Japanese law counts them (民法 第140条・第143条;
中小企業倒産防止共済法 第9条第1項), the day of the event itself not counted:

- joined on 2024-01-15, the 6 months after joining end on **2024-07-15**: a bankruptcy on that day
  or later may give a loan (:func:`covered_from`);
- after a bankruptcy on 2024-07-15 the 6 months elapse on 2025-01-15; the statute refuses a request
  made after "the day the 6 months have elapsed" (六月を経過した日後), i.e. after **2025-01-16**
  (:func:`request_deadline`).

>>> covered_from(datetime.date(2024, 1, 15)), request_deadline(datetime.date(2024, 7, 15))
(datetime.date(2024, 7, 15), datetime.date(2025, 1, 16))
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from .errors import OutOfRange, RuleViolation
from .inputs import accepts, all_reasons, as_date, whole_number
from .month import elapses_on
from .params import P

__all__ = [
    "loan_limit",
    "premiums_after_loan",
    "covered_from",
    "request_deadline",
    "refusal_reasons",
    "validate_request",
    "is_valid_request",
]


def loan_limit(paid_total: int, receivables: int, outstanding_loans: int = 0, *, on: datetime.date) -> int:
    """The most a contractor may borrow for one bankruptcy (共済金の貸付限度額), never below 0.

    ``min(SAFETY_LOAN_MULTIPLE × paid_total, receivables, SAFETY_LOAN_MAX_OUTSTANDING −
    outstanding_loans)``: ``paid_total`` is the current total premiums (already reduced by 1/10 of
    earlier loans, :func:`premiums_after_loan`), ``receivables`` the uncollectible receivables
    (回収困難な売掛金債権等), ``outstanding_loans`` the loans not yet repaid. [SEED][OFF]

    >>> on = datetime.date(2025, 4, 1)
    >>> loan_limit(1_000_000, 12_000_000, on=on), loan_limit(8_000_000, 90_000_000, on=on)
    (10000000, 80000000)
    >>> loan_limit(8_000_000, 90_000_000, outstanding_loans=80_000_000, on=on)
    0
    """
    paid_total = whole_number(paid_total, "掛金総額", "Total premiums")
    receivables = whole_number(receivables, "回収困難な売掛金債権等の額", "The uncollectible receivables")
    outstanding_loans = whole_number(outstanding_loans, "貸付残高", "The outstanding loans")
    room = P.SAFETY_LOAN_MAX_OUTSTANDING.at(on) - outstanding_loans
    return max(0, min(P.SAFETY_LOAN_MULTIPLE.at(on) * paid_total, receivables, room))


def premiums_after_loan(paid_total: int, loan: int, *, on: datetime.date) -> int:
    """Total premiums after a loan: ``paid_total − loan × SAFETY_LOAN_PREMIUM_DEDUCTION`` (1/10),
    rounded down to the yen and never below 0. [SEED] 共済金貸付額の10分の1に相当する額が掛金総額から控除

    >>> on = datetime.date(2025, 4, 1)
    >>> premiums_after_loan(1_000_000, 10_000_000, on=on), premiums_after_loan(1_000_000, 3_000_005, on=on)
    (0, 699999)
    """
    return max(0, math.floor(_premiums_less_loans(paid_total, loan, on=on)))


def covered_from(joined_on: datetime.date, *, on: datetime.date | None = None) -> datetime.date:
    """The first bankruptcy date that can give a loan to a contractor who joined on ``joined_on``.

    A bankruptcy less than ``SAFETY_LOAN_MIN_MONTHS_AFTER_JOINING`` (6) months after joining is not
    covered [SEED]. [DECISION] The joining day is not counted (民法 第140条), so the 6 months end on
    the same day of the month 6 months later — the last day of a shorter month, and the month's
    last day for a contract that began on a month's last day — and a bankruptcy on that day is
    covered. ``on`` picks the parameter in force (default: ``joined_on``).

    >>> covered_from(datetime.date(2024, 1, 15)), covered_from(datetime.date(2024, 8, 31))
    (datetime.date(2024, 7, 15), datetime.date(2025, 2, 28))
    >>> covered_from(datetime.date(2024, 2, 29))
    datetime.date(2024, 8, 31)
    """
    joined_on = as_date(joined_on, "加入日", "The joining date")
    return elapses_on(joined_on, P.SAFETY_LOAN_MIN_MONTHS_AFTER_JOINING.at(on or joined_on))


def request_deadline(bankruptcy_on: datetime.date, *, on: datetime.date | None = None) -> datetime.date:
    """The last day a loan request for a bankruptcy on ``bankruptcy_on`` is accepted.

    [SEED] 倒産日から6か月を経過した後の請求は不可; [OFF] 中小企業倒産防止共済法 第9条第1項第1号:
    refused when "請求が倒産の発生の日から六月を経過した日後にされたものであるとき". [DECISION] The
    bankruptcy day is not counted (民法 第140条): the ``SAFETY_LOAN_REQUEST_WITHIN_MONTHS`` (6)
    months elapse on the same day of the month 6 months later (the last day of a shorter month),
    and "the day they have elapsed" (経過した日) is the day after, which is the last day a request is
    accepted. ``on`` picks the parameter in force (default: ``bankruptcy_on``).

    >>> request_deadline(datetime.date(2024, 7, 15)), request_deadline(datetime.date(2024, 8, 31))
    (datetime.date(2025, 1, 16), datetime.date(2025, 3, 1))
    """
    bankruptcy_on = as_date(bankruptcy_on, "倒産日", "The bankruptcy date")
    months = P.SAFETY_LOAN_REQUEST_WITHIN_MONTHS.at(on or bankruptcy_on)
    return elapses_on(bankruptcy_on, months) + datetime.timedelta(days=1)


def refusal_reasons(
    joined_on: datetime.date, bankruptcy_on: datetime.date, requested_on: datetime.date, months_paid_by_bankruptcy: int
) -> list[tuple[str, str]]:
    """Every reason a loan request is refused, as (Japanese, English) pairs; [] when none. [SEED][OFF]

    1. the bankruptcy came before :func:`covered_from` (``joined_on``): less than 6 months after joining;
    2. fewer than ``SAFETY_LOAN_MIN_MONTHS_PAID`` (6) months of premiums were paid by the bankruptcy
       (``months_paid_by_bankruptcy``: months actually paid, prepaid months not yet reached excluded);
    3. the request came after :func:`request_deadline` (``bankruptcy_on``).

    A request dated before the bankruptcy raises OutOfRange. The other conditions of the law (the
    contractor still an SME, not itself bankrupt, no overdue repayment, a loan of at least the
    minimum, a "bankruptcy" within the law's meaning — not a customer who vanished) are not checked.

    >>> refusal_reasons(datetime.date(2024, 1, 15), datetime.date(2024, 7, 15), datetime.date(2025, 1, 16), 6)
    []
    >>> [en for ja, en in refusal_reasons(datetime.date(2024, 1, 15), datetime.date(2024, 7, 14),
    ...                                   datetime.date(2025, 1, 17), 5)]   # doctest: +NORMALIZE_WHITESPACE
    ['The bankruptcy on 2024-07-14 came less than 6 months after joining on 2024-01-15 (covered from 2024-07-15).',
     'Only 5 months of premiums were paid by the bankruptcy; at least 6 are needed.',
     'The request on 2025-01-17 came more than 6 months after the bankruptcy on 2024-07-14 (deadline 2025-01-15).']
    """
    joined_on = as_date(joined_on, "加入日", "The joining date")
    bankruptcy_on = as_date(bankruptcy_on, "倒産日", "The bankruptcy date")
    requested_on = as_date(requested_on, "貸付請求日", "The request date")
    months_paid = whole_number(
        months_paid_by_bankruptcy, "倒産日までの掛金納付月数", "The months of premiums paid by the bankruptcy"
    )
    if requested_on < bankruptcy_on:
        raise OutOfRange(
            f"貸付請求日{requested_on.isoformat()}が倒産日{bankruptcy_on.isoformat()}より前です。",
            f"The request date {requested_on.isoformat()} is before the bankruptcy on {bankruptcy_on.isoformat()}.",
            value=requested_on,
        )
    reasons: list[tuple[str, str]] = []

    after_joining = P.SAFETY_LOAN_MIN_MONTHS_AFTER_JOINING.at(joined_on)
    first = covered_from(joined_on)
    if bankruptcy_on < first:
        reasons.append(
            (
                f"倒産日{bankruptcy_on.isoformat()}は加入日{joined_on.isoformat()}から{after_joining}か月未満です"
                f"（{first.isoformat()}以後の倒産が対象）。",
                f"The bankruptcy on {bankruptcy_on.isoformat()} came less than {after_joining} months after "
                f"joining on {joined_on.isoformat()} (covered from {first.isoformat()}).",
            )
        )

    need = P.SAFETY_LOAN_MIN_MONTHS_PAID.at(bankruptcy_on)
    if months_paid < need:
        reasons.append(
            (
                f"倒産日までの掛金納付月数{months_paid}か月が{need}か月に達していません。",
                f"Only {months_paid} months of premiums were paid by the bankruptcy; at least {need} are needed.",
            )
        )

    within = P.SAFETY_LOAN_REQUEST_WITHIN_MONTHS.at(bankruptcy_on)
    deadline = request_deadline(bankruptcy_on)
    if requested_on > deadline:
        reasons.append(
            (
                f"貸付請求日{requested_on.isoformat()}は倒産日{bankruptcy_on.isoformat()}から{within}か月を経過した後です"
                f"（請求期限{deadline.isoformat()}）。",
                f"The request on {requested_on.isoformat()} came more than {within} months after the bankruptcy on "
                f"{bankruptcy_on.isoformat()} (deadline {deadline.isoformat()}).",
            )
        )
    return reasons


def validate_request(
    joined_on: datetime.date, bankruptcy_on: datetime.date, requested_on: datetime.date, months_paid_by_bankruptcy: int
) -> datetime.date:
    """Check a loan request's dates and months paid; return ``requested_on``, or raise RuleViolation
    naming **every** reason of :func:`refusal_reasons`. [SEED][OFF]

    >>> validate_request(datetime.date(2023, 4, 1), datetime.date(2024, 7, 15), datetime.date(2024, 8, 1), 15)
    datetime.date(2024, 8, 1)
    >>> validate_request(datetime.date(2024, 4, 1), datetime.date(2024, 7, 15), datetime.date(2024, 8, 1), 4)
    Traceback (most recent call last):
    ...
    kyosai.errors.RuleViolation: 共済金の貸付けを受けられません。倒産日2024-07-15は加入日2024-04-01から6か月未満です（2024-10-01以後の倒産が対象）。倒産日までの掛金納付月数4か月が6か月に達していません。 / ...
    """  # noqa: E501 - a doctest's Japanese message, one unbroken line as raised
    reasons = refusal_reasons(joined_on, bankruptcy_on, requested_on, months_paid_by_bankruptcy)
    if reasons:
        raise all_reasons(RuleViolation, "共済金の貸付けを受けられません。", "No loan can be made:", reasons)
    return as_date(requested_on, "貸付請求日", "The request date")


def is_valid_request(
    joined_on: datetime.date, bankruptcy_on: datetime.date, requested_on: datetime.date, months_paid_by_bankruptcy: int
) -> bool:
    """True when a loan may be made (:func:`validate_request` accepts the request); else False.

    False when a reason of :func:`refusal_reasons` applies, and for unreadable input. [SEED][OFF]

    >>> is_valid_request(datetime.date(2024, 1, 15), datetime.date(2024, 7, 15), datetime.date(2025, 1, 16), 6)
    True
    >>> is_valid_request(datetime.date(2024, 1, 15), datetime.date(2024, 7, 15), datetime.date(2025, 1, 17), 6)
    False
    """
    return accepts(validate_request, joined_on, bankruptcy_on, requested_on, months_paid_by_bankruptcy)


def _premiums_less_loans(paid_total: int, loans: int, *, on: datetime.date) -> Decimal:
    """``paid_total − loans × SAFETY_LOAN_PREMIUM_DEDUCTION``, exact (shared with :mod:`kyosai.refund`)."""
    paid_total = whole_number(paid_total, "掛金総額", "Total premiums")
    loans = whole_number(loans, "共済金の貸付額", "The loan")
    return paid_total - loans * P.SAFETY_LOAN_PREMIUM_DEDUCTION.at(on)
