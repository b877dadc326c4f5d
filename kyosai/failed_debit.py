"""What is billed after a failed debit (振替不能). docs/rules.md §1.7, §2.4 [SEED][OFF]

SKY: the month after the failure is not billed; each unpaid month is billed again, with that
month's own premium, in the **first even-numbered month at least two months later**
(``SKY_REBILLING_MONTHS``, ``SKY_REBILLING_MIN_MONTHS_AFTER``). An annual (semi-annual) payer's lump
sum is not re-billed: the failed month's premium is, and the next designated month bills 12 (6)
months again.

SAFETY: the month after the failure is not billed; the month after that
(``SAFETY_CATCH_UP_MONTHS_AFTER``) bills three months (its own, the failed month and the next),
then each month its own. A failed prepayment is not re-billed.

The parameters are those in force in the month that was not paid.

The seed's example, an annual SKY payer whose December 2024 debit fails:

>>> for row in plan(Month(2024, 12), Scheme.SKY, 70000):
...     print(row)
2025-01: 0 months, 0円
2025-02: 2025-02, 2024-12 — 140,000円
2025-03: 2025-03 — 70,000円
2025-04: 2025-04, 2025-01 — 140,000円
>>> [str(row) for row in plan(Month(2024, 12), Scheme.SAFETY, 100000)]
['2025-01: 0 months, 0円', '2025-02: 2025-02, 2024-12, 2025-01 — 300,000円']
"""

from __future__ import annotations

from dataclasses import dataclass

from .labels import Scheme
from .month import Month
from .params import P

__all__ = ["Billing", "sky_rebilling_month", "plan"]


@dataclass(frozen=True)
class Billing:
    """What is billed in one month after the failure: the months collected and the amount."""

    month: Month
    months_billed: tuple[Month, ...]
    amount: int

    def __str__(self) -> str:
        if not self.months_billed:
            return f"{self.month}: 0 months, 0円"
        return f"{self.month}: {', '.join(map(str, self.months_billed))} — {self.amount:,}円"


def sky_rebilling_month(unpaid: Month) -> Month:
    """The first even-numbered month at least two months after an unpaid SKY month.

    The months are ``SKY_REBILLING_MONTHS``, the two months ``SKY_REBILLING_MIN_MONTHS_AFTER``.

    >>> sky_rebilling_month(Month(2024, 12)), sky_rebilling_month(Month(2025, 1))
    (Month(2025, 2), Month(2025, 4))
    """
    on = unpaid.first_day
    month = unpaid + P.SKY_REBILLING_MIN_MONTHS_AFTER.at(on)
    rebilling_months = P.SKY_REBILLING_MONTHS.at(on)
    while month.month not in rebilling_months:  # at most 11 steps: the list names calendar months
        month += 1
    return month


def plan(failed: Month, scheme: Scheme | str = Scheme.SKY, monthly_amount: int = 0) -> list[Billing]:
    """The months after a failed debit up to the last catch-up, with what each bills."""
    scheme = Scheme.parse(scheme)
    skipped = failed + 1
    if scheme is Scheme.SAFETY:
        catch_up = failed + P.SAFETY_CATCH_UP_MONTHS_AFTER.at(failed.first_day)
        skipped_months = tuple(failed + k for k in range(1, catch_up - failed))
        rows = [*((month, ()) for month in skipped_months), (catch_up, (catch_up, failed, *skipped_months))]
    else:
        unpaid = (failed, skipped)
        last = max(sky_rebilling_month(m) for m in unpaid)
        rows = []
        month = skipped
        while month <= last:
            own = () if month == skipped else (month,)
            rows.append((month, own + tuple(m for m in unpaid if sky_rebilling_month(m) == month)))
            month += 1
    return [Billing(month, billed, len(billed) * monthly_amount) for month, billed in rows]
