"""The vectorised cell readers give exactly what the cell readers give, on any text (issue 13).

``schemas.cells.read_texts`` reads the common forms of a column's texts with polars expressions and
leaves the rest to the column's reader; here both are asked about texts made to sit on the edges of
the fast forms: digits of every length, hyphens and slashes, every kind of space (Python strips
U+001C–U+001F, Unicode does not call them spaces), full-width forms, katakana, half-width kana,
和暦, 万円, control characters.
"""

import datetime
import math
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import udfs
from kyosai import codes
from kyosai.errors import KyosaiError, MissingValue
from kyosai.inputs import is_blank
from kyosai.japanese import fold, parse_amount, parse_count, parse_date, parse_month
from kyosai.labels import Pattern
from schemas.batches import KINDS, Value
from schemas.cells import _FAST, read_texts, reader

COLUMNS = {column.value: column for kind in KINDS.values() for column in kind.columns}
FAST_COLUMNS = sorted(
    {(c.value.name, c.alias): c for kind in KINDS.values() for c in kind.columns if c.value in _FAST}.items()
)

PIECES = st.sampled_from(
    [
        "0",
        "1",
        "9",
        "00",
        "123",
        "0123456",
        "12345678",
        "2024",
        "1999",
        "2100",
        "19",
        "20",
        "-",
        "/",
        ".",
        ",",
        " ",
        "\u3000",
        "\t",
        "\x1c",
        "\x1f",
        "\x85",
        "\xa0",
        "\n",
        "１",
        "０",
        "－",
        "ー",
        "‐",
        "〒",
        "ア",
        "ヤマダ",
        "タロウ",
        "ヴ",
        "ヵ",
        "ヶ",
        "・",
        "ｱ",
        "ﾔﾏﾀﾞ",
        "やまだ",
        "山田",
        "太郎",
        "万",
        "円",
        "年",
        "月",
        "日",
        "R6.",
        "令和",
        "昭和50年4月1日",
        "12",
        "31",
        "02",
        "2",
        "30",
        "e",
        "E",
        "+",
        "(",
        ")",
        "\u200b",
        "é",
        "𠮷",
    ]
)
TEXTS = st.one_of(
    st.lists(PIECES, min_size=1, max_size=6).map("".join),
    st.from_regex(r"\A[0-9]{1,22}\Z"),
    st.from_regex(r"\A(19|20)[0-9]{2}[-/][0-9]{1,2}[-/][0-9]{1,2}\Z"),
    st.from_regex(r"\A0[0-9]{1,5}-[0-9]{1,5}-[0-9]{1,5}\Z"),
    st.from_regex(r"\A[0-9]{3}-?[0-9]{4}\Z"),
    st.from_regex(r"\A[ァ-ヶー]{1,5}( [ァ-ヶー]{1,5}){0,2}\Z"),
    st.text(min_size=1, max_size=12),
)


def one_by_one(column, texts):
    read_cell = reader(column)
    values, errors = [], {}
    for i, text in enumerate(texts):
        try:
            values.append(read_cell(text))
        except KyosaiError as error:
            values.append(None)
            errors[i] = error
    return values, errors


def assert_same(column, texts):
    fast_values, fast_errors = read_texts(column, pl.Series(texts, dtype=pl.String))
    values, errors = one_by_one(column, texts)
    for i, text in enumerate(texts):
        assert (type(fast_values[i]), fast_values[i]) == (type(values[i]), values[i]), (column.alias, text)
    assert {i: (type(e), e.message_ja) for i, e in fast_errors.items()} == {
        i: (type(e), e.message_ja) for i, e in errors.items()
    }, column.alias


@pytest.mark.parametrize("key, column", FAST_COLUMNS, ids=[f"{v}-{a}" for (v, a), _ in FAST_COLUMNS])
@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXTS | st.none(), min_size=1, max_size=20))
def test_the_fast_readers_agree_with_the_readers(key, column, texts):
    assert_same(column, texts)


@pytest.mark.parametrize(
    "value, texts",
    [
        (Value.AMOUNT, ["10000", "0123", "999999999999999", "1000000000000000", "７万円", "1,000", "1e3", " 5"]),
        (Value.COUNT, ["4", "0", "999999999", "1000000000", "４", "-1", "3.0"]),
        (
            Value.DATE,
            [
                "2024-07-19",
                "2024/2/3",
                "2024/2/30",
                "1899-12-31",
                "2100-01-01",
                "R6.12.2",
                "2024-12-02 13:05:00",
                "45627",
                "45627.5",
                "2024-1-1",
                "2024/01/01",
            ],
        ),
        (Value.KATAKANA, ["ヤマダ タロウ", "ヤマダ  タロウ", "ーア", "ヴァヵヶ", "ﾔﾏﾀﾞ", "ヤマダ\u3000タロウ", "ア ー"]),
        (Value.PHONE, ["06-1058-4329", "0312345678", "03-1234-567", "090-1234-56789", "1312345678", "(03)1234-5678"]),
        (Value.POSTAL_CODE, ["341-0046", "1058453", "1058-453", "〒105-8453", "105-84531"]),
        (Value.DIGITS, ["0009", "9", "12345", "0012345", "12345678", "１２３"]),
        (Value.TEXT, ["山田 太郎", " 山田", "山田\x1c", "x" * 1000, "x" * 1001, "\u3000"]),
    ],
)
def test_the_edges_of_each_fast_form(value, texts):
    for column in {c.alias: c for kind in KINDS.values() for c in kind.columns if c.value is value}.values():
        assert_same(column, texts)


def test_dates_come_back_as_dates():
    column = COLUMNS[Value.DATE]
    values, errors = read_texts(column, pl.Series(["2024-07-19", None, "2024/2/3"], dtype=pl.String))
    assert values == [datetime.date(2024, 7, 19), None, datetime.date(2024, 2, 3)] and errors == {}


def record_fold(text: str) -> str:
    """The one folding as records are compared for duplicates."""
    return fold(text, spaces="drop", invisible=True, lower=True)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXTS | st.none(), min_size=1, max_size=20))
def test_records_are_folded_alike_one_by_one_and_all_at_once(texts):
    """The folding of receipt numbers, names and references for comparing records (the one folding,
    kyosai.japanese.fold: NFKC, no white space, no format characters, lower case): polars for the
    vetted blocks, Python for the rest."""
    from schemas.rules import normalized, normalized_all

    folded = [None if t is None else record_fold(t) for t in texts]
    assert normalized_all(texts) == folded
    assert [None if t is None else normalized(t) for t in texts] == folded


@pytest.mark.parametrize(
    "text",
    [
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "゛゜",
        "ＡＢＣ\u3000ｄ",
        "ABC\x1c\x1d",
        "㈱山田",
        "①-２",
        "Ⅻ",
        "ｶﾞｷﾞｸﾞ",
        "\u200bA",
        "\ufeffB",
        "İ",
        "ΣΑΣ",
        "ß",
        "ﬁ",
        "ヴ",
        "ｳﾞ",
        "\u30fc\uff70-",
    ],
)
def test_the_folding_of_odd_texts(text):
    from schemas.rules import normalized, normalized_all

    assert normalized_all([text]) == [normalized(text)] == [record_fold(text)]


# ------------------------------------------------------------------------------------------- the one blank check

BLANK_CELLS = [None, "", " ", "\u3000", "\t\r\n", math.nan, Decimal("NaN")]


@pytest.mark.parametrize("raw", BLANK_CELLS, ids=repr)
def test_a_blank_cell_is_empty_to_every_reader(raw):
    """kyosai.inputs.is_blank decides for all: the batch readers read the cell as empty, the core's
    readers of clerks' text say 「…が空欄です」, the add-in gives the argument its default."""
    assert is_blank(raw)
    for column in COLUMNS.values():
        assert reader(column)(raw) is None
    core_readers = (parse_date, parse_month, parse_amount, parse_count, Pattern.parse)
    code_readers = (codes.validate_postal_code, codes.validate_phone, codes.validate_corporate_number)
    for read in (*core_readers, *code_readers, codes.validate_katakana):
        with pytest.raises(MissingValue, match="空欄"):
            read(raw)
    assert udfs.FIRST_DEBIT_AMOUNT("2024-12-02", 70000, raw, "年払") == 840_000  # 申込方法: 現金なし


@pytest.mark.parametrize("raw", [0, 0.0, False, "0", "-", "nan", "\u200b", Decimal(0)], ids=repr)
def test_a_written_cell_is_not_blank(raw):
    assert not is_blank(raw)
