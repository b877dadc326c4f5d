"""Rules that several batch kinds share: dates not in the future, unique receipt numbers."""

from __future__ import annotations

from .rules import BatchRule, Problem, RowRule, duplicates, normalized

__all__ = ["not_in_future", "unique_receipt_numbers"]


def not_in_future(alias: str) -> RowRule:
    """The date in ``alias`` is not after the as-of date (a typo such as 2042 for 2024)."""

    def test(as_of, **values):
        day = values[alias]
        if day > as_of:
            return Problem("date-in-future")
        return None

    return RowRule(f"{alias}-not-in-future", alias, (alias,), test, uses_as_of=True)


def unique_receipt_numbers() -> BatchRule:
    """受付番号 is unique in the file: later rows that repeat one are errors."""
    return BatchRule("unique-receipt-number", "receipt_no",
                     lambda df: duplicates(df, lambda d: d["receipt_no"].map(
                         lambda v: None if v is None else normalized(v)), "duplicate-receipt"))
