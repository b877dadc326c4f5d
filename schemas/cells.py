"""Reading one cell of a batch into a Python value (誤記入の検出), by what its column holds.

Each :class:`~schemas.batches.Value` kind has one reader from the rules core; a value that cannot
be read raises the core's error, which the validator turns into a finding at that cell. An empty
cell reads as ``None`` (whether it may be empty is the schema's business).

>>> from schemas.batches import SKY_APPLICATION as K
>>> read(K.column("掛金月額"), "７万円"), read(K.column("申込日"), "R6.12.2")
(70000, datetime.date(2024, 12, 2))
>>> read(K.column("金融機関コード"), 9.0), read(K.column("口座番号"), "12345")
('0009', '0012345')
>>> read(K.column("払込区分"), "annual")
<Pattern.ANNUAL: '年払'>
"""

from __future__ import annotations

from typing import Any, Callable

from kyosai import codes, japanese
from kyosai.errors import OutOfRange

from .batches import Column, Value

__all__ = ["is_empty", "read", "reader"]

_MAX_TEXT = 1000


def is_empty(raw: Any) -> bool:
    """A blank cell: None, empty or white-space text, NaN."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and raw != raw


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a reference typed into a number cell comes back as 12.0
    text = str(raw).strip()
    if len(text) > _MAX_TEXT:
        raise OutOfRange(f"{column.header}が長すぎます（{len(text):,}文字、上限{_MAX_TEXT:,}文字）。",
                         f"{column.alias} is too long ({len(text):,} characters, at most {_MAX_TEXT:,}).",
                         value=text[:50] + "…")
    return text


def _digits(column: Column, raw: Any) -> str:
    low, high = column.digits or (1, 20)
    # Excel drops the leading zeros of a code typed into a number cell; docs/batch-format.md pads account
    # numbers. Text is taken as typed, so "9" for a 4-digit bank code stays an error.
    pad = column.alias == "account_number" or not isinstance(raw, str)
    return codes.validate_digits(raw, column.header, low, high, pad=pad, what_en=column.alias)


def _calendar_month(column: Column, raw: Any) -> int:
    month = japanese.parse_count(raw, what_ja=column.header, what_en=column.alias)
    if not 1 <= month <= 12:
        raise OutOfRange(f"{column.header}は1〜12です（{raw}）。", f"{column.alias} is 1–12, not {raw}.", value=raw)
    return month


_READERS: dict[Value, Callable[[Column, Any], Any]] = {
    Value.TEXT: _text,
    Value.REFERENCE: _text,
    Value.DIGITS: _digits,
    Value.KATAKANA: lambda c, raw: codes.validate_katakana(raw, c.header, c.alias),
    Value.POSTAL_CODE: lambda c, raw: codes.validate_postal_code(raw),
    Value.PHONE: lambda c, raw: codes.validate_phone(raw),
    Value.CORPORATE_NUMBER: lambda c, raw: codes.validate_corporate_number(raw),
    Value.DATE: lambda c, raw: japanese.parse_date(raw),
    Value.MONTH: lambda c, raw: japanese.parse_month(raw),
    Value.AMOUNT: lambda c, raw: japanese.parse_amount(raw),
    Value.COUNT: lambda c, raw: japanese.parse_count(raw, what_ja=c.header, what_en=c.alias),
    Value.LABEL: lambda c, raw: c.label.parse(raw),
    Value.CALENDAR_MONTH: _calendar_month,
}


def read(column: Column, raw: Any) -> Any:
    """The cell's value for its column, ``None`` when empty; raises the core's error when unreadable."""
    return reader(column)(raw)


def reader(column: Column) -> Callable[[Any], Any]:
    """:func:`read` for one column, looked up once (for reading a column of 100,000 cells)."""
    parse = _READERS[column.value]

    def read_cell(raw: Any) -> Any:
        if is_empty(raw):
            return None
        return parse(column, raw)

    return read_cell
