"""What SMRJ's SKY tax-saving simulator computes (節税額シミュレーション). docs/rules.md §1.9 [OFF]

For a taxable income t (課税される所得金額) and a monthly premium m, with d = 12 × m deducted:

- income tax including the 2.1 % reconstruction tax (復興特別所得税),
  ``IT(t) = floor((t × rate − subtraction) × 1.021 / 100) × 100`` with the quick-table brackets
  (所得税の速算表, ``INCOME_TAX_BRACKETS``; ``RECONSTRUCTION_TAX_FACTOR``);
- resident tax ``RT(t) = floor(10 % × t) + 5,000`` (所得割 ``RESIDENT_TAX_RATE`` + 均等割
  ``RESIDENT_TAX_PER_CAPITA``, which cancels out in the saving);
- saving = ``IT(t) − IT(t − d) + RT(t) − RT(t − d)``, the income after the deduction floored at 0,
  the saving never below 0.

Official example: 50,000 a month at a taxable income of 7,200,000 saves 190,200 yen a year
(income tax 127,500 + reconstruction tax 2,700 + resident tax 60,000; the official page rounds
the reconstruction tax separately, with the same total).

>>> on = datetime.date(2025, 4, 1)
>>> compute(7_200_000, 50_000, on=on)
190200
>>> (income_tax(7_200_000, on=on) - income_tax(6_600_000, on=on),
...  resident_tax(7_200_000, on=on) - resident_tax(6_600_000, on=on))
(130200, 60000)

This is the simulator's arithmetic, not a tax return: no other deductions, no rounding of the
taxable income to 1,000 yen, no adjustment deductions (調整控除) of the resident tax.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from . import premium
from .errors import OutOfRange
from .inputs import rule_date, whole_number
from .labels import Scheme
from .month import MONTHS_PER_YEAR
from .params import P, Parameter

__all__ = ["income_tax", "resident_tax", "compute"]

_NO_UPPER_BOUND = -1  # ``up_to`` of the top bracket in INCOME_TAX_BRACKETS


def income_tax(taxable_income: int, on: datetime.date) -> int:
    """Income tax with the reconstruction tax on a taxable income, as the simulator computes it.

    ``floor((t × rate − subtraction) × RECONSTRUCTION_TAX_FACTOR / 100) × 100`` (100:
    ``INCOME_TAX_ROUNDING_UNIT``) with the bracket of
    ``INCOME_TAX_BRACKETS`` whose ``up_to`` is the first at or above t (``up_to = -1``: no upper
    bound). ``on`` (default today) picks the table in force; a date before it raises OutOfRange.
    [OFF] docs/rules.md §1.9

    >>> on = datetime.date(2025, 4, 1)
    >>> income_tax(0, on=on), income_tax(1_950_000, on=on), income_tax(1_950_001, on=on), income_tax(7_200_000, on=on)
    (0, 99500, 99500, 1041400)
    >>> income_tax(50_000_000, on=on)
    18075700
    """
    t = whole_number(taxable_income, "課税される所得金額", "The taxable income")
    on = rule_date(on)
    for bracket in _at(P.INCOME_TAX_BRACKETS, on):
        if bracket["up_to"] == _NO_UPPER_BOUND or t <= bracket["up_to"]:
            break
    tax = (t * bracket["rate"] - bracket["subtract"]) * _at(P.RECONSTRUCTION_TAX_FACTOR, on)
    unit = _at(P.INCOME_TAX_ROUNDING_UNIT, on)
    return math.floor(tax / unit) * unit


def resident_tax(taxable_income: int, on: datetime.date) -> int:
    """Resident tax as the simulator computes it: ``floor(RESIDENT_TAX_RATE × t) +
    RESIDENT_TAX_PER_CAPITA`` (10 % + 5,000 yen). [OFF] docs/rules.md §1.9

    >>> on = datetime.date(2025, 4, 1)
    >>> resident_tax(7_200_000, on=on), resident_tax(0, on=on), resident_tax(12_345, on=on)
    (725000, 5000, 6234)
    """
    t = whole_number(taxable_income, "課税される所得金額", "The taxable income")
    on = rule_date(on)
    return math.floor(t * _at(P.RESIDENT_TAX_RATE, on)) + _at(P.RESIDENT_TAX_PER_CAPITA, on)


def compute(taxable_income: int, monthly_amount: int, on: datetime.date) -> int:
    """The yearly tax saved by paying ``monthly_amount`` a month into SKY (節税額), never below 0.

    ``IT(t) − IT(t − d) + RT(t) − RT(t − d)`` with ``d = 12 × monthly_amount`` and ``t − d``
    floored at 0 (:func:`income_tax`, :func:`resident_tax`). ``monthly_amount`` must be a valid SKY
    premium (:func:`kyosai.premium.validate`); a negative income raises OutOfRange. [OFF] docs/rules.md §1.9

    >>> on = datetime.date(2025, 4, 1)
    >>> [compute(income, monthly, on=on) for income, monthly in
    ...  [(7_200_000, 50_000), (7_200_000, 70_000), (0, 70_000), (300_000, 70_000)]]
    [190200, 263200, 0, 45300]
    """
    t = whole_number(taxable_income, "課税される所得金額", "The taxable income")
    on = rule_date(on)
    monthly = premium.validate(monthly_amount, Scheme.SKY, on)
    after = max(0, t - MONTHS_PER_YEAR * monthly)
    saving = income_tax(t, on) - income_tax(after, on) + resident_tax(t, on) - resident_tax(after, on)
    return max(0, saving)


def _at(parameter: Parameter, on: datetime.date) -> Any:
    """The parameter's value on ``on``; OutOfRange when the table does not reach back that far."""
    try:
        return parameter.at(on)
    except LookupError:
        raise OutOfRange(
            f"{on.isoformat()}には「{parameter.ja}」の値がありません。",
            f"{parameter.name} has no value on {on.isoformat()}.",
            value=on,
        ) from None
