"""Premium bounds, dated parameters and labels."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from kyosai import premium
from kyosai.errors import InvalidLabel, InvalidPremium, MissingValue, OutOfRange
from kyosai.labels import Channel, Pattern, SafetyIndustry, Scheme, SkyIndustry
from kyosai.params import P, load

ON = dt.date(2025, 4, 1)  # the rules are asked on a date of the law in force


@pytest.mark.parametrize(
    "amount, scheme, valid",
    [
        (1000, Scheme.SKY, True),
        (1500, Scheme.SKY, True),
        (70000, Scheme.SKY, True),
        (950, Scheme.SKY, False),
        (70500, Scheme.SKY, False),
        (1250, Scheme.SKY, False),
        (0, Scheme.SKY, False),
        (5000, Scheme.SAFETY, True),
        (200000, Scheme.SAFETY, True),
        (100000, Scheme.SAFETY, True),
        (4999, Scheme.SAFETY, False),
        (7500, Scheme.SAFETY, False),
        (205000, Scheme.SAFETY, False),
    ],
)
def test_premium_range_and_step(amount, scheme, valid):
    assert premium.is_valid(amount, scheme, on=ON) is valid
    if not valid:
        with pytest.raises(InvalidPremium) as info:
            premium.validate(amount, scheme, on=ON)
        assert f"{amount:,}円" in info.value.message_ja


def test_premium_must_be_whole_yen():
    with pytest.raises(OutOfRange):
        premium.validate(70000.5, "小規模企業共済", ON)
    with pytest.raises(OutOfRange):
        premium.validate(True, "小規模企業共済", ON)


def _values(value):
    """``value`` and everything inside it (a list of brackets, a table of limits)."""
    yield value
    for inner in value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else ():
        yield from _values(inner)


def test_parameters_are_dated_and_sourced():
    for parameter in P:
        assert parameter.ja and parameter.source, parameter.name
        assert re.match(r"\[(SEED|OFF|DECISION)\]", parameter.source), parameter.name  # where it comes from
        assert parameter.history and all(isinstance(since, dt.date) for since, _ in parameter.history), parameter.name
    assert P.PREPAYMENT_DISCOUNT_RATE.at(dt.date(2017, 11, 1)) == Decimal("0.0009")
    assert P.SAFETY_TOTAL_LIMIT.at(dt.date(2024, 1, 1)) == 8_000_000


def test_a_rule_that_changes_on_a_date_is_a_dated_value_and_an_epoch_boundary():
    """Lodging's employee band and the rejoining rule switch on by their parameters' own ``since``
    dates (as the holidays package switches a holiday on by its year), and those dates are among
    the change dates that split records into epochs."""
    lodging = P.SKY_EMPLOYEES_LODGING_ENTERTAINMENT
    assert (lodging.at(dt.date(2014, 3, 31)), lodging.at(dt.date(2014, 4, 1))) == (5, 20)
    rejoin = P.SAFETY_REJOIN_NON_DEDUCTIBLE_YEARS
    assert (rejoin.at(dt.date(2024, 9, 30)), rejoin.at(dt.date(2024, 10, 1))) == (0, 2)
    for change in (dt.date(2014, 4, 1), dt.date(2024, 10, 1)):
        assert change in P.change_dates()
        assert P.epoch(change - dt.timedelta(days=1)) + 1 == P.epoch(change)
    every_since = {since for parameter in P for since, _ in parameter.history}
    assert every_since == set(P.change_dates())


def test_no_parameter_value_is_a_date():
    """A date a rule starts on is an entry's ``since`` (an effective date), never a value: a value that
    is a date would be a switch no epoch knows about."""
    dated = [p.name for p in P for _, value in p.history if any(isinstance(v, dt.date) for v in _values(value))]
    assert dated == []


def test_headquarters_can_override_a_parameter(tmp_path):
    override = tmp_path / "hq.toml"
    override.write_text(
        "[SKY_CHANGE_DEADLINE_DAY]\nvalues = [{ since = 2027-01-01, value = 15 },"
        " { since = 1900-01-01, value = 20 }]\n",
        encoding="utf-8",
    )
    params = load(override)
    assert params["SKY_CHANGE_DEADLINE_DAY"].at(dt.date(2026, 12, 1)) == 20
    assert params["SKY_CHANGE_DEADLINE_DAY"].at(dt.date(2027, 1, 1)) == 15
    assert params["SKY_CHANGE_DEADLINE_DAY"].source  # the shipped source is kept
    bad = tmp_path / "bad.toml"
    bad.write_text("[NO_SUCH]\nvalues = [{ since = 2027-01-01, value = 1 }]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="NO_SUCH"):
        load(bad)


def test_override_changes_the_rules(tmp_path, monkeypatch):
    from kyosai import deadlines
    from kyosai.month import Month

    override = tmp_path / "hq.toml"
    override.write_text("[SKY_CHANGE_DEADLINE_DAY]\nvalues = [{ since = 1900-01-01, value = 15 }]\n", encoding="utf-8")
    try:
        P.reload(override)
        assert deadlines.prepayment_deadline(Month(2024, 12), Scheme.SKY) == dt.date(2024, 11, 15)
    finally:
        P.reload()
    assert deadlines.prepayment_deadline(Month(2024, 12), Scheme.SKY) == dt.date(2024, 11, 20)


@pytest.mark.parametrize(
    "cls, text, member",
    [
        (Scheme, "小規模企業共済", Scheme.SKY),
        (Scheme, "safety", Scheme.SAFETY),
        (Scheme, "中小企業倒産防止共済", Scheme.SAFETY),
        (Scheme, "ＳＫＹ", Scheme.SKY),
        (Channel, "現金あり", Channel.CASH),
        (Channel, "cash", Channel.CASH),
        (Channel, "debit", Channel.NO_CASH),
        (Channel, "online", Channel.ONLINE),
        (Channel, "①現金あり", Channel.CASH),
        (Pattern, "月払い", Pattern.MONTHLY),
        (Pattern, "semiannual", Pattern.SEMI_ANNUAL),
        (Pattern, "年払", Pattern.ANNUAL),
        (Pattern, " 半年払 ", Pattern.SEMI_ANNUAL),
        (SkyIndustry, "宿泊業", SkyIndustry.LODGING),
        (SafetyIndustry, "ソフトウェア業", SafetyIndustry.SOFTWARE),
    ],
)
def test_labels_in_japanese_and_english(cls, text, member):
    assert cls.parse(text) is member


def test_bad_labels_say_what_is_allowed():
    with pytest.raises(InvalidLabel) as info:
        Channel.parse("小切手")
    assert "小切手" in info.value.message_ja and "現金あり" in info.value.message_ja
    with pytest.raises(MissingValue):
        Pattern.parse("  ")
    assert not Scheme.is_valid("pension") and Scheme.is_valid("sky")


def test_a_date_before_every_rule_is_out_of_range():
    """A parameter has no value before its first entry: a clear OutOfRange (a typo such as 1899),
    still a LookupError for code that asks for a missing key (found by tests/test_fuzz.py)."""
    from kyosai.errors import OutOfRange
    from kyosai.params import P

    with pytest.raises(OutOfRange, match="1899-01-01") as error:
        P.SAFETY_MIN_PREMIUM.at(dt.date(1899, 1, 1))
    assert isinstance(error.value, LookupError)
    assert "経営セーフティ共済" in error.value.message_ja
