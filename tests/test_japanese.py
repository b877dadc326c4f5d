"""Tests of kyosai.japanese: dates, months and numbers as clerks write them (和暦・全角数字)."""

import contextlib
import datetime
import itertools
import math
import unicodedata
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.errors import InvalidDate, InvalidFormat, InvalidNumber, KyosaiError, MissingValue, OutOfRange, WrongWeekday
from kyosai.japanese import (
    ERAS,
    fold,
    format_date_ja,
    format_wareki,
    is_katakana,
    parse_amount,
    parse_count,
    parse_date,
    parse_month,
    to_excel_serial,
    to_katakana,
)
from kyosai.labels import normalize_key
from kyosai.month import Month

D = datetime.date


def raises(error, call, value, *args, **kwargs):
    """Call, expect exactly ``error``, and check that the message names the value as typed."""
    with pytest.raises(error) as info:
        call(value, *args, **kwargs)
    assert type(info.value) is error
    assert info.value.value is value or info.value.value == value
    shown = value if isinstance(value, str) else str(value)
    if len(shown) <= 40:
        assert f"「{shown}」" in info.value.message_ja
        assert shown in info.value.message_en or repr(shown) in info.value.message_en
    return info.value


# ------------------------------------------------------------------------------------------ dates

DATES = [
    # ISO and western forms
    ("2024-12-01", D(2024, 12, 1)),
    ("2024/12/1", D(2024, 12, 1)),
    ("2024.12.1", D(2024, 12, 1)),
    ("2024 / 12 / 1", D(2024, 12, 1)),
    ("2024年12月1日", D(2024, 12, 1)),
    ("2024 年 12 月 1 日", D(2024, 12, 1)),
    ("20241201", D(2024, 12, 1)),
    ("  2024-12-01  ", D(2024, 12, 1)),
    # a time after the date is ignored
    ("2024-12-01 00:00:00", D(2024, 12, 1)),
    ("2024-12-01T10:00", D(2024, 12, 1)),
    ("2024-12-01T10:00:00.123+09:00", D(2024, 12, 1)),
    ("2024/12/1 9:05", D(2024, 12, 1)),
    # a weekday after the date is ignored
    ("2024年12月18日(水)", D(2024, 12, 18)),
    ("2024年12月18日（水）", D(2024, 12, 18)),
    ("2024年12月18日 (水曜日)", D(2024, 12, 18)),
    ("2024年12月18日水曜日", D(2024, 12, 18)),
    ("2024年12月18日㈬", D(2024, 12, 18)),
    ("2024年12月18日(水) 10:00", D(2024, 12, 18)),
    # full-width, IME dashes
    ("２０２４－１２－０１", D(2024, 12, 1)),
    ("２０２４年１２月１日", D(2024, 12, 1)),
    ("2024ー12ー01", D(2024, 12, 1)),
    ("2024−12−01", D(2024, 12, 1)),
    # 和暦
    ("令和6年12月1日", D(2024, 12, 1)),
    ("令和６年１２月１日", D(2024, 12, 1)),
    ("令和 6 年 12 月 1 日", D(2024, 12, 1)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("令和1年5月1日", D(2019, 5, 1)),
    ("令和6年12月18日（水）", D(2024, 12, 18)),
    ("R6.12.1", D(2024, 12, 1)),
    ("R6/12/1", D(2024, 12, 1)),
    ("r6-12-1", D(2024, 12, 1)),
    ("R06.12.01", D(2024, 12, 1)),
    ("Ｒ６．１２．１", D(2024, 12, 1)),
    ("R 6.12.1", D(2024, 12, 1)),
    ("R元.5.1", D(2019, 5, 1)),
    ("令和6.12.1", D(2024, 12, 1)),
    ("H31.4.30", D(2019, 4, 30)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("h1.1.8", D(1989, 1, 8)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("S64.1.7", D(1989, 1, 7)),
    ("昭和元年12月25日", D(1926, 12, 25)),
    ("大正15年12月24日", D(1926, 12, 24)),
    ("大正元年7月30日", D(1912, 7, 30)),
    ("T1.7.30", D(1912, 7, 30)),
    ("明治45年7月29日", D(1912, 7, 29)),
    ("明治元年1月25日", D(1868, 1, 25)),
    ("M33.1.1", D(1900, 1, 1)),
    ("㋿6年12月1日", D(2024, 12, 1)),  # the one-character era signs fold to 令和, 平成 (NFKC)
    ("㍻31年4月30日", D(2019, 4, 30)),
    # Excel serials: numbers and digit strings
    (1, D(1900, 1, 1)),
    (59, D(1900, 2, 28)),
    (61, D(1900, 3, 1)),
    (45627, D(2024, 12, 1)),
    (45627.0, D(2024, 12, 1)),
    (45627.99, D(2024, 12, 1)),
    (Decimal("45627.5"), D(2024, 12, 1)),
    (2958465, D(9999, 12, 31)),
    ("45627", D(2024, 12, 1)),
    ("45627.0", D(2024, 12, 1)),
    ("４５６２７", D(2024, 12, 1)),
    # date objects
    (D(2024, 12, 1), D(2024, 12, 1)),
    (datetime.datetime(2024, 12, 1, 23, 59), D(2024, 12, 1)),
]


@pytest.mark.parametrize("value, expected", DATES)
def test_parse_date(value, expected):
    assert parse_date(value) == expected
    assert type(parse_date(value)) is datetime.date


INVALID_DATES = [
    # impossible dates and unknown forms: the generic message with examples
    ("2024-13-01", "例: 2024/12/1、令和6年12月1日、R6.12.1"),
    ("2024-02-30", "日付として読めません"),
    ("2023-02-29", "日付として読めません"),
    ("20240230", "日付として読めません"),
    ("0000-01-01", "日付として読めません"),
    ("2024年12月", "日付として読めません"),
    ("2024-12", "日付として読めません"),
    ("2024.12", "日付として読めません"),  # not the serial 2024.12 (1905-07-16)
    ("2024/12-01", "日付として読めません"),  # mixed separators
    ("12/1/2024", "日付として読めません"),
    ("令和6年2月30日", "日付として読めません"),
    ("X6.12.1", "日付として読めません"),
    ("寛政6年12月1日", "日付として読めません"),
    ("abc", "日付として読めません"),
    ("2024-12-01 noon", "日付として読めません"),
    ("45627.5", "日付として読めません"),  # text serials must be whole
    ("2" * 100, "日付として読めません"),
    ("2024-12-01" + " " * 100, "日付として読めません"),
    # strict era bounds
    ("平成32年1月1日", "平成は1989年1月8日〜2019年4月30日"),
    ("H32.1.1", "平成の期間外"),
    ("平成31年5月1日", "平成の期間外"),
    ("令和元年4月1日", "令和は2019年5月1日から"),
    ("R1.4.30", "令和の期間外"),
    ("令和0年12月1日", "令和の期間外"),
    ("昭和64年1月8日", "昭和は1926年12月25日〜1989年1月7日"),
    ("昭和元年12月24日", "昭和の期間外"),
    ("平成元年1月7日", "平成の期間外"),
    ("大正15年12月25日", "大正の期間外"),
    ("明治45年7月30日", "明治の期間外"),
    ("明治元年1月24日", "明治は1868年1月25日"),
    ("明治999年1月1日", "明治の期間外"),
    # Excel serials out of range, and Excel's fictitious 1900-02-29
    (60, "1900年2月29日"),
    ("60", "1900年2月29日"),
    (60.5, "1900年2月29日"),
    (0, "範囲（1〜2958465）の外"),
    ("0", "範囲（1〜2958465）の外"),
    (0.5, "範囲"),
    (-1, "範囲"),
    (2958466, "範囲"),
    (10**30, "範囲"),
    (1e300, "範囲"),
    (Decimal("1e999999999"), "範囲"),
    (Decimal("-1e999999999"), "範囲"),
    # not dates at all
    (True, "日付として読めません"),
    (False, "日付として読めません"),
    (float("inf"), "日付として読めません"),
    (float("-inf"), "日付として読めません"),
    (Decimal("Infinity"), "日付として読めません"),
    (b"2024-12-01", "日付として読めません"),
    ([2024, 12, 1], "日付として読めません"),
    ((2024, 12, 1), "日付として読めません"),
    (Month(2024, 12), "日付として読めません"),
    (Fraction(1, 2), "日付として読めません"),
    (object, "日付として読めません"),
]


@pytest.mark.parametrize("value, fragment", INVALID_DATES)
def test_parse_date_invalid(value, fragment):
    error = raises(InvalidDate, parse_date, value)
    assert fragment in error.message_ja
    assert error.code == "invalid-date"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\t\n", float("nan"), Decimal("NaN")])
def test_parse_date_missing(value):
    with pytest.raises(MissingValue) as info:
        parse_date(value)
    assert info.value.message_ja == "日付が空欄です。"


class FakeTimestamp:
    """Stands in for pandas.Timestamp: an object with a .date() method."""

    def __init__(self, result):
        self.result = result

    def date(self):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class NaTType:
    """Stands in for pandas.NaT (recognised by its type's name)."""

    def date(self):
        raise ValueError("NaTType does not support date")


def test_parse_date_objects_with_a_date_method():
    assert parse_date(FakeTimestamp(D(2024, 12, 1))) == D(2024, 12, 1)
    assert parse_date(FakeTimestamp(datetime.datetime(2024, 12, 1, 10))) == D(2024, 12, 1)
    for broken in (FakeTimestamp(ValueError("no")), FakeTimestamp(OverflowError()), FakeTimestamp("2024-12-01")):
        with pytest.raises(InvalidDate):
            parse_date(broken)
    with pytest.raises(MissingValue):
        parse_date(NaTType())


def test_date_errors_keep_the_value_as_typed():
    with pytest.raises(InvalidDate) as info:
        parse_date("２０２４－１３－０１")
    assert info.value.value == "２０２４－１３－０１"
    assert "「２０２４－１３－０１」は日付として読めません" in info.value.message_ja
    assert "is not a date" in info.value.message_en


def test_long_values_are_shortened_in_messages():
    value = "x" * 1000
    with pytest.raises(InvalidDate) as info:
        parse_date(value)
    assert info.value.value == value
    assert len(info.value.message_ja) < 100
    with pytest.raises(InvalidDate) as info:
        parse_date(10**5000)  # too many digits for str(); still a plain InvalidDate
    assert "<int>" in info.value.message_ja


# --------------------------------------------------------------------------------------- the eras


def test_era_table_is_contiguous():
    for era, following in itertools.pairwise(ERAS):
        assert era.end + datetime.timedelta(days=1) == following.start
    assert [era.start for era in ERAS] == [
        D(1868, 1, 25),
        D(1912, 7, 30),
        D(1926, 12, 25),
        D(1989, 1, 8),
        D(2019, 5, 1),
    ]
    assert ERAS[-1].end is None


@pytest.mark.parametrize("era", ERAS, ids=lambda era: era.name_en)
def test_era_first_and_last_day(era):
    first = f"{era.name}元年{era.start.month}月{era.start.day}日"
    assert parse_date(first) == era.start
    assert format_wareki(era.start) == first
    day_before = era.start - datetime.timedelta(days=1)
    raises(InvalidDate, parse_date, f"{era.name}元年{day_before.month}月{day_before.day}日")
    if era.end is not None:
        year = era.end.year - era.start.year + 1
        assert parse_date(f"{era.letter}{year}.{era.end.month}.{era.end.day}") == era.end
        day_after = era.end + datetime.timedelta(days=1)
        raises(InvalidDate, parse_date, f"{era.letter}{year}.{day_after.month}.{day_after.day}")


# ----------------------------------------------------------------------------------------- months

MONTHS = [
    ("2024-12", Month(2024, 12)),
    ("2024/12", Month(2024, 12)),
    ("2024/1", Month(2024, 1)),
    ("2024.12", Month(2024, 12)),
    ("202412", Month(2024, 12)),
    ("2024年12月", Month(2024, 12)),
    ("２０２４年１２月", Month(2024, 12)),
    ("令和6年12月", Month(2024, 12)),
    ("令和元年5月", Month(2019, 5)),
    ("R6.12", Month(2024, 12)),
    ("R6/12", Month(2024, 12)),
    ("r6-12", Month(2024, 12)),
    ("Ｒ６．１２", Month(2024, 12)),
    ("平成31年4月", Month(2019, 4)),
    ("H31.4", Month(2019, 4)),
    ("昭和64年1月", Month(1989, 1)),  # January 1989 belongs to both 昭和 and 平成
    ("平成元年1月", Month(1989, 1)),
    # a full date stands for its month
    ("2024-12-18", Month(2024, 12)),
    ("令和6年12月18日(水)", Month(2024, 12)),
    ("R6.12.18", Month(2024, 12)),
    ("20241218", Month(2024, 12)),
    ("45627", Month(2024, 12)),
    (45627, Month(2024, 12)),
    (45627.5, Month(2024, 12)),
    (D(2024, 12, 18), Month(2024, 12)),
    (datetime.datetime(2024, 12, 18, 9), Month(2024, 12)),
    (FakeTimestamp(D(2024, 12, 18)), Month(2024, 12)),
    (Month(2024, 12), Month(2024, 12)),
]


@pytest.mark.parametrize("value, expected", MONTHS)
def test_parse_month(value, expected):
    assert parse_month(value) == expected


INVALID_MONTHS = [
    ("2024-13", "年月として読めません（例: 2024/12、令和6年12月、R6.12）"),
    ("202413", "年月として読めません"),
    ("202400", "年月として読めません"),
    ("0000-12", "年月として読めません"),
    ("2024年13月", "年月として読めません"),
    ("令和6年13月", "年月として読めません"),
    ("12月", "年月として読めません"),
    ("abc", "年月として読めません"),
    ("2024-02-30", "日付として読めません"),  # a full date that does not exist
    ("令和元年4月", "令和は2019年5月1日から"),
    ("R1.4", "令和の期間外"),
    ("平成31年5月", "平成の期間外"),
    ("平成32年1月", "平成の期間外"),
    ("昭和64年2月", "昭和の期間外"),
    ("令和元年4月1日", "令和の期間外"),
    (60, "1900年2月29日"),
    (0, "範囲"),
    (True, "年月として読めません"),
    (float("inf"), "年月として読めません"),
    ([2024, 12], "年月として読めません"),
    (b"202412", "年月として読めません"),
]


@pytest.mark.parametrize("value, fragment", INVALID_MONTHS)
def test_parse_month_invalid(value, fragment):
    error = raises(InvalidDate, parse_month, value)
    assert fragment in error.message_ja


@pytest.mark.parametrize("value", [None, "", " ", "\u3000", float("nan")])
def test_parse_month_missing(value):
    with pytest.raises(MissingValue) as info:
        parse_month(value)
    assert info.value.message_ja == "年月が空欄です。"


# -------------------------------------------------------------------------- writing dates, serials

WAREKI = [
    (D(2024, 12, 1), "令和6年12月1日"),
    (D(2019, 5, 1), "令和元年5月1日"),
    (D(2019, 4, 30), "平成31年4月30日"),
    (D(1989, 1, 8), "平成元年1月8日"),
    (D(1989, 1, 7), "昭和64年1月7日"),
    (D(1926, 12, 25), "昭和元年12月25日"),
    (D(1926, 12, 24), "大正15年12月24日"),
    (D(1912, 7, 30), "大正元年7月30日"),
    (D(1912, 7, 29), "明治45年7月29日"),
    (D(1868, 1, 25), "明治元年1月25日"),
    (datetime.datetime(2024, 12, 1, 10), "令和6年12月1日"),
    ("2024-12-01", "令和6年12月1日"),
    (45627, "令和6年12月1日"),
]


@pytest.mark.parametrize("value, expected", WAREKI)
def test_format_wareki(value, expected):
    assert format_wareki(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (D(2024, 12, 16), "2024年12月16日(月)"),
        (D(2024, 12, 17), "2024年12月17日(火)"),
        (D(2024, 12, 18), "2024年12月18日(水)"),
        (D(2024, 12, 19), "2024年12月19日(木)"),
        (D(2024, 12, 20), "2024年12月20日(金)"),
        (D(2024, 12, 21), "2024年12月21日(土)"),
        (D(2024, 12, 22), "2024年12月22日(日)"),
        (datetime.datetime(2024, 12, 18, 23), "2024年12月18日(水)"),
    ],
)
def test_format_date_ja(value, expected):
    assert format_date_ja(value) == expected


@pytest.mark.parametrize(
    "day, serial",
    [
        (D(1900, 1, 1), 1),
        (D(1900, 2, 28), 59),
        (D(1900, 3, 1), 61),
        (D(2024, 12, 1), 45627),
        (D(9999, 12, 31), 2958465),
        (datetime.datetime(2024, 12, 1, 12), 45627),
    ],
)
def test_to_excel_serial(day, serial):
    assert to_excel_serial(day) == serial
    assert parse_date(serial) == (day.date() if isinstance(day, datetime.datetime) else day)


def test_writing_dates_out_of_range():
    with pytest.raises(OutOfRange) as info:
        format_wareki(D(1868, 1, 24))
    assert info.value.message_ja == "1868年1月24日は明治より前で、和暦にできません。"
    with pytest.raises(OutOfRange) as info:
        to_excel_serial(D(1899, 12, 31))
    assert info.value.message_ja.startswith("1899年12月31日はExcelの日付")
    raises(InvalidDate, format_wareki, "abc")
    raises(InvalidDate, format_date_ja, [1])
    raises(InvalidDate, to_excel_serial, 60)
    with pytest.raises(MissingValue):
        format_wareki(None)


# ---------------------------------------------------------------------------------------- amounts

AMOUNTS = [
    (70000, 70000),
    (0, 0),
    (70000.0, 70000),
    (Decimal("70000"), 70000),
    (Decimal("70000.00"), 70000),
    ("70000", 70000),
    ("70,000", 70000),
    ("７０，０００", 70000),
    ("７００００", 70000),
    (" 70,000 ", 70000),
    ("\u300070,000\u3000", 70000),
    ("70000円", 70000),
    ("70,000 円", 70000),
    ("¥70,000", 70000),
    ("￥70,000", 70000),
    ("¥ 70,000円", 70000),
    ("\\70,000", 70000),  # the yen sign of CP932 text
    ("1,234,567", 1234567),
    ("70000.0", 70000),
    ("7万円", 70000),
    ("7万", 70000),
    ("84万", 840000),
    ("８４万円", 840000),
    ("7.5万", 75000),
    ("0.1万", 1000),
    ("1億2000万円", 120000000),
    ("1億2,000万", 120000000),
    ("1億", 100000000),
    ("1万5000円", 15000),
    ("1億5000", 100005000),
    ("0", 0),
]


@pytest.mark.parametrize("value, expected", AMOUNTS)
def test_parse_amount(value, expected):
    assert parse_amount(value) == expected
    assert type(parse_amount(value)) is int
    assert parse_amount(value, allow_negative=True) == expected


NEGATIVE_AMOUNTS = [
    (-5000, -5000),
    (-5000.0, -5000),
    ("-5000", -5000),
    ("-5,000円", -5000),
    ("−5,000", -5000),
    ("－５，０００", -5000),
    ("△5,000", -5000),
    ("▲5,000", -5000),
    ("△ 5000円", -5000),
    ("-¥5,000", -5000),
    ("¥-5,000", -5000),
    ("-0.5万", -5000),
]


@pytest.mark.parametrize("value, expected", NEGATIVE_AMOUNTS)
def test_parse_amount_negative(value, expected):
    assert parse_amount(value, allow_negative=True) == expected
    error = raises(OutOfRange, parse_amount, value)
    assert "金額にマイナスは使えません" in error.message_ja


INVALID_AMOUNTS = [
    ("七万円", "金額として読めません（例: 70000、70,000円、7万円）"),
    ("abc", "金額として読めません"),
    ("円", "金額として読めません"),
    ("¥", "金額として読めません"),
    ("万", "金額として読めません"),
    ("-", "金額として読めません"),
    ("70,00", "金額として読めません"),
    ("7,0000", "金額として読めません"),
    ("70 000", "金額として読めません"),
    ("1e5", "金額として読めません"),
    ("70000ドル", "金額として読めません"),
    ("--5000", "金額として読めません"),
    ("-¥-5000", "金額として読めません"),
    ("+5000", "金額として読めません"),
    ("5000-", "金額として読めません"),
    ("1万2億", "金額として読めません"),
    ("1" * 100, "金額として読めません"),
    (True, "金額として読めません"),
    (False, "金額として読めません"),
    (float("inf"), "金額として読めません"),
    (float("-inf"), "金額として読めません"),
    (Decimal("Infinity"), "金額として読めません"),
    (b"70000", "金額として読めません"),
    ([70000], "金額として読めません"),
    (Fraction(1, 2), "金額として読めません"),
    (D(2024, 12, 1), "金額として読めません"),
    # readable, but not whole yen
    (70000.5, "整数ではないため金額として使えません"),
    ("70000.5", "整数ではないため金額として使えません"),
    ("7.00005万", "整数ではないため金額として使えません"),
    (Decimal("0.1"), "整数ではないため金額として使えません"),
]


@pytest.mark.parametrize("value, fragment", INVALID_AMOUNTS)
def test_parse_amount_invalid(value, fragment):
    error = raises(InvalidNumber, parse_amount, value)
    assert fragment in error.message_ja
    assert error.code == "invalid-number"


@pytest.mark.parametrize("value", [10**15, 1e20, Decimal("1e30"), "1000000000000000", "100000000億"])
def test_parse_amount_too_large(value):
    error = raises(OutOfRange, parse_amount, value, allow_negative=True)
    assert "大きすぎます" in error.message_ja


def test_parse_amount_largest():
    assert parse_amount(10**15 - 1) == 10**15 - 1


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000", float("nan"), Decimal("NaN")])
def test_parse_amount_missing(value):
    with pytest.raises(MissingValue) as info:
        parse_amount(value)
    assert info.value.message_ja == "金額が空欄です。"


# ----------------------------------------------------------------------------------------- counts

COUNTS = [
    (5, 5),
    (0, 0),
    (5.0, 5),
    (Decimal("5"), 5),
    ("5", 5),
    ("５", 5),
    ("1,200", 1200),
    (" 5 ", 5),
    ("5人", 5),
    ("５人", 5),
    ("5 人", 5),
    ("5名", 5),
    ("12か月", 12),
    ("12ヶ月", 12),
    ("12カ月", 12),
    ("12ヵ月", 12),
    ("12ケ月", 12),
    ("12ｹ月", 12),
    ("12箇月", 12),
    ("12.0", 12),
]


@pytest.mark.parametrize("value, expected", COUNTS)
def test_parse_count(value, expected):
    assert parse_count(value) == expected
    assert type(parse_count(value)) is int


INVALID_COUNTS = [
    ("abc", "人数として読めません（例: 5、5人、12か月）"),
    ("5万", "人数として読めません"),
    ("5円", "人数として読めません"),
    ("¥5", "人数として読めません"),
    ("五人", "人数として読めません"),
    ("5人5人", "人数として読めません"),
    ("12月", "人数として読めません"),
    (True, "人数として読めません"),
    (float("inf"), "人数として読めません"),
    ([5], "人数として読めません"),
    (5.5, "整数ではないため人数として使えません"),
    ("5.5人", "整数ではないため人数として使えません"),
]


@pytest.mark.parametrize("value, fragment", INVALID_COUNTS)
def test_parse_count_invalid(value, fragment):
    error = raises(InvalidNumber, parse_count, value)
    assert fragment in error.message_ja


@pytest.mark.parametrize("value", [-1, -1.0, "-1", "−3人", "△2", Decimal("-4")])
def test_parse_count_negative(value):
    error = raises(OutOfRange, parse_count, value)
    assert "人数にマイナスは使えません" in error.message_ja


def test_parse_count_names_what_it_counts():
    with pytest.raises(InvalidNumber) as info:
        parse_count("abc", what_ja="月数", what_en="number of months")
    assert info.value.message_ja.startswith("「abc」は月数として読めません")
    assert "number of months" in info.value.message_en
    with pytest.raises(MissingValue) as info:
        parse_count("", what_ja="従業員数", what_en="number of employees")
    assert info.value.message_ja == "従業員数が空欄です。"
    with pytest.raises(OutOfRange) as info:
        parse_count(10**20)
    assert "大きすぎます" in info.value.message_ja


# ------------------------------------------------------------------------------------------- kana


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ｶ)ﾔﾏﾀﾞｼｮｳﾃﾝ", "カ)ヤマダショウテン"),
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("ヤマダ", "ヤマダ"),
        ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
        ("", ""),
        # the long vowel as bank files and keyboards write it
        ("ｽﾐｽ ﾙ-ｼ-", "スミス ルーシー"),  # a bank's half-width name: the 全銀 set has no ｰ
        ("ｲ-.ﾏﾈ-（ｶ", "イー.マネー(カ"),  # as a bank CSV lists a company account
        ("ｼﾞｮｰ", "ジョー"),  # half-width ｰ
        ("スミス　ジョ−", "スミス ジョー"),  # U+2212 minus sign
        ("ヨ‐コ", "ヨーコ"),  # U+2010 hyphen
        ("コ―ヒ―", "コーヒー"),  # U+2015 horizontal bar
        ("ケ～キ", "ケーキ"),  # full-width tilde
        ("メ〜ル", "メール"),  # wave dash
        # spacing voicing marks typed after the kana join it
        ("カ゛ス", "ガス"),
        ("ハ゜ン", "パン"),
        ("か゛す", "ガス"),
    ],
)
def test_to_katakana(text, expected):
    assert to_katakana(text) == expected
    assert expected == "" or is_katakana(expected)


@pytest.mark.parametrize(
    "applicant, account_holder",
    [
        ("スミス ルーシー", "ｽﾐｽ ﾙ-ｼ-"),
        ("ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("サトウ ジョー", "ｻﾄｳ ｼﾞｮ-"),
        ("キャッシュ ケイ", "ｷﾔﾂｼﾕ ｹｲ"),  # small kana: banks print them full size
        ("ガス タロウ", "カ゛ス タロウ"),
    ],
)
def test_an_applicant_and_the_account_holder_as_the_bank_writes_it_are_one_name(applicant, account_holder):
    from kyosai.codes import kana_name_key

    assert kana_name_key(applicant) == kana_name_key(account_holder)


def test_to_katakana_rejects_non_text():
    with pytest.raises(MissingValue):
        to_katakana(None)
    with pytest.raises(InvalidFormat):
        to_katakana(123)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ヤマダ タロウ", True),
        ("ヤマダ　タロウ", True),
        ("カ）ヤマダショウテン", True),
        ("(カ)ヤマダ", True),
        ("ヤマダ.タロウ-ヴィ・ー", True),
        ("ヴァイオリン", True),
        ("ﾔﾏﾀﾞ", False),  # half-width: run to_katakana first
        ("やまだ", False),
        ("山田", False),
        ("YAMADA", False),
        ("ヤマダ1", False),
        ("", False),
        (" ", False),
        ("ー", False),
        (None, False),
        (123, False),
    ],
)
def test_is_katakana(text, expected):
    assert is_katakana(text) is expected


def test_normalised_kana_is_katakana():
    assert is_katakana(to_katakana("ﾔﾏﾀﾞ ﾀﾛｳ"))
    assert is_katakana(to_katakana("やまだ たろう"))


# ------------------------------------------------------------------------------------- properties

anything = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789０１２-/.．年月日元令和平成昭和大正明治RHSrhs ()（）水曜万億円,，¥△▲−:T", max_size=24),
    st.integers(),
    st.integers(min_value=-10, max_value=3_000_000),
    st.floats(),
    st.decimals(),
    st.fractions(),
    st.booleans(),
    st.binary(),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=500)
@given(anything)
def test_parsers_return_their_type_or_raise_kyosai_errors(value):
    for parse, kind in (
        (parse_date, datetime.date),
        (parse_month, Month),
        (parse_amount, int),
        (parse_count, int),
        (lambda v: parse_amount(v, allow_negative=True), int),
    ):
        try:
            result = parse(value)
        except KyosaiError as error:
            assert isinstance(error.message_ja, str) and isinstance(error.message_en, str)
        else:
            assert type(result) is kind
            if kind is int and parse is parse_count:
                assert result >= 0


@settings(max_examples=300)
@given(anything)
def test_writers_return_text_or_raise_kyosai_errors(value):
    for write, kind in ((format_wareki, str), (format_date_ja, str), (to_excel_serial, int)):
        try:
            result = write(value)
        except KyosaiError:
            continue
        assert type(result) is kind


@given(st.one_of(st.text(), st.none(), st.integers()))
def test_kana_functions_never_fail(value):
    assert isinstance(is_katakana(value), bool)
    with contextlib.suppress(KyosaiError):
        assert isinstance(to_katakana(value), str)


excel_era_dates = st.dates(min_value=D(1900, 3, 1), max_value=D(2100, 12, 31))


@given(excel_era_dates)
def test_round_trip_wareki_and_serial(day):
    assert parse_date(format_wareki(day)) == day
    assert parse_date(to_excel_serial(day)) == day
    assert parse_date(str(to_excel_serial(day))) == day
    assert parse_date(format_date_ja(day)) == day
    assert parse_date(day.isoformat()) == day
    assert parse_month(format_wareki(day)) == Month.of(day)


@given(st.dates(min_value=D(1900, 1, 1)))
def test_round_trip_serial_whole_range(day):
    assert parse_date(to_excel_serial(day)) == day


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_round_trip_amounts(n):
    assert parse_amount(n) == n
    assert parse_amount(str(n)) == n
    assert parse_amount(f"¥{n:,}円") == n
    assert parse_amount(f"{n:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))) == n
    assert parse_amount(f"{Decimal(n) / 10000}万") == n
    assert parse_amount(f"△{n:,}", allow_negative=True) == -n
    assert parse_count(f"{n:,}人") == n


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12))
def test_round_trip_months(year, month):
    m = Month(year, month)
    if year >= 1000:
        assert parse_month(str(m)) == m
        assert parse_month(m.ja()) == m
        assert parse_month(f"{year}{month:02d}") == m


def test_nan_is_an_empty_cell_everywhere():
    for parse in (parse_date, parse_month, parse_amount, parse_count):
        with pytest.raises(MissingValue):
            parse(math.nan)


# ------------------------------------------------------------------------------------------- weekdays, kanji numerals


@pytest.mark.parametrize(
    "text, expected",
    [
        ("令和6年12月2日(月)", D(2024, 12, 2)),
        ("令和6年12月2日（月曜日）", D(2024, 12, 2)),
        ("2024/12/2 月曜", D(2024, 12, 2)),
        ("2024年12月18日(水)", D(2024, 12, 18)),  # as format_date_ja writes it
        ("令和六年十二月二日", D(2024, 12, 2)),
        ("二〇二四年十二月二日", D(2024, 12, 2)),
        ("令和元年五月一日", D(2019, 5, 1)),
        ("平成三十一年四月三十日", D(2019, 4, 30)),
        ("令和六年十二月二日（月）", D(2024, 12, 2)),
    ],
)
def test_a_weekday_that_fits_and_kanji_numerals_are_read(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, written, actual",
    [
        ("令和6年12月2日(火)", "火", "月"),
        ("2024-12-02 日曜", "日", "月"),
        ("R6.12.18（木）", "木", "水"),
    ],
)
def test_a_weekday_that_contradicts_the_date_is_refused_naming_the_right_one(text, written, actual):
    with pytest.raises(WrongWeekday) as caught:
        parse_date(text)
    assert (
        f"{actual}曜日です" in caught.value.message_ja and f"{written}曜日と書かれています" in caught.value.message_ja
    )
    assert isinstance(caught.value, InvalidDate)


@pytest.mark.parametrize("text", ["令和六年十三月二日", "二十年十二月二日", "令和六十十年一月一日", "七万"])
def test_kanji_numerals_that_are_no_date_are_refused(text):
    with pytest.raises(InvalidDate):
        parse_date(text)


def test_months_in_kanji_numerals_and_amounts_not():
    assert parse_month("令和六年十二月") == parse_month("二〇二四年十二月") == parse_month("2024/12")
    with pytest.raises(InvalidNumber):
        parse_amount("七万")


# ------------------------------------------------------------------------------------------- the one folding


@pytest.mark.parametrize(
    "text, options, folded",
    [
        ("Ｒ６．１２．１", {}, "R6.12.1"),
        (" ７０，０００円\u3000", {}, "70,000円"),
        ("㋿6年", {}, "令和6年"),
        ("２０２４ー１２ー０１", {"dashes": True}, "2024-12-01"),
        ("2024−12‐01", {"dashes": True}, "2024-12-01"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ ", {"spaces": "keep"}, "ヤマダ タロウ "),
        (" 年 払 い\u3000", {"spaces": "drop"}, "年払い"),
        ("ＳＫＹ ", {"lower": True}, "sky"),
        ("Ａ-0001\u200b\ufeff ", {"spaces": "drop", "invisible": True, "lower": True}, "a-0001"),
        ("山田\u2060太郎\U000e0001", {"invisible": True}, "山田太郎"),  # a format character beyond the BMP too
    ],
)
def test_the_one_folding(text, options, folded):
    assert fold(text, **options) == folded


def test_the_folding_takes_three_ways_with_spaces():
    with pytest.raises(ValueError, match="spaces"):
        fold("x", spaces="squash")  # type: ignore[arg-type]


@settings(max_examples=500)
@given(st.text())
def test_the_folding_is_nfkc_and_its_named_steps(text):
    """Every folding of the project is this one (labels and headers, kana names, codes, records):
    NFKC, then only the steps the caller names."""
    nfkc = unicodedata.normalize("NFKC", text)
    assert fold(text, spaces="keep") == nfkc
    assert fold(text) == nfkc.strip()
    assert fold(text, spaces="drop", lower=True) == "".join(nfkc.split()).lower()
    assert normalize_key(text) == "".join(nfkc.split()).lower().rstrip("。.")
    no_format = "".join(c for c in "".join(nfkc.split()) if unicodedata.category(c) != "Cf")
    assert fold(text, spaces="drop", invisible=True) == no_format
