"""Reading one cell of a batch into a Python value (誤記入の検出), by what its column holds.

Each :class:`~schemas.batches.Value` kind has one reader from the rules core; a value that cannot
be read raises the core's error, which the validator turns into a finding at that cell. An empty
cell (:func:`kyosai.inputs.is_blank`) reads as ``None`` (whether it may be empty is the schema's business).

>>> from schemas.batches import SKY_APPLICATION as K
>>> read(K.column("掛金月額"), "７万円"), read(K.column("申込日"), "R6.12.2")
(70000, datetime.date(2024, 12, 2))
>>> read(K.column("金融機関コード"), 9.0), read(K.column("口座番号"), "12345")
('0009', '0012345')
>>> read(K.column("払込区分"), "annual")
<Pattern.ANNUAL: '年払'>
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kyosai import codes, japanese
from kyosai.errors import KyosaiError, OutOfRange
from kyosai.inputs import is_blank
from kyosai.labels import Label

from .batches import Column, Value

if TYPE_CHECKING:
    import polars as pl

__all__ = ["read", "reader", "read_texts"]

_MAX_TEXT = 1000


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a reference typed into a number cell comes back as 12.0
    text = str(raw).strip()
    if len(text) > _MAX_TEXT:
        raise OutOfRange(
            f"{column.header}が長すぎます（{len(text):,}文字、上限{_MAX_TEXT:,}文字）。",
            f"{column.alias} is too long ({len(text):,} characters, at most {_MAX_TEXT:,}).",
            value=text[:50] + "…",
        )
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


def _label(column: Column, raw: Any) -> Label:
    if column.label is None:  # a LABEL column without its choices: a mistake in schemas/batches.py
        raise TypeError(f"the column {column.alias} names no Label")
    return column.label.parse(raw)


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
    Value.LABEL: _label,
    Value.CALENDAR_MONTH: _calendar_month,
}


def read(column: Column, raw: Any) -> Any:
    """The cell's value for its column, ``None`` when empty; raises the core's error when unreadable."""
    return reader(column)(raw)


def reader(column: Column) -> Callable[[Any], Any]:
    """:func:`read` for one column, looked up once (for reading a column of 100,000 cells)."""
    parse = _READERS[column.value]

    def read_cell(raw: Any) -> Any:
        if is_blank(raw):
            return None
        return parse(column, raw)

    return read_cell


# ------------------------------------------------------------------------------- a column at a time


def read_texts(column: Column, texts: pl.Series) -> tuple[list, dict[int, KyosaiError]]:
    """Each text of ``texts`` (a column's distinct cells) read as :func:`read` reads it: the values
    (``None`` for a blank cell) and the errors by position.

    The forms clerks write most — plain digits, ISO and slashed dates, katakana with single spaces,
    text without surrounding spaces — are read by polars expressions all at once (:data:`_FAST`);
    the rest, one by one, by the column's reader. ``tests/test_cells.py`` proves both give the same
    answers on any text.
    """
    import polars as pl

    values: list = [None] * len(texts)
    pending = texts.is_not_null()
    fast = _FAST.get(column.value)
    if fast is not None:
        quick = texts.to_frame("t").select(fast(column, pl.col("t")).alias("v"))["v"]
        values = quick.to_list()
        pending = pending & quick.is_null()
    errors: dict[int, KyosaiError] = {}
    indexes = pending.arg_true().to_list()
    if indexes:
        read_cell = reader(column)
        for i, text in zip(indexes, texts.gather(indexes).to_list(), strict=True):
            try:
                values[i] = read_cell(text)
            except KyosaiError as error:
                errors[i] = error
    return values, errors


# Python's str.strip() also strips the information separators U+001C–U+001F, which are not Unicode
# white space: a text that starts or ends with either is left to the reader.
_PADDED = r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$"
_KATAKANA = r"^[ァ-ヶ][ァ-ヶー]*(?: [ァ-ヶ][ァ-ヶー]*)*$"
_DATE_FORMS = (
    (r"^(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}$", "%Y-%m-%d"),
    (r"^(?:19|20)[0-9]{2}/[0-9]{1,2}/[0-9]{1,2}$", "%Y/%m/%d"),
)


def _fast_text(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.when((t.str.len_chars() <= _MAX_TEXT) & ~t.str.contains(_PADDED)).then(t)


def _fast_digits(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    low, high = column.digits or (1, 20)
    digits = t.str.zfill(high) if column.alias == "account_number" else t  # see _digits
    return pl.when(t.str.contains(f"^[0-9]{{1,{high}}}$") & (digits.str.len_chars() >= low)).then(digits)


def _fast_katakana(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.when(t.str.contains(_KATAKANA)).then(t)


def _fast_phone(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    digits = t.str.replace_all("-", "", literal=True)
    written = t.str.contains(r"^0[0-9]{1,4}-[0-9]{1,4}-[0-9]{1,4}$|^0[0-9]{9,10}$")
    return pl.when(written & digits.str.len_chars().is_in([10, 11])).then(digits)


def _fast_postal_code(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.when(t.str.contains(r"^[0-9]{3}-?[0-9]{4}$")).then(t.str.replace("-", "", literal=True))


def _fast_date(column: Column, t: pl.Expr) -> pl.Expr:
    import polars as pl

    (iso, iso_format), (slashed, slashed_format) = _DATE_FORMS
    return (
        pl.when(t.str.contains(iso))
        .then(t.str.to_date(iso_format, strict=False))
        .when(t.str.contains(slashed))
        .then(t.str.to_date(slashed_format, strict=False))
    )


def _fast_number(longest: int):
    def fast(column: Column, t: pl.Expr) -> pl.Expr:
        import polars as pl

        return pl.when(t.str.contains(f"^[0-9]{{1,{longest}}}$")).then(t.cast(pl.Int64, strict=False))

    return fast


_FAST: dict[Value, Callable[[Column, pl.Expr], pl.Expr]] = {
    Value.TEXT: _fast_text,
    Value.REFERENCE: _fast_text,
    Value.DIGITS: _fast_digits,
    Value.KATAKANA: _fast_katakana,
    Value.PHONE: _fast_phone,
    Value.POSTAL_CODE: _fast_postal_code,
    Value.DATE: _fast_date,
    Value.AMOUNT: _fast_number(15),
    Value.COUNT: _fast_number(9),
}
"""The vectorised readers: an expression that gives the value where the text is in a common form
and null where the reader must decide (an error, or a form the expression does not know)."""
