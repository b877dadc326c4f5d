"""How a batch kind's checks are written: rules that pandera runs and the rules core explains.

A batch's cells are first read into values (:mod:`schemas.cells`): a :class:`Batch` holds, per
column alias, each record's Python value, the number of its group of equal texts, and — for the
checks written as expressions — a polars frame of typed columns, all in the order of the records,
with their **Excel row numbers**. A kind's pandera schema (``pandera.polars``) is built from its rules:

- an :class:`ExprRule` is a polars expression over the typed columns (a date not in the future);
- a :class:`RowRule` looks at some columns of one record and calls the rules core; it answers
  ``None`` (fine), a :class:`Problem`, or lets the core's error escape (turned into a Problem). It is
  asked once per distinct set of values (by the cells' group numbers), and a ``dated_by`` rule
  once per parameter epoch of its date;
- a :class:`BatchRule` looks at the whole file (duplicates, co-managers per proprietor) and answers
  a Problem per failing row.

pandera decides which rows fail which rule (``failure_cases``): the Python rules' answers are joined
to the records as one flag column each, so pandera does not derive them again; the rule then
explains each failure with the core's own message, so no rule is written twice. A cell that could
not be read is ``None`` and its (row, alias) is in ``Batch.unreadable``: a row rule does not judge
a record by a cell already reported.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kyosai.errors import KyosaiError
from kyosai.japanese import fold
from kyosai.params import P

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "Problem",
    "Batch",
    "ExprRule",
    "RowRule",
    "BatchRule",
    "KindSchema",
    "normalized",
    "normalized_all",
    "duplicates",
    "combined",
    "load_backends",
]


@dataclass(frozen=True)
class Problem:
    """What is wrong: a finding code and its template parameters, or a rules-core error."""

    code: str | None = None
    params: dict = field(default_factory=dict)
    error: KyosaiError | None = None
    column: str | None = None  # points the finding at another column than the rule's own


@dataclass
class Batch:
    """A batch's records as the rules read them (the columns of the kind, present or not).

    ``values[alias]``: each record's value (``None``: blank or unreadable); ``codes[alias]``: the
    number of its group of equal texts (equal texts, equal values); ``distinct[alias]``: each
    group's value; ``typed``: the typed polars columns the expression rules read; ``as_of``: the
    day the batch is checked on.
    """

    rows: np.ndarray  # each record's Excel row number (CSV: its line)
    values: dict[str, np.ndarray]  # alias -> object array of Python values
    codes: dict[str, np.ndarray]  # alias -> int64 group numbers
    distinct: dict[str, list]  # alias -> each group's value: values[alias] == distinct[alias][codes[alias]]
    typed: Callable[[list[str]], pl.DataFrame]  # aliases -> a frame of those typed columns and "__row"
    as_of: datetime.date
    unreadable: frozenset[tuple[int, str]] = frozenset()
    # what ids() worked out: several rules ask for the same column, folded the same way
    _ids: dict = field(default_factory=dict, repr=False)
    _folded: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, alias: str) -> list:
        """Each record's value of the column ``alias`` as a list."""
        return self.values[alias].tolist()

    @property
    def row_numbers(self) -> list[int]:
        return self.rows.tolist()

    def ids(
        self, alias: str, fold: Callable[[list], list] | None = None, *, empty_is_blank: bool = False
    ) -> tuple[np.ndarray, list]:
        """Each record's number for its value of ``alias`` — equal values, equal numbers; -1 where
        blank or unreadable — and each number's value. ``fold`` (:func:`normalized_all`) is applied
        to the distinct values first, so that texts equal once folded share a number; with
        ``empty_is_blank`` a value folded to "" counts as blank. It works on the groups of equal
        texts, not on each record, so that the rules comparing records stay vectorised.

        >>> batch = Batch(np.array([2, 3, 4]), {}, {"name": np.array([0, 1, 0])}, {"name": ["Ａ ", "a"]}, None, None)
        >>> batch.ids("name", normalized_all)
        (array([0, 0, 0]), ['a'])
        """
        asked = (alias, fold, empty_is_blank)
        if asked in self._ids:
            return self._ids[asked]
        groups = self.distinct[alias]
        if fold is None:
            folded = groups
        elif (alias, fold) in self._folded:
            folded = self._folded[alias, fold]
        else:
            folded = self._folded[alias, fold] = fold(groups)
        numbers = dict.fromkeys(folded)  # in order of appearance; map() and dict lookups, no Python loop
        numbers.pop(None, None)
        if empty_is_blank:
            numbers.pop("", None)
        keys = list(numbers)
        number = {key: i for i, key in enumerate(keys)}
        number[None] = -1
        if empty_is_blank:
            number[""] = -1
        per_group = np.fromiter(map(number.__getitem__, folded), dtype=np.int64, count=len(folded))
        self._ids[asked] = found = (per_group[self.codes[alias]], keys)
        return found


def combined(*ids: np.ndarray) -> np.ndarray:
    """One number per distinct combination of the records' numbers (:meth:`Batch.ids`); -1 where
    any of them is -1.

    >>> combined(np.array([0, 0, 1, -1]), np.array([5, 5, 5, 5]))
    array([ 0,  0,  1, -1])
    """
    blank = np.zeros(len(ids[0]), dtype=bool)
    for numbers in ids:
        blank |= numbers < 0
    result = np.full(len(blank), -1, dtype=np.int64)
    kept = np.flatnonzero(~blank)
    result[kept] = _groups([numbers[kept] for numbers in ids], len(kept))[0]
    return result


@functools.lru_cache(maxsize=1 << 16)  # names and references repeat across a batch's rules
def _normalized(text: str) -> str:
    return fold(text, spaces="drop", invisible=True, lower=True)


def normalized(text: Any) -> str:
    """Text folded for comparing records (:func:`kyosai.japanese.fold`): NFKC, no spaces, no invisible
    format characters (zero-width space, BOM, word joiner: Unicode Cf), lower case.

    >>> normalized("Ａ-0001\u200b ") == normalized("a-0001")
    True
    """
    text = str(text)
    if text.isascii():  # receipt numbers, mostly: NFKC changes nothing and nothing is Cf
        return "".join(text.split()).lower()
    return _normalized(text)


# The blocks whose NFKC, white space and lower case polars and Python agree on for certain (ASCII,
# CJK punctuation, kana, unified ideographs, full- and half-width forms): the texts of a batch, mostly.
# A text with any other character is folded by :func:`normalized` itself.
_VETTED = r"[^\x00-\x7f\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"


def normalized_all(values) -> list:
    """:func:`normalized` of many values at once (``None`` stays ``None``), by polars for the texts
    of the vetted blocks and one by one for the rest; ``tests/test_cells.py`` proves them equal.

    >>> normalized_all(["Ａ-0001 ", None, "山田\u200b太郎"])
    ['a-0001', None, '山田太郎']
    """
    import polars as pl

    texts = pl.Series("t", [None if v is None else str(v) for v in values], dtype=pl.String)
    folded = texts.to_frame().select(
        pl.when(~pl.col("t").str.contains(_VETTED))
        .then(pl.col("t").str.normalize("NFKC").str.replace_all(r"[\s\x1c-\x1f]", "").str.to_lowercase())
        .alias("f")
    )["f"]
    result = folded.to_list()
    for i in (texts.is_not_null() & folded.is_null()).arg_true().to_list():
        result[i] = normalized(values[i])
    return result


@dataclass(frozen=True)
class ExprRule:
    """A check written as a polars expression over typed columns: ``passes(as_of)`` — ``as_of`` an
    expression of the day the batch is checked on — is true where the record passes (null counts as
    passing); a failing record gets ``Problem(code)``."""

    name: str
    column: str
    reads: tuple[str, ...]
    passes: Callable[[pl.Expr], pl.Expr]
    code: str

    def problems(self, batch: Batch) -> dict[int, Problem]:
        import polars as pl

        passes = self.passes(pl.lit(batch.as_of)).fill_null(True)
        failing = batch.typed(list(self.reads)).select(pl.col("__row").filter(~passes))
        problem = Problem(self.code)
        unreadable = {row for row, alias in batch.unreadable if alias in self.reads}
        return {row: problem for row in failing["__row"].to_list() if row not in unreadable}


@dataclass(frozen=True)
class RowRule:
    """A check of one record. ``reads`` are the aliases passed to ``test`` (as keyword arguments);
    the rule applies only where all of ``needs`` (default: all of ``reads``) could be read.
    ``dated_by`` names the record's date the rule applies on (the application date, the desired
    month), passed to ``test`` as ``on``: the dated parameters are those in force on that day, as
    the rules core asks them for a contract; where that date is empty or unreadable, the check's
    as-of day stands in. A ``dated_by`` rule reads that day only through the parameters: records
    whose days fall in one :meth:`~kyosai.params.P.epoch` share one answer. ``needs`` may name
    columns the test does not read (only whether they are filled matters); ``unless`` names rules
    whose failure of a record silences this one (the premium rule, before the payment schedule is
    asked about a premium it would refuse). ``by_month`` names read dates whose day does not
    matter to the test, only their month and the parameters in force (the first debit of a
    non-cash application): records of one month and epoch share one answer."""

    name: str
    column: str
    reads: tuple[str, ...]
    test: Callable[..., Problem | None]
    needs: tuple[str, ...] | None = None
    uses_as_of: bool = False
    dated_by: str | None = None
    unless: tuple[str, ...] = ()
    by_month: tuple[str, ...] = ()

    def _problem(self, values: dict, filled: dict, on: datetime.date) -> Problem | None:
        if any(
            values[a] is None if a in values else not filled[a]
            for a in (self.reads if self.needs is None else self.needs)
        ):
            return None
        if self.dated_by:
            day = values.pop(self.dated_by)
            values["on"] = (day.first_day if hasattr(day, "first_day") else day) or on  # a Month: its 1st
        if self.uses_as_of:
            values = {**values, "as_of": on}
        try:
            return self.test(**values)
        except KyosaiError as error:
            return Problem(error=error)

    def problems(self, batch: Batch, answered: dict[str, dict[int, Problem]] | None = None) -> dict[int, Problem]:
        """The failing records' problems by Excel row; ``answered``: the problems of the rules
        already asked (for ``unless``)."""
        silenced = {row for rule in self.unless for row in (answered or {}).get(rule, ())}
        unreadable = {row for row, alias in batch.unreadable if alias in self.reads} | silenced
        aliases = self.reads + ((self.dated_by,) if self.dated_by else ())
        presence = [a for a in (self.needs or ()) if a not in aliases]  # only whether they are filled
        keys = [_day_keys(batch, a, by_month=True) if a in self.by_month else batch.codes[a] for a in self.reads]
        # numpy's stubs leave out None, which an object array compares with element by element
        keys += [np.not_equal(batch.values[a], None).astype(np.int64) for a in presence]  # type: ignore[call-overload]
        if self.dated_by:  # its date matters only through the parameters in force: by epoch
            keys.append(_day_keys(batch, self.dated_by))
        if silenced:  # records another rule answers for: a group of their own
            keys.append(np.isin(batch.rows, sorted(silenced)).astype(np.int64))
        group, first = _groups(keys, len(batch))
        columns = [batch.values[a][first] for a in aliases]  # one call per distinct set of values
        filled = [{a: batch.values[a][i] is not None for a in presence} for i in first.tolist()]
        answers = [
            self._problem(dict(zip(aliases, values, strict=True)), known, batch.as_of)
            for values, known in zip(zip(*columns, strict=True) if aliases else [()] * len(first), filled, strict=True)
        ]
        failing = [g for g, problem in enumerate(answers) if problem is not None]
        if not failing:
            return {}
        rows = np.flatnonzero(np.isin(group, failing))
        return {row: answers[group[r]] for r in rows.tolist() for row in [int(batch.rows[r])] if row not in unreadable}


def _day_keys(batch: Batch, alias: str, *, by_month: bool = False) -> np.ndarray:
    """Each record's number for the :meth:`~kyosai.params.P.epoch` of its day in ``alias`` (a Month:
    its first day) — ``by_month``: for its month and epoch — and -1 when blank; worked out once per
    group of equal texts."""

    def key(day) -> int:
        if day is None:
            return -1
        day = day.first_day if hasattr(day, "first_day") else day
        epoch = P.epoch(day)  # fewer than 1024 change dates: months and epochs never mix
        return (day.year * 12 + day.month) * 1024 + epoch if by_month else epoch

    groups = batch.distinct[alias]
    return np.fromiter(map(key, groups), dtype=np.int64, count=len(groups))[batch.codes[alias]]


def _groups(keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each record's group of equal key tuples (numbered in the order of the tuples) and each
    group's first record, from keys already numbered (integer arithmetic, no hashing of Python values)."""
    if not keys:
        return np.zeros(n, dtype=np.int64), np.zeros(1 if n else 0, dtype=np.int64)
    keys = [key - int(key.min(initial=0)) for key in keys]  # from 0 (a blank day's is -1): no two tuples share a number
    group, count = _dense(keys[0])
    for key in keys[1:]:
        group, count = _dense(group * (int(key.max(initial=0)) + 1) + key)  # dense again: the product stays small
    first = np.empty(count, dtype=np.int64)
    first[group[::-1]] = np.arange(n - 1, -1, -1)  # the last write is each group's first record
    return group, first


def _dense(numbers: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative numbers renumbered 0, 1, … in their order, and how many distinct there are: by
    marking them in a table when their range is small (no sort), else by sorting."""
    top = int(numbers.max(initial=-1)) + 1
    if top <= 4 * len(numbers) + 4096:
        seen = np.zeros(top, dtype=bool)
        seen[numbers] = True
        rank = np.cumsum(seen) - 1
        return rank[numbers], int(rank[-1]) + 1 if top else 0
    distinct, dense = np.unique(numbers, return_inverse=True)
    return dense.reshape(-1), len(distinct)


@dataclass(frozen=True)
class BatchRule:
    """A check across records: ``evaluate(batch)`` gives the failing rows and their problems."""

    name: str
    column: str
    evaluate: Callable[[Batch], dict[int, Problem]]

    def problems(self, batch: Batch) -> dict[int, Problem]:
        return self.evaluate(batch)


def duplicates(
    batch: Batch, keys: np.ndarray, code: str, shown: Callable[[int], str] | None = None
) -> dict[int, Problem]:
    """Rows whose key (``keys``: a number per record, -1 for none: :meth:`Batch.ids`,
    :func:`combined`) repeats an earlier row's: a Problem naming the first row. The finding shows
    the cell as written unless ``shown`` renders the key of the record at a position (a key of
    several cells).

    >>> batch = Batch(np.array([2, 3, 4, 5]), {}, {}, {}, None, None)
    >>> found = duplicates(batch, np.array([7, -1, 7, 7]), "duplicate-receipt")
    >>> {row: problem.params for row, problem in found.items()}
    {4: {'first_row': 2}, 5: {'first_row': 2}}
    """
    present = np.flatnonzero(keys >= 0)
    if len(present) < 2:
        return {}
    order = present[np.argsort(keys[present], kind="stable")]  # by key, then by position
    sorted_keys = keys[order]
    repeats = np.zeros(len(order), dtype=bool)
    repeats[1:] = sorted_keys[1:] == sorted_keys[:-1]
    starts = ~repeats
    first = order[starts][np.cumsum(starts) - 1]  # the first record of each one's key
    later, firsts = order[repeats], first[repeats]
    arranged = np.argsort(later, kind="stable")
    found = {}
    for position, first_position in zip(later[arranged].tolist(), firsts[arranged].tolist(), strict=True):
        params: dict[str, Any] = {"first_row": int(batch.rows[first_position])}
        if shown is not None:
            params["value"] = shown(position)
        found[int(batch.rows[position])] = Problem(code, params)
    return found


class KindSchema:
    """The pandera schema of one batch kind (``pandera.polars``), and the explanation of its failures."""

    def __init__(self, name: str, columns: list[str], rules: list[ExprRule | RowRule | BatchRule]):
        import pandera.polars as pa
        import polars as pl

        self.name = name
        self.columns = columns
        self.rules = {rule.name: rule for rule in rules}
        if len(self.rules) != len(rules):
            raise ValueError(f"{name}: two rules share a name")
        for position, rule in enumerate(rules):
            if any(other not in [r.name for r in rules[:position]] for other in getattr(rule, "unless", ())):
                raise ValueError(f"{name}: {rule.name} is silenced by a rule not listed before it")
        self._typed = sorted({a for rule in rules if isinstance(rule, ExprRule) for a in rule.reads})

        def check(rule):
            if isinstance(rule, ExprRule):  # the expression itself, on the day in "__as_of"
                return lambda data: data.lazyframe.select(rule.passes(pl.col("__as_of")).fill_null(True))
            flag = f"__fails__{rule.name}"  # the rule's own answers, joined as a flag
            return lambda data: data.lazyframe.select(~pl.col(flag))

        self.schema = pa.DataFrameSchema(
            {alias: pa.Column(nullable=True, required=False) for alias in columns},
            checks=[pa.Check(check(rule), name=rule.name) for rule in rules],
            name=name,
        )

    def answers(self, batch: Batch) -> dict[str, dict[int, Problem]]:
        """Each rule's problems, by Excel row (a rule ``unless`` others after them)."""
        found: dict[str, dict[int, Problem]] = {}
        for name, rule in self.rules.items():
            found[name] = rule.problems(batch, found) if isinstance(rule, RowRule) else rule.problems(batch)
        return found

    def failures(self, batch: Batch) -> list[tuple[int, str, Problem]]:
        """(Excel row, rule name, problem) for every failing record, as pandera finds them.

        Each rule runs once (:meth:`answers`); pandera validates the records some rule failed (the
        others pass every check): their typed columns, their Excel row, and a flag column per
        Python rule saying whether the rule failed the record.
        """
        import pandera.polars as pa
        import polars as pl

        if not len(batch):
            return []
        answers = self.answers(batch)
        failing = sorted({row for found in answers.values() for row in found})
        if not failing:
            return []
        at = {row: k for k, row in enumerate(batch.row_numbers)}
        positions = [at[row] for row in failing]
        suspects = batch.typed(self._typed)[positions].with_columns(pl.lit(batch.as_of).alias("__as_of"))
        flags = {
            f"__fails__{name}": [row in found for row in failing]
            for name, found in answers.items()
            if not isinstance(self.rules[name], ExprRule)
        }
        suspects = suspects.with_columns(pl.Series(flag, values, dtype=pl.Boolean) for flag, values in flags.items())
        try:
            self.schema.validate(suspects, lazy=True)
            return []
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases.select("check", "index")
        result = {}
        for check, index in cases.iter_rows():
            if check in self.rules and index is not None:
                row = failing[index]
                result[row, check] = answers[check][row]
        return [(row, check, problem) for (row, check), problem in sorted(result.items(), key=lambda t: t[0])]


def load_backends() -> None:
    """Load pandera's polars backend now (~0.2 s; without pandas, which its polars API does not
    need) rather than while validating the first file."""
    import pandera.polars as pa
    import polars as pl

    pa.DataFrameSchema(
        {"x": pa.Column(nullable=True)}, checks=[pa.Check(lambda d: d.lazyframe.select(pl.lit(True)))]
    ).validate(pl.DataFrame({"x": [None]}), lazy=True)
