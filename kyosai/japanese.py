"""Dates and numbers as clerks write them (和暦・全角数字).

Agency clerks type into Excel cells; this module reads what they type, exactly and strictly.
Full-width characters are folded first (NFKC), so ``７０，０００`` and ``Ｒ６．１２．１`` read like
their half-width spellings.

[DECISION] Dates and months may be written in kanji numerals (令和六年十二月二日, 二〇二四年十二月):
clerks copy them from forms written vertically, and a kanji date has one reading. Amounts and counts
may not (「七万」 is refused): a misread amount is worse than a question back to the agency. A
weekday written after a date must be the date's own (令和6年12月2日(火) is refused: the 2nd was a
Monday, and only the agency can say which of the two is wrong).

>>> parse_date("令和6年12月1日"), parse_date("R6.12.1"), parse_date(45627)
(datetime.date(2024, 12, 1), datetime.date(2024, 12, 1), datetime.date(2024, 12, 1))
>>> parse_month("令和6年12月"), parse_month("2024/12")
(Month(2024, 12), Month(2024, 12))
>>> format_wareki(datetime.date(2019, 5, 1)), format_date_ja(datetime.date(2024, 12, 18))
('令和元年5月1日', '2024年12月18日(水)')
>>> parse_amount("７０，０００円"), parse_amount("7.5万"), parse_count("12ヶ月")
(70000, 75000, 12)
>>> parse_date("平成32年1月1日")
Traceback (most recent call last):
...
kyosai.errors.InvalidDate: 「平成32年1月1日」は平成の期間外です（平成は1989年1月8日〜2019年4月30日）。 / ...

Every error is a :class:`kyosai.errors.KyosaiError` that names the value as the clerk typed it;
no other exception escapes, whatever the input.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from .errors import InvalidDate, InvalidFormat, InvalidNumber, OutOfRange, WrongWeekday
from .inputs import filled
from .month import Month

__all__ = [
    "fold",
    "Era",
    "ERAS",
    "parse_date",
    "parse_month",
    "format_wareki",
    "format_date_ja",
    "to_excel_serial",
    "parse_amount",
    "parse_count",
    "to_katakana",
    "is_katakana",
]


class Era(NamedTuple):
    """A Japanese era (元号): its name, its one-letter abbreviation and its first and last day."""

    name: str
    letter: str
    name_en: str
    start: datetime.date
    end: datetime.date | None  # None: the current era


# The modern eras as in the common conversion tables (docs/rules.md §4); the change-over day belongs
# to the new era. 明治 is reckoned from 1868-10-23 in law (the 改元 of 慶応4年9月8日, made to
# apply from New Year), but the common tables, and we, start it on 1868-01-25 (慶応4年1月1日).
# 平成: 元号を改める政令 (昭和64年政令第1号); 令和: 元号を改める政令 (平成31年政令第143号).
ERAS: tuple[Era, ...] = (
    Era("明治", "M", "Meiji", datetime.date(1868, 1, 25), datetime.date(1912, 7, 29)),
    Era("大正", "T", "Taisho", datetime.date(1912, 7, 30), datetime.date(1926, 12, 24)),
    Era("昭和", "S", "Showa", datetime.date(1926, 12, 25), datetime.date(1989, 1, 7)),
    Era("平成", "H", "Heisei", datetime.date(1989, 1, 8), datetime.date(2019, 4, 30)),
    Era("令和", "R", "Reiwa", datetime.date(2019, 5, 1), None),
)

_ERA_BY_KEY = {key: era for era in ERAS for key in (era.name, era.letter)}
_ERA = r"(明治|大正|昭和|平成|令和|[MTSHR])"

# Excel's 1900 date system counts 1900-01-01 as serial 1 and keeps Lotus 1-2-3's fictitious
# 1900-02-29 as serial 60, so from serial 61 on the count is from 1899-12-30.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_FAKE_LEAP_DAY = 60
_EXCEL_MAX_SERIAL = (datetime.date(9999, 12, 31) - _EXCEL_EPOCH).days  # 2958465

# No clerk types more than this into a date or number cell; longer text is refused before any
# regex sees it, so no input can make the parser slow.
_MAX_TEXT = 64
# Excel keeps 15 significant digits; a longer number is not an amount anyone typed.
_MAX_NUMBER = 10**15

# Dashes a Japanese IME or a Mac produces for "-" (ー in kana mode, − the minus sign, …).
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))
_WEEKDAYS = "月火水木金土日"
_DATE_EXAMPLES = "2024/12/1、令和6年12月1日、R6.12.1"
_MONTH_EXAMPLES = "2024/12、令和6年12月、R6.12"


# ---------------------------------------------------------------------------------------------
# The one folding of text (every reader of clerks' text), and helpers shared by dates and numbers


def fold(
    text: str,
    *,
    spaces: Literal["trim", "drop", "keep"] = "trim",
    dashes: bool = False,
    invisible: bool = False,
    lower: bool = False,
) -> str:
    """The project's one folding of text: NFKC, then the steps the caller names (spaces, dashes, …).

    The ways clerks write one thing then compare equal: dates and numbers, labels and headers, codes,
    kana names and records compared for duplicates all fold with this function.

    Always NFKC: full-width letters and digits become half-width, half-width ｶﾅ full-width, （水）
    becomes (水) and ㋿ 令和. Then, as the caller compares:

    - ``spaces``: ``"trim"`` strips both ends; ``"drop"`` drops every white space, inner and
      full-width too (labels, headers, records); ``"keep"`` leaves them (kana names, codes);
    - ``dashes``: the dashes an IME or a Mac types for "-" (ー, −, ‐, ― …) become "-" (dates, numbers);
    - ``invisible``: the invisible format characters (Unicode Cf: zero-width space, BOM, word
      joiner) are dropped (records);
    - ``lower``: lower case (labels, headers, records).

    >>> fold(" Ｒ６．１２．１　"), fold("２０２４ー１２ー０１", dashes=True)
    ('R6.12.1', '2024-12-01')
    >>> fold(" 年払い　", spaces="drop"), fold("Ａ-0001\u200b ", spaces="drop", invisible=True, lower=True)
    ('年払い', 'a-0001')
    >>> fold("ﾔﾏﾀﾞ ﾀﾛｳ ", spaces="keep")
    'ヤマダ タロウ '
    """
    folded = unicodedata.normalize("NFKC", text)
    if dashes:
        folded = folded.translate(_DASHES)
    if spaces == "trim":
        folded = folded.strip()
    elif spaces == "drop":
        folded = "".join(folded.split())  # split(): every Unicode white space
    elif spaces != "keep":
        raise ValueError(f"spaces must be 'trim', 'drop' or 'keep', not {spaces!r}")
    if invisible and not folded.isascii():  # nothing ASCII is a format character
        folded = _without_format_characters(folded)
    return folded.lower() if lower else folded


_FORMAT_BMP: dict[int, None] | None = None  # the format characters (Cf) of the Basic Multilingual Plane


def _without_format_characters(text: str) -> str:
    global _FORMAT_BMP
    if max(text) > "\uffff":  # the rare text beyond the BMP: character by character
        return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    table = _FORMAT_BMP
    if table is None:  # built whole on first use (5 ms; most callers never drop them), then published
        table = _FORMAT_BMP = {c: None for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"}
    return text.translate(table)


_KANJI_DIGITS = {c: d for d, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_NUMBER_RE = re.compile("[〇零一二三四五六七八九十]+")


def _kanji_number(match: re.Match) -> str:
    """One run of kanji numerals in a date as digits: 二〇二四 → 2024 (digit by digit), 十二 → 12,
    三十一 → 31, 十 → 10. A run that is neither form is left alone, and the date is then refused."""
    run = match[0]
    if "十" not in run:
        return "".join(str(_KANJI_DIGITS[c]) for c in run)
    tens, _, units = run.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return run
    return str((_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[units] if units else 0))


def _arabic_numerals(text: str) -> str:
    """A date or month written in kanji numerals, in digits (see the module docstring).

    >>> _arabic_numerals("令和六年十二月二日"), _arabic_numerals("二〇二四年一月三十一日")
    ('令和6年12月2日', '2024年1月31日')
    """
    return _KANJI_NUMBER_RE.sub(_kanji_number, text)


def _show(value: Any) -> str:
    """The value as it goes into a message: as typed, shortened when long."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - an int too long to print, an object whose str() fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:39] + "…"


def _exact(value: Any) -> Fraction | None:
    """The exact value of a number cell, or None when the value is not a finite number.

    ``bool`` is not a number here, though Python says it is an int.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, float):
        return Fraction(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        # Decimal("1e999999999") would take forever to become a Fraction; a number that long is
        # out of range anyway, so the first out-of-range number stands in for it.
        if value.adjusted() >= 20:
            return Fraction(-_MAX_NUMBER if value.is_signed() else _MAX_NUMBER)
        return Fraction(value)
    return None


# ---------------------------------------------------------------------------------------------
# Dates (日付)


def parse_date(value: Any) -> datetime.date:
    """Read a date as a clerk wrote it (日付).

    Accepts dates and datetimes (and objects with a ``.date()`` method, such as a pandas
    Timestamp), Excel date serials (numbers or digit strings), ISO and Japanese spellings
    and 和暦 with the era written out or as its letter; a time or a weekday after the date is
    ignored.

    >>> parse_date("2024/12/1"), parse_date("2024年12月18日(水)"), parse_date("20241201")
    (datetime.date(2024, 12, 1), datetime.date(2024, 12, 18), datetime.date(2024, 12, 1))
    >>> parse_date("令和元年5月1日"), parse_date("H31.4.30"), parse_date("２０２４－１２－０１ 10:00")
    (datetime.date(2019, 5, 1), datetime.date(2019, 4, 30), datetime.date(2024, 12, 1))
    >>> parse_date(45627.75)
    datetime.date(2024, 12, 1)
    >>> parse_date("2024-13-01")
    Traceback (most recent call last):
    ...
    kyosai.errors.InvalidDate: 「2024-13-01」は日付として読めません（例: 2024/12/1、令和6年12月1日、R6.12.1）。 / ...
    """
    filled(value, "日付", "The date", cell=True)
    if isinstance(value, str):
        day = _date_from_text(value)
    else:
        day = _date_from_object(value)
    if day is None:
        raise _not_a_date(value)
    return day


def _date_from_object(value: Any) -> datetime.date | None:
    """A date, datetime, Timestamp-like object or Excel serial; None for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    serial = _exact(value)
    if serial is not None:
        return _date_from_serial(serial, value)
    to_date = getattr(value, "date", None)
    if callable(to_date):
        try:
            day = to_date()
        except Exception:  # noqa: BLE001 - whatever a foreign .date() raises, the value is not a date to us
            return None
        if isinstance(day, datetime.datetime):
            return day.date()
        if isinstance(day, datetime.date):
            return day
    return None


def _date_from_serial(serial: Fraction, value: Any) -> datetime.date:
    """An Excel serial (1900 date system); a time fraction is dropped."""
    days = math.floor(serial)
    if days == _EXCEL_FAKE_LEAP_DAY:
        raise InvalidDate(
            f"「{_show(value)}」はExcelにしかない日付（1900年2月29日）です。",
            f"{_show(value)!r} is Excel's fictitious date 1900-02-29.",
            value=value,
        )
    if not 1 <= days <= _EXCEL_MAX_SERIAL:
        raise InvalidDate(
            f"「{_show(value)}」はExcelの日付シリアル値の範囲（1〜{_EXCEL_MAX_SERIAL}）の外です。",
            f"{_show(value)!r} is outside Excel's date serials (1 to {_EXCEL_MAX_SERIAL}).",
            value=value,
        )
    if days < _EXCEL_FAKE_LEAP_DAY:
        days += 1  # before the fictitious leap day the count is one day ahead
    return _EXCEL_EPOCH + datetime.timedelta(days=days)


# A time after the date (pandas' "2024-12-01 00:00:00", ISO "2024-12-01T10:00+09:00") is dropped
# before the date forms are tried; a weekday ("(水)", "（水曜日）", "水曜") too, but it must be the
# date's own: a date and a weekday that disagree are a mistake in one of them, and no one can say which.
_TIME_RE = re.compile(
    r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$", re.ASCII | re.IGNORECASE
)
_WEEKDAY_RE = re.compile(rf"\s*(?:\(\s*([{_WEEKDAYS}])(?:曜日?)?\s*\)|([{_WEEKDAYS}])曜日?)$")


def _date_from_text(value: str) -> datetime.date | None:
    """The date in a text, or None when the text has none of the date forms."""
    if len(value) > _MAX_TEXT:
        return None
    text = _arabic_numerals(_TIME_RE.sub("", fold(value, dashes=True), count=1))
    weekday = _WEEKDAY_RE.search(text)
    if weekday:
        text = text[: weekday.start()]
    for form in (_from_serial_text, _from_compact, _from_iso, _from_kanji, _from_wareki):
        day = form(text, value)
        if day is not None:
            if weekday and _WEEKDAYS[day.weekday()] != (weekday[1] or weekday[2]):
                raise _wrong_weekday(value, day, weekday[1] or weekday[2])
            return day
    return None


# Whole serials only ("45627", or "45627.0" as pandas writes floats to CSV), so that a month
# such as "2024.12" typed into a date cell is refused rather than read as 1905-07-16.
_SERIAL_RE = re.compile(r"\d{1,7}(?:\.0*)?", re.ASCII)


def _from_serial_text(text: str, value: str) -> datetime.date | None:
    """``45627``: an Excel serial that arrived as text (CSV, a cell formatted as text)."""
    if not _SERIAL_RE.fullmatch(text):
        return None
    return _date_from_serial(Fraction(text), value)


_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)


def _from_compact(text: str, value: str) -> datetime.date | None:
    """``20241201``: eight digits, as bank and host systems write dates."""
    m = _COMPACT_RE.fullmatch(text)
    return _calendar_date(value, *m.groups()) if m else None


_ISO_RE = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})", re.ASCII)


def _from_iso(text: str, value: str) -> datetime.date | None:
    """``2024-12-01``, ``2024/12/1``, ``2024.12.1`` (one separator throughout)."""
    m = _ISO_RE.fullmatch(text)
    return _calendar_date(value, m[1], m[3], m[4]) if m else None


_KANJI_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", re.ASCII)


def _from_kanji(text: str, value: str) -> datetime.date | None:
    """``2024年12月1日`` (西暦)."""
    m = _KANJI_RE.fullmatch(text)
    return _calendar_date(value, *m.groups()) if m else None


_WAREKI_RE = re.compile(
    _ERA + r"\s*(元|\d{1,3})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|([-/.])\s*(\d{1,2})\s*\5\s*(\d{1,2}))",
    re.ASCII | re.IGNORECASE,
)


def _from_wareki(text: str, value: str) -> datetime.date | None:
    """``令和6年12月1日``, ``令和元年5月1日``, ``R6.12.1``, ``r6-12-1``, ``H31/4/30`` (和暦)."""
    m = _WAREKI_RE.fullmatch(text)
    if not m:
        return None
    era = _ERA_BY_KEY[m[1].upper()]
    month, day = (m[3], m[4]) if m[3] else (m[6], m[7])
    date = _calendar_date(value, _era_to_year(era, m[2]), month, day)
    if date < era.start or (era.end is not None and date > era.end):
        raise _outside_era(value, era)
    return date


def _era_to_year(era: Era, year: str) -> int:
    """The western year of an era year; 元年 is year 1."""
    return era.start.year + (1 if year == "元" else int(year)) - 1


def _calendar_date(value: str, year: str | int, month: str, day: str) -> datetime.date:
    """The date, or InvalidDate when the calendar has no such day (2024-02-30, month 13)."""
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise _not_a_date(value) from None


def _not_a_date(value: Any) -> InvalidDate:
    return InvalidDate(
        f"「{_show(value)}」は日付として読めません（例: {_DATE_EXAMPLES}）。",
        f"{_show(value)!r} is not a date (e.g. 2024/12/1, 令和6年12月1日, R6.12.1).",
        value=value,
    )


_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _wrong_weekday(value: Any, day: datetime.date, written: str) -> WrongWeekday:
    actual = _WEEKDAYS[day.weekday()]
    return WrongWeekday(
        f"「{_show(value)}」の曜日が違います: {day.year}年{day.month}月{day.day}日は{actual}曜日です"
        f"（{written}曜日と書かれています）。",
        f"{_show(value)!r}: {day.isoformat()} is a {_WEEKDAYS_EN[day.weekday()]}, "
        f"not a {_WEEKDAYS_EN[_WEEKDAYS.index(written)]}.",
        value=value,
    )


def _outside_era(value: Any, era: Era) -> InvalidDate:
    start = f"{era.start.year}年{era.start.month}月{era.start.day}日"
    end = f"{era.end.year}年{era.end.month}月{era.end.day}日" if era.end else ""
    span_ja = f"{start}〜{end}" if era.end else f"{start}から"
    span_en = f"{era.start} to {era.end}" if era.end else f"from {era.start}"
    return InvalidDate(
        f"「{_show(value)}」は{era.name}の期間外です（{era.name}は{span_ja}）。",
        f"{_show(value)!r} is outside the {era.name_en} era ({era.name}, {span_en}).",
        value=value,
    )


# ---------------------------------------------------------------------------------------------
# Months (年月)


def parse_month(value: Any) -> Month:
    """Read a month as a clerk wrote it (年月); a full date stands for its month.

    >>> parse_month("202412"), parse_month("2024年12月"), parse_month("R6/12")
    (Month(2024, 12), Month(2024, 12), Month(2024, 12))
    >>> parse_month("令和6年12月18日"), parse_month(datetime.date(2024, 12, 18))
    (Month(2024, 12), Month(2024, 12))
    >>> parse_month("令和元年4月")
    Traceback (most recent call last):
    ...
    kyosai.errors.InvalidDate: 「令和元年4月」は令和の期間外です（令和は2019年5月1日から）。 / ...
    """
    if isinstance(value, Month):
        return value
    filled(value, "年月", "The month", cell=True)
    if isinstance(value, str):
        month = _month_from_text(value)
        if month is None:
            day = _date_from_text(value)
            month = Month.of(day) if day is not None else None
    else:
        day = _date_from_object(value)
        month = Month.of(day) if day is not None else None
    if month is None:
        raise _not_a_month(value)
    return month


def _month_from_text(value: str) -> Month | None:
    """The month in a text written as a month, or None (a full date is read by the caller)."""
    if len(value) > _MAX_TEXT:
        return None
    text = _arabic_numerals(fold(value, dashes=True))
    for form in (_month_from_compact, _month_from_iso, _month_from_kanji, _month_from_wareki):
        month = form(text, value)
        if month is not None:
            return month
    return None


_COMPACT_MONTH_RE = re.compile(r"(\d{4})(\d{2})", re.ASCII)


def _month_from_compact(text: str, value: str) -> Month | None:
    """``202412``: six digits."""
    m = _COMPACT_MONTH_RE.fullmatch(text)
    return _calendar_month(value, *m.groups()) if m else None


_ISO_MONTH_RE = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})", re.ASCII)


def _month_from_iso(text: str, value: str) -> Month | None:
    """``2024-12``, ``2024/12``, ``2024.12``."""
    m = _ISO_MONTH_RE.fullmatch(text)
    return _calendar_month(value, *m.groups()) if m else None


_KANJI_MONTH_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月", re.ASCII)


def _month_from_kanji(text: str, value: str) -> Month | None:
    """``2024年12月``."""
    m = _KANJI_MONTH_RE.fullmatch(text)
    return _calendar_month(value, *m.groups()) if m else None


_WAREKI_MONTH_RE = re.compile(
    _ERA + r"\s*(元|\d{1,3})\s*(?:年\s*(\d{1,2})\s*月|[-/.]\s*(\d{1,2}))", re.ASCII | re.IGNORECASE
)


def _month_from_wareki(text: str, value: str) -> Month | None:
    """``令和6年12月``, ``R6.12``, ``R6/12`` (和暦); the month must overlap the era."""
    m = _WAREKI_MONTH_RE.fullmatch(text)
    if not m:
        return None
    era = _ERA_BY_KEY[m[1].upper()]
    month = _calendar_month(value, _era_to_year(era, m[2]), m[3] or m[4])
    if month.last_day < era.start or (era.end is not None and month.first_day > era.end):
        raise _outside_era(value, era)
    return month


def _calendar_month(value: str, year: str | int, month: str) -> Month:
    """The Month, or InvalidDate for month 13 or year 0 (Month itself would say OutOfRange)."""
    number_of_year, number_of_month = int(year), int(month)
    if not (1 <= number_of_year <= 9999 and 1 <= number_of_month <= 12):
        raise _not_a_month(value)
    return Month(number_of_year, number_of_month)


def _not_a_month(value: Any) -> InvalidDate:
    return InvalidDate(
        f"「{_show(value)}」は年月として読めません（例: {_MONTH_EXAMPLES}）。",
        f"{_show(value)!r} is not a month (e.g. 2024/12, 令和6年12月, R6.12).",
        value=value,
    )


# ---------------------------------------------------------------------------------------------
# Writing dates (和暦表記) and Excel serials


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return parse_date(value)


def format_wareki(d: datetime.date) -> str:
    """The date in 和暦, as on the forms: ``令和6年12月1日``; year 1 is 元年.

    A datetime, or anything :func:`parse_date` reads, is accepted too.

    >>> format_wareki(datetime.date(2024, 12, 1)), format_wareki(datetime.date(1989, 1, 7))
    ('令和6年12月1日', '昭和64年1月7日')
    >>> format_wareki(datetime.date(1989, 1, 8))
    '平成元年1月8日'
    """
    day = _as_date(d)
    era = next((era for era in reversed(ERAS) if era.start <= day), None)
    if era is None:
        raise OutOfRange(
            f"{day.year}年{day.month}月{day.day}日は明治より前で、和暦にできません。",
            f"{day} is before the Meiji era and has no 和暦.",
            value=d,
        )
    year = day.year - era.start.year + 1
    return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def format_date_ja(d: datetime.date) -> str:
    """The date with its weekday, as in letters to members: ``2024年12月18日(水)``.

    >>> format_date_ja(datetime.date(2024, 12, 18))
    '2024年12月18日(水)'
    """
    day = _as_date(d)
    return f"{day.year}年{day.month}月{day.day}日({_WEEKDAYS[day.weekday()]})"


def to_excel_serial(d: datetime.date) -> int:
    """The Excel serial (1900 date system) of a date; :func:`parse_date` reads it back.

    >>> to_excel_serial(datetime.date(2024, 12, 1)), to_excel_serial(datetime.date(1900, 1, 1))
    (45627, 1)
    """
    day = _as_date(d)
    if day < datetime.date(1900, 1, 1):
        raise OutOfRange(
            f"{day.year}年{day.month}月{day.day}日はExcelの日付（1900年1月1日以降）にできません。",
            f"{day} is before 1900-01-01, Excel's first date.",
            value=d,
        )
    serial = (day - _EXCEL_EPOCH).days
    return serial if serial > _EXCEL_FAKE_LEAP_DAY else serial - 1


# ---------------------------------------------------------------------------------------------
# Numbers (金額・人数・月数)

# A number as typed: digits with optional thousands commas and an optional decimal part.
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SIGN = "[-△▲]"  # △ and ▲ mark negatives in Japanese accounts

# ¥ may come before or after the sign; "\" is the yen sign when CP932 text is decoded.
_AMOUNT_RE = re.compile(
    rf"(?P<sign>{_SIGN})?\s*[¥\\]?\s*(?P<sign2>{_SIGN})?\s*"
    rf"(?:(?P<oku>{_NUMBER})\s*億)?\s*(?:(?P<man>{_NUMBER})\s*万)?\s*(?P<ones>{_NUMBER})?\s*円?",
    re.ASCII,
)


def parse_amount(value: Any, *, allow_negative: bool = False) -> int:
    """Read an amount of yen as a clerk wrote it (金額): a whole number of yen, ≥ 0.

    Full-width digits, thousands commas, a leading ¥ and a trailing 円 are fine, and so are
    万 and 億 (``7.5万`` is 75,000; the result must be whole yen). With ``allow_negative``, a
    leading ``-``, ``△`` or ``▲`` makes the amount negative. Kanji numerals (七万) are not read.

    >>> parse_amount("７０，０００"), parse_amount("¥70,000"), parse_amount("84万"), parse_amount("1億2000万円")
    (70000, 70000, 840000, 120000000)
    >>> parse_amount("△5,000", allow_negative=True)
    -5000
    >>> parse_amount("七万円")
    Traceback (most recent call last):
    ...
    kyosai.errors.InvalidNumber: 「七万円」は金額として読めません（例: 70000、70,000円、7万円）。 / ...
    """
    filled(value, "金額", "The amount", cell=True)
    amount = _amount_from_text(value) if isinstance(value, str) else _exact(value)
    if amount is None:
        raise InvalidNumber(
            f"「{_show(value)}」は金額として読めません（例: 70000、70,000円、7万円）。",
            f"{_show(value)!r} is not an amount of yen (e.g. 70000, 70,000円, 7万円).",
            value=value,
        )
    return _whole(amount, value, "金額", "amount", allow_negative)


def _amount_from_text(value: str) -> Fraction | None:
    """``70,000円``, ``¥70000``, ``7万円``, ``1億2000万``, ``△5000``; None if not an amount."""
    if len(value) > _MAX_TEXT:
        return None
    m = _AMOUNT_RE.fullmatch(fold(value, dashes=True))
    if not m or not (m["oku"] or m["man"] or m["ones"]) or (m["sign"] and m["sign2"]):
        return None
    amount = sum(
        (_fraction(m[unit]) * scale for unit, scale in (("oku", 10**8), ("man", 10**4), ("ones", 1)) if m[unit]),
        Fraction(0),
    )
    return -amount if m["sign"] or m["sign2"] else amount


# Counts carry a unit now and then: 5人, 5名, 12か月 (written with か, カ, ヵ, ケ, ヶ or 箇).
_COUNT_RE = re.compile(rf"(?P<sign>{_SIGN})?\s*(?P<number>{_NUMBER})\s*(?:人|名|[かカヵケヶ箇]月)?", re.ASCII)


def parse_count(value: Any, *, what_ja: str = "人数", what_en: str = "count") -> int:
    """Read a whole number ≥ 0 (人数・月数): employees, months.

    ``what_ja`` / ``what_en`` name the number in messages (``"月数"`` / ``"number of months"``).

    >>> parse_count("５人"), parse_count("1,200"), parse_count("12カ月"), parse_count(12.0)
    (5, 1200, 12, 12)
    >>> parse_count("-1", what_ja="月数", what_en="number of months")
    Traceback (most recent call last):
    ...
    kyosai.errors.OutOfRange: 「-1」: 月数にマイナスは使えません。 / ...
    """
    filled(value, what_ja, f"The {what_en}", cell=True)
    count = _count_from_text(value) if isinstance(value, str) else _exact(value)
    if count is None:
        raise InvalidNumber(
            f"「{_show(value)}」は{what_ja}として読めません（例: 5、5人、12か月）。",
            f"{_show(value)!r} is not a {what_en} (e.g. 5, 5人, 12か月).",
            value=value,
        )
    return _whole(count, value, what_ja, what_en, allow_negative=False)


def _count_from_text(value: str) -> Fraction | None:
    """``5``, ``1,200``, ``5人``, ``12ヶ月``, ``-1`` (refused later); None if not a count."""
    if len(value) > _MAX_TEXT:
        return None
    m = _COUNT_RE.fullmatch(fold(value, dashes=True))
    if not m:
        return None
    number = _fraction(m["number"])
    return -number if m["sign"] else number


def _fraction(number: str) -> Fraction:
    """The exact value of a matched _NUMBER (bounded by _MAX_TEXT, so int() never balks)."""
    return Fraction(number.replace(",", ""))


def _whole(number: Fraction, value: Any, what_ja: str, what_en: str, allow_negative: bool) -> int:
    """The number as an int, if whole, in range and (unless allowed) not negative."""
    if number.denominator != 1:
        raise InvalidNumber(
            f"「{_show(value)}」は整数ではないため{what_ja}として使えません。",
            f"{_show(value)!r} is not a whole number ({what_en}).",
            value=value,
        )
    if abs(number) >= _MAX_NUMBER:
        raise OutOfRange(
            f"「{_show(value)}」は{what_ja}として大きすぎます。",
            f"{_show(value)!r} is too large ({what_en}).",
            value=value,
        )
    if number < 0 and not allow_negative:
        raise OutOfRange(
            f"「{_show(value)}」: {what_ja}にマイナスは使えません。",
            f"{_show(value)!r}: negative values are not allowed ({what_en}).",
            value=value,
        )
    return int(number)


# ---------------------------------------------------------------------------------------------
# Kana (フリガナ・口座名義カナ)

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
# Bank systems write the long vowel ー as a hyphen (ｲ-.ﾏﾈ-: the 全銀 character set has no ｰ), and
# keyboards and fonts offer lookalikes (−, ‐, ―, ～ …): in a kana name every one of them is ー.
_LONG_VOWEL = str.maketrans(dict.fromkeys("-‐‑‒–—―−~〜", "ー"))
# The spacing voicing marks ゛゜ as some systems type them after the kana (カ゛): as combining marks,
# NFKC joins them to the kana (ガ); NFKC alone would turn ゛ into a space and a loose mark.
_SPACING_VOICING = str.maketrans({"゛": "\u3099", "゜": "\u309a"})
# Full-width katakana (ァ…ヺ), ー, spaces and the marks allowed in bank account names.
_KATAKANA_RE = re.compile(r"[\u30A1-\u30FA\u30FC 　（）().\-・]*[\u30A1-\u30FA][\u30A1-\u30FA\u30FC 　（）().\-・]*")


def to_katakana(text: str) -> str:
    """Full-width katakana for a kana name (フリガナ・口座名義カナ): ｶﾀｶﾅ from bank systems and ひらがな alike.

    NFKC also folds full-width letters, digits and brackets (（ → (). The long vowel as banks and
    keyboards write it (``-``, ``−``, ``‐``, ``―``, ``～``, ``ｰ``) becomes ー, and spacing voicing marks
    join their kana (カ゛ → ガ), so that one name is spelled one way.

    >>> to_katakana("ﾔﾏﾀﾞ ﾀﾛｳ"), to_katakana("やまだ　たろう")
    ('ヤマダ タロウ', 'ヤマダ タロウ')
    >>> to_katakana("ｽﾐｽ ﾙ-ｼ-"), to_katakana("スミス　ジョ−"), to_katakana("カ゛ス")
    ('スミス ルーシー', 'スミス ジョー', 'ガス')
    """
    filled(text, "カナ", "The kana name")  # None only: a blank text is an empty name
    if not isinstance(text, str):
        raise InvalidFormat(
            f"「{_show(text)}」はカナとして読めません。", f"{_show(text)!r} is not kana text.", value=text
        )
    folded = fold(text.translate(_SPACING_VOICING), spaces="keep")
    return folded.translate(_HIRAGANA_TO_KATAKANA).translate(_LONG_VOWEL)


def is_katakana(text: Any) -> bool:
    """True for full-width katakana with ー, spaces and the marks of bank account names（）().-・.

    Half-width ｶﾀｶﾅ is not full-width: pass it through :func:`to_katakana` first.

    >>> is_katakana("ヤマダ　タロウ"), is_katakana("カ）ヤマダショウテン"), is_katakana("ﾔﾏﾀﾞ"), is_katakana("山田")
    (True, True, False, False)
    """
    return isinstance(text, str) and _KATAKANA_RE.fullmatch(text) is not None
