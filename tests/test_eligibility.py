"""Who may join: SKY (docs/rules.md §1.2) and SAFETY (§2.2)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyosai import eligibility as el
from kyosai.errors import InvalidDate, InvalidLabel, InvalidNumber, MissingValue, NotEligible, OutOfRange
from kyosai.labels import MemberType, SafetyIndustry, SkyIndustry, TaxArrears
from kyosai.month import period_end

D = dt.date
TODAY = D(2025, 1, 6)
BEFORE_2014 = D(2014, 3, 31)
SINCE_2014 = D(2014, 4, 1)

# ---------------------------------------------------------------------------------------------- SKY


@pytest.mark.parametrize(
    "industry, on, limit",
    [
        # [SEED] 20 人(宿泊業・娯楽業を除くサービス業と商業(卸売・小売業)では 5 人以下)
        ("卸売業", TODAY, 5),
        ("小売業", TODAY, 5),
        ("サービス業", TODAY, 5),
        ("宿泊業", TODAY, 20),
        ("娯楽業", TODAY, 20),
        ("製造業", TODAY, 20),
        ("建設業", TODAY, 20),
        ("運輸業", TODAY, 20),
        ("不動産業", TODAY, 20),
        ("農業", TODAY, 20),
        ("その他", TODAY, 20),
        # lodging and entertainment moved to the 20 band on 2014-04-01 [OFF]
        ("宿泊業", BEFORE_2014, 5),
        ("宿泊業", SINCE_2014, 20),
        ("娯楽業", BEFORE_2014, 5),
        ("娯楽業", SINCE_2014, 20),
        ("サービス業", SINCE_2014, 5),
        ("製造業", BEFORE_2014, 20),
        # labels as clerks write them
        ("retail", TODAY, 5),
        ("hotel", TODAY, 20),
        (SkyIndustry.WHOLESALE, TODAY, 5),
    ],
)
def test_sky_employee_limit(industry, on, limit):
    assert el.sky_employee_limit(industry, on) == limit


def test_the_rule_date_is_never_today_by_default():
    # issue 12: the rules core is asked on the date a rule applies to; an omitted date is an error
    with pytest.raises(TypeError):
        el.sky_employee_limit("宿泊業")
    with pytest.raises(MissingValue) as info:
        el.sky_employee_limit("宿泊業", None)
    assert info.value.message_ja == "基準日が空欄です。"
    with pytest.raises(MissingValue):
        el.validate_safety("製造業", None, 3, D(2024, 1, 1), None)


def test_every_sky_industry_has_a_limit():
    assert {el.sky_employee_limit(i, TODAY) for i in SkyIndustry} == {5, 20}


@pytest.mark.parametrize(
    "industry, employees, member_type, on, eligible",
    [
        # both sides of each band
        ("小売業", 5, MemberType.PROPRIETOR, TODAY, True),
        ("小売業", 6, MemberType.PROPRIETOR, TODAY, False),
        ("卸売業", 5, "会社役員", TODAY, True),
        ("卸売業", 6, "会社役員", TODAY, False),
        ("サービス業", 0, "共同経営者", TODAY, True),
        ("サービス業", 6, "共同経営者", TODAY, False),
        ("製造業", 20, "個人事業主", TODAY, True),
        ("製造業", 21, "個人事業主", TODAY, False),
        ("宿泊業", 20, "個人事業主", TODAY, True),
        ("宿泊業", 21, "個人事業主", TODAY, False),
        ("宿泊業", 6, "個人事業主", BEFORE_2014, False),
        ("宿泊業", 5, "個人事業主", BEFORE_2014, True),
        ("娯楽業", 6, "officer", SINCE_2014, True),
        # 士業法人の社員: 5 whatever the industry [OFF]
        ("製造業", 5, "士業法人社員", TODAY, True),
        ("製造業", 6, "士業法人社員", TODAY, False),
        (None, 5, MemberType.PROFESSIONAL_PARTNER, TODAY, True),
        (None, 6, MemberType.PROFESSIONAL_PARTNER, TODAY, False),
    ],
)
def test_validate_sky(industry, employees, member_type, on, eligible):
    assert el.is_sky_eligible(industry, employees, member_type, on=on) is eligible
    if eligible:
        assert el.validate_sky(industry, employees, member_type, on=on) == employees
    else:
        with pytest.raises(NotEligible) as info:
            el.validate_sky(industry, employees, member_type, on=on)
        assert info.value.value == employees
        assert f"従業員{employees}人" in info.value.message_ja
        assert f"{employees} employees" in info.value.message_en


def test_sky_message_names_value_limit_and_industry_japanese_first():
    with pytest.raises(NotEligible) as info:
        el.validate_sky("卸売業", 6, on=TODAY)
    e = info.value
    assert e.message_ja == "従業員6人は卸売業の上限5人を超えるため、小規模企業共済に加入できません。"
    assert e.message_en == "6 employees exceed the limit of 5 for wholesale: not eligible for SKY."
    assert str(e).startswith(e.message_ja)


@pytest.mark.parametrize(
    "args, error",
    [
        (("小売業", -1), OutOfRange),
        (("小売業", 2.0), InvalidNumber),
        (("小売業", True), InvalidNumber),
        (("小売業", "3"), InvalidNumber),
        (("鉱業", 3), InvalidLabel),
        ((None, 3), MissingValue),
        (("小売業", 3, "社長"), InvalidLabel),
    ],
)
def test_validate_sky_bad_input(args, error):
    with pytest.raises(error):
        el.validate_sky(*args, on=TODAY)
    assert el.is_sky_eligible(*args, on=TODAY) is False


def test_validate_sky_unreadable_date():
    with pytest.raises(InvalidDate):
        el.validate_sky("小売業", 3, "個人事業主", on="2025-01-01")
    assert el.is_sky_eligible("小売業", 3, "個人事業主", on="2025-01-01") is False


@pytest.mark.parametrize("count, ok", [(0, True), (1, True), (2, True), (3, False), (10, False)])
def test_co_managers_at_most_two_per_proprietor(count, ok):
    if ok:
        assert el.validate_co_managers(count, TODAY) == count
    else:
        with pytest.raises(NotEligible) as info:
            el.validate_co_managers(count, TODAY)
        assert info.value.message_ja == f"共同経営者{count}人は個人事業主1人あたりの上限2人を超えています。"
        assert "limit of 2" in info.value.message_en


def test_co_managers_bad_input():
    with pytest.raises(OutOfRange):
        el.validate_co_managers(-1, TODAY)
    with pytest.raises(InvalidNumber):
        el.validate_co_managers(None, TODAY)


# ---------------------------------------------------------------------------------------------- SAFETY


@pytest.mark.parametrize(
    "industry, capital_max, employees_max",
    [
        # docs/rules.md §2.2; the first four rows are in the seed (実施要綱)
        ("製造業", 300_000_000, 300),
        ("建設業", 300_000_000, 300),
        ("運輸業", 300_000_000, 300),
        ("その他", 300_000_000, 300),
        ("卸売業", 100_000_000, 100),
        ("サービス業", 50_000_000, 100),
        ("小売業", 50_000_000, 50),
        ("ゴム製品製造業", 300_000_000, 900),
        ("ソフトウェア業・情報処理サービス業", 300_000_000, 300),
        ("情報処理サービス業", 300_000_000, 300),
        ("旅館業", 50_000_000, 200),
    ],
)
def test_safety_limits(industry, capital_max, employees_max):
    assert el.safety_limits(industry, TODAY) == (capital_max, employees_max)
    assert el.safety_limits(industry, TODAY).capital_max == capital_max


def test_every_safety_industry_is_in_the_table():
    assert set(el.safety_size_limits(TODAY)) == set(SafetyIndustry)


def test_the_size_limits_are_read_on_the_date_asked(tmp_path):
    """SAFETY_SIZE_LIMITS is a dated parameter: an override from a date changes the answer from that
    date only, and a table that leaves an industry out is refused with a message, not a KeyError."""
    from kyosai.params import P

    rows = "\n".join(
        f'  {{ industry = "{i.value}", capital_max = {c}, employees_max = {e} }},'
        for i, (c, e) in el.safety_size_limits(TODAY).items()
    )
    override = tmp_path / "override.toml"
    override.write_text(
        f"""[SAFETY_SIZE_LIMITS]
values = [{{ since = 1900-01-01, value = [
{rows}
] }}, {{ since = 2030-01-01, value = [
{rows.replace("employees_max = 50 ", "employees_max = 60 ")}
] }}, {{ since = 2031-01-01, value = [{{ industry = "小売業", capital_max = 1, employees_max = 1 }}] }}]
""",
        encoding="utf-8",
    )
    P.reload(override)
    try:
        assert el.safety_limits("小売業", D(2029, 12, 31)).employees_max == 50
        assert el.safety_limits("小売業", D(2030, 1, 1)).employees_max == 60
        assert el.is_safety_eligible("小売業", None, 55, as_of=D(2030, 1, 1))
        assert not el.is_safety_eligible("小売業", None, 55, as_of=D(2029, 12, 31))
        with pytest.raises(OutOfRange) as info:
            el.safety_limits("製造業", D(2031, 1, 1))
        assert "製造業" in info.value.message_ja
    finally:
        P.reload()


def _size_cases():
    """Both sides of both limits for every industry, company and sole proprietor."""
    for industry, (cap, emp) in el.safety_size_limits(TODAY).items():
        yield industry, cap, emp + 1, True  # capital at the limit is enough
        yield industry, cap + 1, emp, True  # so is the employee count at the limit
        yield industry, cap + 1, emp + 1, False  # over both: not an SME
        yield industry, 0, 10_000, True
        yield industry, None, emp, True  # sole proprietor: employees alone
        yield industry, None, emp + 1, False
        yield industry, cap, None, True  # employees not stated: capital alone
        yield industry, cap + 1, None, False


@pytest.mark.parametrize("industry, capital, employees, eligible", list(_size_cases()))
def test_safety_size(industry, capital, employees, eligible):
    assert el.is_safety_eligible(industry, capital, employees, as_of=TODAY) is eligible
    assert (el.safety_ineligibility_reasons(industry, capital, employees, as_of=TODAY) == []) is eligible


def test_size_message_names_values_and_limits():
    [(ja, en)] = el.safety_ineligibility_reasons("卸売業", 100_000_001, 101, as_of=TODAY)
    assert ja == (
        "資本金100,000,001円・従業員101人は、卸売業の中小企業者の範囲（資本金100,000,000円以下"
        "または従業員100人以下）を超えています。"
    )
    assert "100,000,001 yen" in en and "101 employees" in en and "100,000,000" in en
    [(ja, en)] = el.safety_ineligibility_reasons("小売業", None, 51, as_of=TODAY)
    assert ja == "従業員51人は、小売業の上限50人を超えています（個人事業主は従業員数で判定）。"
    assert en.startswith("51 employees exceed the limit of 50 in retail")


@pytest.mark.parametrize(
    "start, as_of, eligible",
    [
        # "1 year": the start day counts, so the business qualifies on the same date a year later
        (D(2023, 12, 1), D(2024, 11, 30), False),
        (D(2023, 12, 1), D(2024, 12, 1), True),
        (D(2023, 12, 1), D(2030, 1, 1), True),
        (D(2024, 1, 31), D(2025, 1, 30), False),
        (D(2024, 1, 31), D(2025, 1, 31), True),
        (D(2020, 2, 29), D(2021, 2, 28), False),  # no 29 February in 2021: qualifies on 1 March
        (D(2020, 2, 29), D(2021, 3, 1), True),
        (D(2023, 3, 1), D(2024, 2, 29), False),
        (D(2023, 3, 1), D(2024, 3, 1), True),
        (D(2025, 2, 1), D(2025, 1, 6), False),  # starts after the application
        (None, D(2025, 1, 6), True),  # not checked
    ],
)
def test_safety_years_in_business(start, as_of, eligible):
    assert el.is_safety_eligible("製造業", None, 3, start, as_of) is eligible


@pytest.mark.parametrize(
    "start, first_day",
    [
        (D(2023, 12, 1), D(2024, 12, 1)),
        (D(2020, 2, 29), D(2021, 3, 1)),
        (D(2024, 2, 29), D(2025, 3, 1)),
        (D(2023, 2, 28), D(2024, 2, 28)),
        (D(2024, 12, 31), D(2025, 12, 31)),
        (dt.datetime(2023, 12, 1, 15, 30), D(2024, 12, 1)),
    ],
)
def test_safety_eligible_from(start, first_day):
    assert el.safety_eligible_from(start) == first_day


def test_years_reason_names_dates():
    [(ja, en)] = el.safety_ineligibility_reasons("製造業", None, 3, D(2023, 12, 1), D(2024, 11, 30))
    assert ja == (
        "事業開始日2023-12-01から2024-11-30までに1年以上の事業継続がありません（2024-12-01から加入できます）。"
    )
    assert en == "In business since 2023-12-01: less than 1 year(s) on 2024-11-30 (eligible from 2024-12-01)."


@pytest.mark.parametrize(
    "tax_arrears, eligible",
    [
        (False, True),
        (None, True),
        ("なし", True),
        (TaxArrears.NONE, True),
        ("no", True),
        (True, False),
        ("あり", False),
        (TaxArrears.SOME, False),
        ("有", False),
        ("yes", False),
    ],
)
def test_safety_tax_arrears(tax_arrears, eligible):
    assert el.is_safety_eligible("小売業", None, 1, as_of=TODAY, tax_arrears=tax_arrears) is eligible


def test_safety_tax_arrears_unreadable():
    with pytest.raises(InvalidLabel):
        el.safety_ineligibility_reasons("小売業", None, 1, as_of=TODAY, tax_arrears="たぶん")


@pytest.mark.parametrize(
    "entity_type, eligible",
    [
        ("医療法人", False),
        ("医療法人社団", False),
        ("社会医療法人", False),
        ("特定非営利活動法人", False),
        ("NPO法人", False),
        ("ＮＰＯ法人", False),
        ("npo", False),
        ("農業協同組合", False),
        ("農協", False),
        ("JA", False),
        ("農事組合法人", False),
        ("森林組合", False),
        ("外国法人", False),
        ("漁業協同組合", False),
        ("生協", False),
        ("株式会社", True),
        ("合同会社", True),
        ("企業組合", True),
        ("事業協同組合", True),
        ("医療法人社団 健康会", True),  # a name, not a type: the form's type field is what is matched
        (None, True),
        ("", True),
    ],
)
def test_safety_excluded_entity_types(entity_type, eligible):
    assert el.is_safety_eligible("サービス業", 10_000_000, 5, as_of=TODAY, entity_type=entity_type) is eligible


def test_every_excluded_entity_type_has_a_source():
    for entry in el.EXCLUDED_ENTITY_TYPES:
        assert entry.source.startswith(("[OFF]", "[DECISION]"))
        assert not el.is_safety_eligible("その他", 1, 1, as_of=TODAY, entity_type=entry.ja)


def test_validate_safety_names_every_reason_in_one_message():
    with pytest.raises(NotEligible) as info:
        el.validate_safety(
            "小売業", 60_000_000, 51, D(2024, 6, 1), D(2025, 1, 6), tax_arrears=True, entity_type="NPO法人"
        )
    e = info.value
    assert len(e.value) == 4
    assert e.message_ja.startswith("経営セーフティ共済に加入できません。特定非営利活動法人は")
    for ja, en in e.value:
        assert ja in e.message_ja
        assert en in e.message_en
    assert "2025-06-01" in e.message_ja and "滞納" in e.message_ja and "50人" in e.message_ja
    assert e.message_en.startswith("Not eligible for SAFETY: A NPO")
    assert str(e).startswith(e.message_ja)


def test_validate_safety_returns_the_industry():
    assert el.validate_safety("ソフトウェア", 300_000_000, 1000, D(2020, 1, 1), TODAY) is SafetyIndustry.SOFTWARE


@pytest.mark.parametrize(
    "args, error",
    [
        (("小売業", None, None, None, TODAY), MissingValue),
        (("小売業", -1, 3, None, TODAY), OutOfRange),
        (("小売業", None, -1, None, TODAY), OutOfRange),
        (("小売業", 1.5, 3, None, TODAY), InvalidNumber),
        (("飲食業", None, 3, None, TODAY), InvalidLabel),
        (("小売業", None, 3, "2020-01-01", TODAY), InvalidDate),
        (("小売業", None, 3), MissingValue),  # no date to apply the limits on: never today by default
    ],
)
def test_safety_bad_input(args, error):
    with pytest.raises(error):
        el.safety_ineligibility_reasons(*args)
    with pytest.raises(error):
        el.validate_safety(*args)
    assert el.is_safety_eligible(*args) is False


# ---------------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "first_day, months, last_day",
    [
        (D(2023, 12, 1), 12, D(2024, 11, 30)),
        (D(2024, 11, 1), 24, D(2026, 10, 31)),
        (D(2028, 3, 1), 24, D(2030, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2025, 1, 29), 1, D(2025, 2, 28)),
        (D(2025, 1, 28), 1, D(2025, 2, 27)),
        (D(2024, 12, 15), 1, D(2025, 1, 14)),
        (D(2024, 7, 16), 6, D(2025, 1, 15)),
    ],
)
def test_period_end(first_day, months, last_day):
    assert period_end(first_day, months) == last_day


@given(st.dates(min_value=D(1950, 1, 1), max_value=D(2200, 12, 31)), st.integers(min_value=1, max_value=240))
def test_period_end_is_in_the_last_month_or_the_one_before(first_day, months):
    end = period_end(first_day, months)
    assert end >= first_day
    gap = (end.year * 12 + end.month) - (first_day.year * 12 + first_day.month)
    assert gap in (months - 1, months)
    # monotone in both the start and the length
    assert period_end(first_day, months + 1) > end
    assert period_end(first_day + dt.timedelta(days=1), months) >= end
