"""Checks of the inputs the rules take (引数の検査), shared by the rule modules: a date, a month, a
whole number, filled in. (The command line's arguments are :mod:`kyosai.cli`'s.)

The rule functions take Python values (the add-in and the validator read clerks' text first, with
:mod:`kyosai.japanese`); these helpers refuse what is not a value of the right kind with the same
Japanese and English messages everywhere — always a :class:`~kyosai.errors.KyosaiError`, never a
TypeError from deeper down — and build the ``is_…`` companions of ``validate_…`` (the contract of
the verbs: :mod:`kyosai`).
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from .errors import InvalidDate, InvalidFormat, InvalidNumber, KyosaiError, MissingValue, OutOfRange
from .month import Month

__all__ = [
    "is_blank",
    "filled",
    "whole_number",
    "as_date",
    "as_month",
    "instance_of",
    "rule_date",
    "all_reasons",
    "accepts",
]


def whole_number(value: Any, what_ja: str, what_en: str, minimum: int | None = 0) -> int:
    """``value`` if it is an int (not a bool) ≥ ``minimum`` (``None``: any); else InvalidNumber / OutOfRange.

    >>> whole_number(3, "人数", "The count")
    3
    >>> whole_number(-1, "掛金総額", "Total premiums")
    Traceback (most recent call last):
    ...
    kyosai.errors.OutOfRange: 掛金総額は0以上です（-1）。 / Total premiums must be at least 0 (got -1).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidNumber(
            f"{what_ja}は整数で指定してください（{value!r}）。",
            f"{what_en} must be a whole number, not {value!r}.",
            value=value,
        )
    if minimum is not None and value < minimum:
        raise OutOfRange(
            f"{what_ja}は{minimum:,}以上です（{value:,}）。",
            f"{what_en} must be at least {minimum:,} (got {value:,}).",
            value=value,
        )
    return value


def is_blank(value: Any) -> bool:
    """An empty cell, however it arrives: None, empty or white-space text, or the NaN / NaT that
    pandas puts in an empty cell. The one blank check of the project: the text readers of the core,
    the add-in's arguments and the batch readers (:mod:`schemas.cells`) all ask it.

    >>> [is_blank(v) for v in (None, "", " \u3000", float("nan"), 0, "0", "-")]
    [True, True, True, True, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return type(value).__name__ == "NaTType"  # pandas.NaT, without importing pandas


def filled(value: Any, what_ja: str, what_en: str, *, cell: bool = False) -> Any:
    """``value``, or MissingValue 「…が空欄です。」 / "… is empty." (the one wording) when it is missing.

    What counts as missing depends on what ``value`` is. A Python argument of a rule (a date, a
    month, a contract) is missing only when None: text there is a value of the wrong kind, which the
    check that follows refuses as such. With ``cell``, ``value`` is what a clerk typed, and any
    :func:`is_blank` value is missing too.

    >>> filled("  ", "申込日", "The application date")
    '  '
    >>> filled("  ", "申込日", "The application date", cell=True)
    Traceback (most recent call last):
    ...
    kyosai.errors.MissingValue: 申込日が空欄です。 / The application date is empty.
    """
    if value is None or (cell and is_blank(value)):
        raise MissingValue(f"{what_ja}が空欄です。", f"{what_en} is empty.", value=value)
    return value


def as_date(value: Any, what_ja: str, what_en: str) -> datetime.date:
    """``value`` as a ``datetime.date`` (a datetime loses its time); else InvalidDate / MissingValue."""
    filled(value, what_ja, what_en)
    if isinstance(value, datetime.datetime):
        return value.date()
    if not isinstance(value, datetime.date):
        raise InvalidDate(
            f"{what_ja}は日付で指定してください（{value!r}）。",
            f"{what_en} must be a date, not {value!r}.",
            value=value,
        )
    return value


def as_month(value: Any, what_ja: str, what_en: str) -> Month:
    """``value`` if it is a :class:`~kyosai.month.Month`; else InvalidDate / MissingValue.

    >>> as_month("2024-12", "希望月", "The desired month")
    Traceback (most recent call last):
    ...
    kyosai.errors.InvalidDate: 希望月は年月で指定してください（'2024-12'）。 / The desired month must be a month,
    not '2024-12'.
    """
    filled(value, what_ja, what_en)
    if not isinstance(value, Month):
        raise InvalidDate(
            f"{what_ja}は年月で指定してください（{value!r}）。",
            f"{what_en} must be a month, not {value!r}.",
            value=value,
        )
    return value


def instance_of(value: Any, kind: type, what_ja: str, what_en: str) -> Any:
    """``value`` if it is a ``kind`` (a :class:`~kyosai.schedule.Contract`, …); else InvalidFormat / MissingValue."""
    filled(value, what_ja, what_en)
    if not isinstance(value, kind):
        raise InvalidFormat(
            f"{what_ja}ではありません（{value!r}）。",
            f"{what_en} must be a {kind.__name__}, not {value!r}.",
            value=value,
        )
    return value


def rule_date(on: Any) -> datetime.date:
    """The date a rule is applied on (基準日), checked: never defaulted to today in the rules core.

    >>> rule_date(None)
    Traceback (most recent call last):
    ...
    kyosai.errors.MissingValue: 基準日が空欄です。 / The reference date is empty.
    """
    return as_date(on, "基準日", "The reference date")


def all_reasons(error: type[KyosaiError], head_ja: str, head_en: str, reasons: list[tuple[str, str]]) -> KyosaiError:
    """One error naming every (Japanese, English) reason; ``value`` is the list of reasons."""
    return error(
        head_ja + "".join(ja for ja, _ in reasons), " ".join([head_en, *(en for _, en in reasons)]), value=list(reasons)
    )


def accepts(validate, *args, **kwargs) -> bool:
    """True when ``validate(*args, **kwargs)`` returns, False when it raises a KyosaiError (the
    ``is_…`` companions). Any other exception is a bug of the validator, not bad input: it is not
    swallowed (tests/test_verbs.py calls every ``validate…`` with hostile input to find such bugs)."""
    try:
        validate(*args, **kwargs)
    except KyosaiError:
        return False
    return True
