"""The caches of answers (kyosai.caches): shared per contract shape, emptied by the one function that
P.reload(), the add-in and the tests all call.

The deduction is worked out once per shape at 1 yen a month and multiplied by the premium; these
tests hold it to the plain computation over the priced payments, and check that no cached answer
survives a change of parameters.
"""

import ast
import datetime as dt
import itertools
from pathlib import Path

import pytest

from addin import udfs
from kyosai import caches, calendar, debit, deduction, premium, schedule
from kyosai.deduction import deduction_year
from kyosai.discount import payouts
from kyosai.labels import Channel, Pattern, Scheme
from kyosai.month import Month
from kyosai.params import P
from kyosai.schedule import Contract, Shape, first_debit, iter_payments, payments

D = dt.date

# Every cache of parameter-dependent results in the core (kyosai.caches.cached).
CORE_CACHES = [
    schedule._timeline,
    schedule._to_first_debit,
    deduction._per_yen,
    premium._bounds,
    debit._compute,
    calendar._closure_reason,
]


def plain_breakdown(contract, year):
    """The deduction payment by payment over the priced schedule: no shapes, no per-yen caches."""
    schedule_ = payments(contract, Month(year, 12))
    paid = sum(p.amount // len(p.months) * sum(1 for m in p.months if deduction_year(p, m) == year) for p in schedule_)
    discount = sum(p.amount for p in payouts(schedule_, Month(year, 12)) if p.month.year == year)
    return paid, discount


def sky_contracts():
    days = [D(2016, 3, 31), D(2017, 10, 2), D(2023, 1, 4), D(2024, 3, 1), D(2024, 10, 31), D(2024, 12, 2)]
    amounts = [1000, 12500, 70000]
    for day, amount, channel, pattern in itertools.product(days, amounts, Channel, Pattern):
        yield Contract(Scheme.SKY, amount, day, channel, pattern)
        if pattern is Pattern.MONTHLY:
            for prepaid in (6, 12, 13, 30):  # up to and beyond the one-year horizon
                yield Contract(Scheme.SKY, amount, day, channel, pattern, prepaid_months=prepaid)
        else:
            yield Contract(Scheme.SKY, amount, day, channel, pattern, designated_month=day.month % 12 + 1)


@pytest.fixture
def override(tmp_path):
    """Reload the parameters with an override file; the shipped ones are back afterwards."""

    def use(text):
        path = tmp_path / "hq.toml"
        path.write_text(text, encoding="utf-8")
        P.reload(path)

    yield use
    P.reload()


def test_the_deduction_per_yen_is_the_deduction_payment_by_payment():
    checked = discounted = 0
    for contract in sky_contracts():
        for year in range(contract.application_date.year, contract.application_date.year + 4):
            b = deduction.breakdown(contract, year)
            assert (b.paid, b.discount_received) == plain_breakdown(contract, year), (contract, year)
            checked += 1
            discounted += b.discount_received > 0
    assert checked > 1000 and discounted > 50  # the 前納減額金 is exercised, not only the premiums


def test_contracts_differing_in_their_premium_only_share_a_shape():
    a = Contract(Scheme.SKY, 10000, D(2024, 6, 3), "現金あり", "年払")
    assert Shape.of(a) == Shape.of(Contract(Scheme.SKY, 70000, D(2024, 6, 3), "現金あり", "年払"))
    assert hash(Shape.of(a)) == hash(Shape.of(Contract(Scheme.SKY, 500 * 3, D(2024, 6, 3), "cash", "annual")))
    assert Shape.of(a) != Shape.of(Contract(Scheme.SKY, 10000, D(2024, 6, 3), "現金あり", "年払", designated_month=7))
    assert Shape.of(a) != Shape.of(Contract(Scheme.SKY, 10000, D(2024, 6, 4), "現金あり", "年払"))


@pytest.mark.parametrize(
    "contract",
    [
        Contract(Scheme.SKY, 70000, D(2024, 12, 2), "現金あり", "年払"),
        Contract(Scheme.SKY, 10000, D(2024, 10, 10), prepaid_months=9),
        Contract(Scheme.SAFETY, 200000, D(2024, 12, 2), prepaid_months=12),
        Contract(Scheme.SAFETY, 200000, D(2024, 12, 2), prepaid_months=12, prepayment_method="振込"),
        Contract(Scheme.SAFETY, 100000, D(2024, 12, 2), review_delay_months=1),
    ],
)
def test_cached_payments_are_the_stream_of_payments(contract):
    until = Month(2029, 12)  # SAFETY at 200,000 a month reaches the limit before
    listed = list(itertools.takewhile(lambda p: p.month <= until, iter_payments(contract)))
    assert payments(contract, until) == payments(contract, until) == listed
    assert first_debit(contract) == next(p for p in listed if p.kind.name == "DEBIT")


def test_reload_empties_the_caches_of_schedules_and_deductions(override):
    contract = Contract(Scheme.SKY, 70000, D(2024, 6, 3), "現金なし", "年払")
    assert first_debit(contract).date == D(2024, 8, 19)  # the 18th is a Sunday
    assert deduction.compute(contract, 2024) == 840_000
    override(
        "[SKY_DEBIT_DAY]\nvalues = [{ since = 1900-01-01, value = 5 }]\n"
        "[SKY_MAX_PREMIUM]\nvalues = [{ since = 1900-01-01, value = 60000 }]\n"
    )
    assert first_debit(Contract(Scheme.SKY, 60000, D(2024, 6, 3), "現金なし", "年払")).date == D(2024, 8, 5)
    assert payments(Contract(Scheme.SKY, 60000, D(2024, 6, 3), "現金なし", "年払"), Month(2024, 12))[0].date == D(
        2024, 8, 5
    )
    with pytest.raises(Exception, match="70,000"):
        Contract(Scheme.SKY, 70000, D(2024, 6, 3), "現金なし", "年払")


def test_reload_empties_the_cached_discount(override):
    contract = Contract(Scheme.SKY, 70000, D(2023, 10, 2), "現金あり", "年払")
    before = deduction.breakdown(contract, 2025)
    assert before.discount_received > 0
    override("[PREPAYMENT_DISCOUNT_PAYOUT_THRESHOLD]\nvalues = [{ since = 1900-01-01, value = 100000 }]\n")
    assert deduction.breakdown(contract, 2025).discount_received == 0
    assert (deduction.breakdown(contract, 2025).paid, 0) == plain_breakdown(contract, 2025)


def fill_the_caches():
    udfs.KYOSAI_DEDUCTIBLE(2024, [[70000], [10000]], "2024-06-03", "現金なし", "年払")
    udfs.FIRST_DEBIT("2024-06-03", 70000)
    assert all(cache.cache_info().currsize for cache in CORE_CACHES)
    assert udfs.KYOSAI_DEDUCTIBLE.cache_info().currsize and udfs._first_debit.cache_info().currsize


def test_one_function_empties_the_core_and_the_add_in_caches():
    fill_the_caches()
    caches.clear_caches()
    assert not any(cache.cache_info().currsize for cache in CORE_CACHES)
    assert udfs.KYOSAI_DEDUCTIBLE.cache_info().currsize == 0 and udfs._first_debit.cache_info().currsize == 0


def test_reading_the_parameters_again_empties_the_add_in_caches_too(override):
    """An Excel function's cached answer used the parameters in force then: a reload drops it too."""
    fill_the_caches()
    assert udfs.FIRST_DEBIT("2024-06-03", 70000, "現金なし", "年払") == D(2024, 8, 19)
    override("[SKY_DEBIT_DAY]\nvalues = [{ since = 1900-01-01, value = 5 }]\n")
    assert not any(cache.cache_info().currsize for cache in CORE_CACHES)
    assert udfs.KYOSAI_DEDUCTIBLE.cache_info().currsize == 0
    assert udfs.FIRST_DEBIT("2024-06-03", 70000, "現金なし", "年払") == D(2024, 8, 5)


def _functools_memos(tree: ast.AST):
    """The functions a module caches with functools itself (``@cache``, ``@functools.lru_cache(…)``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name in ("cache", "lru_cache"):
                    yield node


def test_only_the_one_decorator_caches_what_the_parameters_or_the_day_decide():
    """functools' own caches, which kyosai.caches.clear_caches does not empty, serve memos of facts
    that never go stale (a year's holidays, a month's object, a lazy import); a function that reads
    the parameters (P) or today's date is cached by kyosai.caches.cached, or not at all."""
    root = Path(caches.__file__).parents[1]
    memos, stale = [], []
    for path in sorted([*root.joinpath("kyosai").glob("*.py"), *root.joinpath("addin").glob("*.py")]):
        for function in _functools_memos(ast.parse(path.read_text(encoding="utf-8"))):
            memos.append(f"{path.name}:{function.name}")
            names = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(function) if isinstance(n, ast.Attribute)}
            if names & {"P", "today", "epoch", "change_dates"}:
                stale.append(f"{path.name}:{function.name}")
    assert "calendar.py:_national_holidays" in memos and "month.py:_month_at" in memos  # the walk finds them
    assert not stale, f"cache these with kyosai.caches.cached: {stale}"
