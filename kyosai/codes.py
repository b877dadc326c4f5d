"""Codes written on the application forms: 法人番号, 郵便番号, 電話番号, bank codes, kana names.

Each code has the python-stdnum verbs: ``validate_*`` returns the normalised code (digits only,
full-width folded) or raises :class:`~kyosai.errors.InvalidFormat` naming the value; ``is_valid_*``
says whether it would; ``format_*`` prints it as clerks write it.

法人番号 (corporate number): 13 digits, the first a check digit over the other twelve
(法人番号の指定等に関する省令 第2条): ``9 − (Σ digit × weight mod 9)`` with weights 1, 2, 1, 2, …
from the right. [OFF] 国税庁

>>> validate_corporate_number("7000-01-2050002")
'7000012050002'
>>> is_valid_corporate_number("1000012050002")
False
>>> validate_postal_code("１０５－８４５３"), format_postal_code("1058453")
('1058453', '105-8453')
>>> validate_phone("03-1234-5678"), validate_digits("9", "金融機関コード", 4, 4, pad=True)
('0312345678', '0009')
>>> kana_name_key("ﾔﾏﾀﾞ ﾀﾛｳ") == kana_name_key("ヤマダ　タロウ")
True
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidFormat, KyosaiError
from .inputs import filled, whole_number
from .japanese import fold, is_katakana, to_katakana

__all__ = [
    "corporate_number_check_digit",
    "validate_corporate_number",
    "is_valid_corporate_number",
    "validate_postal_code",
    "format_postal_code",
    "validate_phone",
    "validate_digits",
    "validate_katakana",
    "kana_name_key",
]

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－]")
_BRACKETS = re.compile(r"[()（）]")
_MAX_TEXT = 64


def _digits_of(value: Any, what_ja: str, what_en: str) -> str:
    """Fold full-width, drop hyphens and spaces; whole-number floats from Excel become their digits."""
    filled(value, what_ja, what_en, cell=True)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is str and value.isascii():  # most cells: NFKC changes nothing, hyphens at most
        text = value[: _MAX_TEXT + 1]
        plain = text.replace("-", "")
        return plain if plain.isdigit() else _SEPARATORS.sub("", text)
    text = fold(str(value), spaces="keep")[: _MAX_TEXT + 1]
    return _SEPARATORS.sub("", text)


def _bad(
    value: Any, what_ja: str, rule_ja: str, what_en: str, rule_en: str, hint_ja: str | None = None
) -> InvalidFormat:
    shown = str(value)[:_MAX_TEXT]
    return InvalidFormat(
        f"{what_ja}「{shown}」は{rule_ja}。", f"{what_en} {shown!r} {rule_en}.", value=value, hint_ja=hint_ja
    )


def corporate_number_check_digit(base: str) -> int:
    """The check digit of the 12-digit base of a 法人番号.

    >>> corporate_number_check_digit("000012050002")
    7
    """
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    return 9 - total % 9


def validate_corporate_number(value: Any) -> str:
    """A 13-digit 法人番号 with a correct check digit."""
    digits = _digits_of(value, "法人番号", "corporate number")
    if not (len(digits) == 13 and digits.isascii() and digits.isdigit()):
        raise _bad(value, "法人番号", "13桁の数字ではありません", "Corporate number", "is not 13 digits")
    if int(digits[0]) != corporate_number_check_digit(digits[1:]):
        raise _bad(
            value,
            "法人番号",
            "チェックデジットが合いません（番号の誤記）",
            "Corporate number",
            "has a wrong check digit",
            "法人番号のどこかの桁が違います。登記事項証明書か国税庁の法人番号公表サイトで13桁を確かめてください"
            "（先頭の1桁は残り12桁から決まる検査用の数字です）。",
        )
    return digits


def is_valid_corporate_number(value: Any) -> bool:
    """True when :func:`validate_corporate_number` accepts the value; False for anything else, blank included.

    >>> is_valid_corporate_number("7000012050002"), is_valid_corporate_number(""), is_valid_corporate_number(None)
    (True, False, False)
    """
    try:
        validate_corporate_number(value)
    except KyosaiError:
        return False
    return True


_POSTAL_HYPHEN = re.compile(r"[-‐‑‒–—―−ー－]")


def validate_postal_code(value: Any) -> str:
    """A 7-digit 郵便番号, with its hyphen after the third digit or none; returns the 7 digits.

    A hyphen elsewhere (``1058-453``) is refused: the digits may be right, but a digit may as
    well have moved, and the number cannot be checked from here.

    >>> validate_postal_code("105-8453"), validate_postal_code("〒1058453")
    ('1058453', '1058453')
    """
    digits = _digits_of(value, "郵便番号", "postal code").lstrip("〒")
    if not (len(digits) == 7 and digits.isascii() and digits.isdigit()):
        raise _bad(value, "郵便番号", "7桁の数字ではありません（例: 105-8453）", "Postal code", "is not 7 digits")
    written = fold(str(value)).lstrip("〒").strip()
    hyphens = [m.start() for m in _POSTAL_HYPHEN.finditer(written)]
    if hyphens and hyphens != [3]:
        raise _bad(
            value,
            "郵便番号",
            "ハイフンの位置が違います（3桁-4桁）",
            "Postal code",
            "has its hyphen misplaced",
            f"郵便番号は3桁-4桁で書きます（{_hyphenated(digits)} でよいか、住所と照らして確かめてください）。",
        )
    return digits


def format_postal_code(value: Any) -> str:
    """A 郵便番号 as it is printed: 3 digits, a hyphen, 4 digits (raises as :func:`validate_postal_code`).

    >>> format_postal_code("1058453"), format_postal_code("〒１０５－８４５３")
    ('105-8453', '105-8453')
    """
    return _hyphenated(validate_postal_code(value))


def _hyphenated(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:]}"


def validate_phone(value: Any) -> str:
    """A 電話番号 of 10 or 11 digits starting with 0 (hyphens, spaces and brackets allowed)."""
    digits = _digits_of(value, "電話番号", "phone number")
    if not digits.isdigit():
        digits = _BRACKETS.sub("", digits)
    if not (len(digits) in (10, 11) and digits.isascii() and digits.isdigit() and digits[0] == "0"):
        raise _bad(
            value,
            "電話番号",
            "0から始まる10桁または11桁の数字ではありません",
            "Phone number",
            "is not 10 or 11 digits starting with 0",
        )
    return digits


def validate_digits(
    value: Any, what_ja: str, min_digits: int, max_digits: int, *, pad: bool = False, what_en: str | None = None
) -> str:
    """A code of digits (金融機関コード 4, 支店コード 3, 口座番号 ≤ 7 …).

    With ``pad`` a shorter code is left-padded with zeros to ``max_digits`` — Excel drops leading
    zeros of a code typed into a number cell, and docs/batch-format.md pads account numbers.
    """
    what_en = what_en or what_ja
    min_digits = whole_number(min_digits, "桁数の下限", "The fewest digits", minimum=1)
    max_digits = whole_number(max_digits, "桁数の上限", "The most digits", minimum=min_digits)
    digits = _digits_of(value, what_ja, what_en)
    if not (digits.isascii() and digits.isdigit()) or len(digits) > max_digits:
        rule = f"{min_digits}桁の数字" if min_digits == max_digits else f"{max_digits}桁以内の数字"
        raise _bad(value, what_ja, f"{rule}ではありません", what_en, f"is not {max_digits} digits")
    if pad:
        digits = digits.zfill(max_digits)
    if len(digits) < min_digits:
        raise _bad(value, what_ja, f"{min_digits}桁に足りません", what_en, f"has fewer than {min_digits} digits")
    return digits


def validate_katakana(value: Any, what_ja: str = "フリガナ", what_en: str = "kana") -> str:
    """Full-width katakana (half-width ｶﾅ and hiragana are normalised); returns the normalised text."""
    filled(value, what_ja, what_en, cell=True)
    text = to_katakana(str(value)).strip()
    if not is_katakana(text):
        raise _bad(value, what_ja, "カタカナではありません", what_en, "is not katakana")
    return text


def kana_name_key(text: str) -> str:
    """A kana name folded for comparing an applicant with an account holder (spaces, small kana)."""
    folded = to_katakana(text)
    folded = "".join(folded.split()).replace("・", "").replace(".", "")
    small = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
    return folded.translate(small)
