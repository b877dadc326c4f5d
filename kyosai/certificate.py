"""When the SKY deduction certificate (掛金控除証明書) is sent for a year. docs/rules.md §1.6 [SEED]

The seed's table for year Y, read off the payment schedule:

- **November of Y** (``11月``): paid in January–September of Y (``SKY_CERTIFICATE_NOVEMBER_LAST_MONTH``),
  or an earlier prepayment covers a month of Y (現金あり joiners up to September; 現金なし joiners up
  to July, debited by September).
- **February of Y+1** (``翌年2月``): otherwise paid in October–December of Y (現金あり joiners in
  October–December; 現金なし / online joiners up to October first debited in October–December).
- **none for Y** (``発行なし``): nothing paid for Y — 現金なし / online joiners from November, whose
  first debit is next year.

>>> from kyosai.schedule import Contract
>>> dispatch(2024, Contract("sky", 10000, datetime.date(2024, 7, 1), "現金なし"))
<Dispatch.NOVEMBER: '11月'>
>>> dispatch(2024, Contract("sky", 10000, datetime.date(2024, 10, 1), "online")).value
'翌年2月'
>>> dispatch(2024, Contract("sky", 10000, datetime.date(2024, 11, 1), "online")).value
'発行なし'
"""

from __future__ import annotations

import datetime
import enum

from .calendar import validate_year
from .inputs import instance_of
from .month import Month
from .params import P
from .schedule import Contract, payments

__all__ = ["Dispatch", "dispatch"]


class Dispatch(enum.Enum):
    """When the certificate for a year is sent."""

    NOVEMBER = "11月"
    FEBRUARY_NEXT_YEAR = "翌年2月"
    NONE = "発行なし"

    def __str__(self) -> str:
        return self.value


def dispatch(year: int, contract: Contract) -> Dispatch:
    """The dispatch of the certificate for ``year`` for a contract (by the parameters of 1 January of ``year``)."""
    year = validate_year(year)
    contract = instance_of(contract, Contract, "契約", "The contract")
    last_month = P.SKY_CERTIFICATE_NOVEMBER_LAST_MONTH.at(datetime.date(year, 1, 1))
    november_cutoff = Month(year, last_month).last_day
    relevant = [
        p
        for p in payments(contract, Month(year, 12))
        if p.date.year == year or (p.date.year < year and p.last_month.year >= year)
    ]
    if any(p.date <= november_cutoff for p in relevant):
        return Dispatch.NOVEMBER
    if relevant:
        return Dispatch.FEBRUARY_NEXT_YEAR
    return Dispatch.NONE
