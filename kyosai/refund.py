"""The SAFETY cancellation refund (解約手当金). docs/rules.md §2.6 [SEED][OFF]

The refund is a rate of total premiums less 1/10 of the loans received; the rate depends on the
months paid and on how the contract ended (``SAFETY_REFUND_RATES``):

==============  ==================  ======================================  ==================
months paid     voluntary (任意解約)  deemed (みなし解約: death, dissolution)  by SMRJ (機構解約)
==============  ==================  ======================================  ==================
1–11            0 %                 0 %                                     0 %
12–23           80 %                85 %                                    75 %
24–29           85 %                90 %                                    80 %
30–35           90 %                95 %                                    85 %
36–39           95 %                100 %                                   90 %
40 and more     100 %               100 %                                   95 %
==============  ==================  ======================================  ==================

Prepaid months not yet reached do not count as months paid (the caller counts ``months_paid``
that way; premiums prepaid for months not reached are not part of ``paid_total`` here).

>>> on = datetime.date(2025, 4, 1)
>>> refund_rate(12, on=on), refund_rate(40, "機構解約", on=on)
(Decimal('0.80'), Decimal('0.95'))
>>> compute(1_200_000, 12, on=on)
960000
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from .inputs import whole_number
from .labels import CancellationKind
from .loans import _premiums_less_loans
from .params import P

__all__ = ["refund_rate", "compute"]

_RATE_COLUMN = {
    CancellationKind.VOLUNTARY: "voluntary",
    CancellationKind.DEEMED: "deemed",
    CancellationKind.BY_SMRJ: "by_smrj",
}
"""The column of ``SAFETY_REFUND_RATES`` for each kind of cancellation."""


def refund_rate(
    months_paid: int, kind: CancellationKind | str = CancellationKind.VOLUNTARY, *, on: datetime.date
) -> Decimal:
    """The refund rate (支給率) for ``months_paid`` months and the kind of cancellation. [SEED][OFF]

    The row of ``SAFETY_REFUND_RATES`` with the largest ``from_months`` not above ``months_paid``;
    0 for no month paid. ``on`` picks the table in force (today).

    >>> on = datetime.date(2025, 4, 1)
    >>> refund_rate(11, on=on), refund_rate(12, on=on), refund_rate(23, on=on), refund_rate(24, on=on)
    (Decimal('0'), Decimal('0.80'), Decimal('0.80'), Decimal('0.85'))
    >>> refund_rate(36, "みなし解約", on=on), refund_rate(39, CancellationKind.BY_SMRJ, on=on)
    (Decimal('1.00'), Decimal('0.90'))
    """
    months_paid = whole_number(months_paid, "掛金納付月数", "The months paid")
    column = _RATE_COLUMN[CancellationKind.parse(kind)]
    rate = Decimal(0)
    for row in sorted(P.SAFETY_REFUND_RATES.at(on), key=lambda r: r["from_months"]):
        if months_paid >= row["from_months"]:
            rate = row[column]
    return rate


def compute(
    paid_total: int,
    months_paid: int,
    kind: CancellationKind | str = CancellationKind.VOLUNTARY,
    loans_received: int = 0,
    *,
    on: datetime.date,
) -> int:
    """解約手当金: ``(paid_total − loans_received × 1/10) × refund_rate``, rounded down to the yen,
    never below 0. [SEED][OFF] docs/rules.md §2.6

    ``paid_total`` is the premiums paid (掛金総額) before any loan deduction; ``loans_received`` the
    loans received in all (共済金の貸付額; the 1/10 is ``SAFETY_LOAN_PREMIUM_DEDUCTION``, the same
    subtraction as :func:`kyosai.loans.premiums_after_loan`, rounded once at the end).

    >>> on = datetime.date(2025, 4, 1)
    >>> compute(4_000_000, 40, on=on), compute(4_000_000, 40, "機構解約", on=on), compute(550_000, 11, on=on)
    (4000000, 3800000, 0)
    >>> compute(2_000_000, 24, loans_received=5_000_000, on=on)   # (2,000,000 − 500,000) × 85 %
    1275000
    """
    rate = refund_rate(months_paid, kind, on=on)
    base = _premiums_less_loans(paid_total, loans_received, on=on)
    return max(0, math.floor(base * rate))
