"""How a batch kind's checks are written: rules that pandera runs and the rules core explains.

A batch's cells are first read into Python values (:mod:`schemas.cells`), one DataFrame per file
whose index is the **Excel row number** and whose columns are the column aliases. A kind's
pandera schema is built from its rules:

- a :class:`RowRule` looks at some columns of one record and calls the rules core; it answers
  ``None`` (fine), a :class:`Problem`, or lets the core's error escape (turned into a Problem);
- a :class:`BatchRule` looks at the whole file (duplicates, co-managers per proprietor) and answers
  a Problem per failing row.

pandera decides which rows fail which rule (``failure_cases``); the rule then explains each failure
with the core's own message, so no rule is written twice. Rules that depend on "today" read
``df.attrs["as_of"]``. A cell that could not be read is ``None`` in the frame and its (row, alias)
is in ``df.attrs["unreadable"]``: a row rule does not judge a record by a cell already reported.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import os
import pickle
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kyosai import calendar
from kyosai.errors import KyosaiError
from kyosai.params import P

__all__ = ["Problem", "RowRule", "BatchRule", "KindSchema", "Shared", "ColumnCodes", "normalized",
           "normalized_all", "as_of", "duplicates", "load_backends"]


@dataclass(frozen=True)
class Problem:
    """What is wrong: a finding code and its template parameters, or a rules-core error."""

    code: str | None = None
    params: dict = field(default_factory=dict)
    error: KyosaiError | None = None
    column: str | None = None   # points the finding at another column than the rule's own


def as_of(df: pd.DataFrame) -> datetime.date:
    return df.attrs.get("as_of") or calendar.today()


# the format characters (Unicode Cf) of the Basic Multilingual Plane; the rare text beyond it is
# folded character by character
_FORMAT_BMP = {c: None for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"}


@functools.lru_cache(maxsize=1 << 16)  # names and references repeat across a batch's rules
def _normalized(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", text).split())   # split(): every Unicode space
    if folded.isascii():
        return folded.lower()
    if max(folded) <= "\uffff":
        return folded.translate(_FORMAT_BMP).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").lower()


def normalized(text: Any) -> str:
    """Text folded for comparing records: NFKC, no spaces, no invisible format characters
    (zero-width space, BOM, word joiner: Unicode Cf), lower case.

    >>> normalized("Ａ-0001\u200b ") == normalized("a-0001")
    True
    """
    text = str(text)
    if text.isascii():      # receipt numbers, mostly: NFKC changes nothing and nothing is Cf
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
        .alias("f"))["f"]
    result = folded.to_list()
    for i in (texts.is_not_null() & folded.is_null()).arg_true().to_list():
        result[i] = normalized(values[i])
    return result


class Shared(frozenset):
    """A set kept in ``DataFrame.attrs`` that derived frames share: pandas deep-copies ``attrs``
    into every frame it derives (pandera derives hundreds), which would copy the set each time."""

    def __deepcopy__(self, memo):
        return self


class ColumnCodes(dict):
    """Each column's cells as numbers of groups of equal texts (``attrs["codes"]``, made while the
    cells are read), with the index of the frame they belong to: the rules group records by them
    instead of hashing 100,000 Python values per column. Equal texts have equal values; two texts of
    one value (``10000`` and ``１万``) only make one more call of a rule."""

    def __init__(self, index, codes: dict):
        super().__init__(codes)
        self.index = index

    def __deepcopy__(self, memo):
        return self


class _Answers(dict):
    """Each rule's problems for the frame being validated, shared with pandera's derived frames."""

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True)
class RowRule:
    """A check of one record. ``reads`` are the aliases passed to ``test`` (as keyword arguments);
    the rule applies only where all of ``needs`` (default: all of ``reads``) could be read.
    ``heavy`` marks a rule that runs the payment-schedule engine per distinct record: with two
    workers the heavy rules run on the second core (:meth:`KindSchema.answers`). ``dated_by`` names
    the record's date the rule applies on (the application date, the desired month), passed to
    ``test`` as ``on``: the dated parameters are those in force on that day, as the rules core asks
    them for a contract; where that date is empty or unreadable, the check's as-of day stands in.
    A ``dated_by`` rule reads that day only through the parameters: records whose days fall in one
    :meth:`~kyosai.params.P.epoch` share one answer."""

    name: str
    column: str
    reads: tuple[str, ...]
    test: Callable[..., Problem | None]
    needs: tuple[str, ...] | None = None
    uses_as_of: bool = False
    heavy: bool = False
    dated_by: str | None = None

    def _problem(self, values: dict, on: datetime.date) -> Problem | None:
        if any(values[a] is None for a in (self.reads if self.needs is None else self.needs)):
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

    def problems(self, df: pd.DataFrame) -> dict[int, Problem]:
        on = as_of(df)
        unreadable = {row for row, alias in df.attrs.get("unreadable", ()) if alias in self.reads}
        aliases = self.reads + ((self.dated_by,) if self.dated_by else ())
        columns = [df[a].to_numpy(dtype=object) if a in df else np.full(len(df), None, dtype=object)
                   for a in aliases]
        index = df.index.to_numpy()
        codes = df.attrs.get("codes")
        if codes is None or codes.index is not df.index or not all(a in codes for a in aliases):
            codes = None
        try:  # one call per distinct set of values: they repeat down a batch
            keys = [codes[a] for a in self.reads] if codes is not None else columns[:len(self.reads)]
            if self.dated_by:  # its date matters only through the parameters in force: by epoch
                keys.append(_epochs(columns[-1], codes[self.dated_by] if codes is not None else None))
            group, first = _groups_of_codes(keys) if codes is not None else _groups(keys)
        except (TypeError, ArithmeticError):  # a value pandas cannot hash or test for NA: no sharing
            group, first = np.arange(len(df)), range(len(df))
        answers = [self._problem({a: c[i] for a, c in zip(aliases, columns)}, on) for i in first]
        failing = [g for g, problem in enumerate(answers) if problem is not None]
        rows = np.flatnonzero(np.isin(group, failing)) if failing else ()
        return {row: answers[group[r]] for r in rows for row in [int(index[r])] if row not in unreadable}


def _groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group of equal value tuples (0, 1, … in order of appearance) and each group's
    first row; hashing in pandas rather than a Python loop over 100,000 tuples."""
    group = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        group, _ = pd.factorize(group * len(uniques) + codes)
    return group, np.unique(group, return_index=True)[1]


def _epochs(days: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """Each row's :meth:`~kyosai.params.P.epoch` of its day (a Month: its first day), -1 when blank;
    looked up once per distinct day (``codes``: the day column's groups, when known)."""
    if codes is None:
        codes, _ = pd.factorize(days, use_na_sentinel=False)
    numbers, first = np.unique(codes, return_index=True)
    epoch_of = np.full(int(numbers.max(initial=0)) + 1, -1, dtype=np.int64)
    for number, i in zip(numbers.tolist(), first.tolist()):
        day = days[i]
        if day is not None:
            epoch_of[number] = P.epoch(day.first_day if hasattr(day, "first_day") else day)
    return epoch_of[codes]


def _groups_of_codes(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_groups` of columns already numbered (:class:`ColumnCodes`): integer arithmetic only."""
    group = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for column in codes:
        group, _ = pd.factorize(group * (int(column.max(initial=0)) + 1) + column)
    return group, np.unique(group, return_index=True)[1]


@dataclass(frozen=True)
class BatchRule:
    """A check across records: ``evaluate(df)`` gives the failing rows and their problems."""

    name: str
    column: str
    evaluate: Callable[[pd.DataFrame], dict[int, Problem]]

    def problems(self, df: pd.DataFrame) -> dict[int, Problem]:
        return self.evaluate(df)


def duplicates(df: pd.DataFrame, key: Callable[[pd.DataFrame], list], code: str,
               shown: Callable[[Any], str] | None = None) -> dict[int, Problem]:
    """Rows whose key (a list, one per row) repeats an earlier row's (empty keys ignored): a Problem
    naming the first row. The finding shows the cell as written unless ``shown`` renders the key (a
    key of several cells)."""
    keys = key(df)
    first: dict[Any, int] = {}
    found = {}
    for index, k in zip(df.index.tolist(), keys):
        if k is None or k == "":
            continue
        if k in first:
            params = {"first_row": first[k]}
            if shown is not None:
                params["value"] = shown(k)
            found[index] = Problem(code, params)
        else:
            first[k] = index
    return found


class KindSchema:
    """The pandera schema of one batch kind, and the explanation of its failures."""

    def __init__(self, name: str, columns: list[str], rules: list[RowRule | BatchRule]):
        self.name = name
        self.rules = {rule.name: rule for rule in rules}
        if len(self.rules) != len(rules):
            raise ValueError(f"{name}: two rules share a name")
        self.schema = pa.DataFrameSchema(
            {alias: pa.Column(nullable=True, required=False) for alias in columns},
            # ignore_na=False: the rules decide about empty cells themselves (pandera would otherwise
            # compute isna over the whole frame for every check)
            checks=[pa.Check(self._passes(rule), name=rule.name, ignore_na=False) for rule in rules],
            name=name,
        )

    @staticmethod
    def _passes(rule):
        def check(df: pd.DataFrame) -> pd.Series:
            answers = df.attrs.get("answers")
            failing = answers[rule.name] if answers is not None else rule.problems(df)
            return pd.Series(~df.index.isin(list(failing)), index=df.index, dtype=bool)
        return check

    def answers(self, df: pd.DataFrame, workers: int = 1) -> dict[str, dict[int, Problem]]:
        """Each rule's problems. With ``workers`` ≥ 2 the heavy rules run in a forked copy of this
        process (the frame shared copy-on-write, only the answers sent back) while the others run
        here; where forking is not safe (no fork, other threads running) all run here."""
        heavy = [rule for rule in self.rules.values() if getattr(rule, "heavy", False)]
        light = [rule for rule in self.rules.values() if rule not in heavy]
        if workers < 2 or not heavy or not light or not _can_fork():
            return {name: rule.problems(df) for name, rule in self.rules.items()}
        there = _forked(lambda: {rule.name: rule.problems(df) for rule in heavy})
        found = {rule.name: rule.problems(df) for rule in light}
        found.update(there())
        return {name: found[name] for name in self.rules}

    def failures(self, df: pd.DataFrame, workers: int = 1) -> list[tuple[int, str, Problem]]:
        """(Excel row, rule name, problem) for every failing record, as pandera finds them.

        Each rule runs once (:meth:`answers`): its problems are kept for the frame while pandera
        validates it, and pandera's failure cases pick which of them are reported.
        """
        if df.empty:
            return []
        answers = _Answers(self.answers(df, workers))
        # pandera validates the records some rule failed (the others pass every check), and sees one
        # column of them: the checks read the answers, and pandera lists a failing record's every
        # cell as a failure case (22 × 6,000 cases for 100,000 records)
        failing = sorted({index for found in answers.values() for index in found})
        if not failing:
            return []
        suspects = df.loc[failing, df.columns[:1]]
        suspects.attrs = {**df.attrs, "answers": answers}
        try:
            self.schema.validate(suspects, lazy=True, inplace=True)
            return []
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases
        result = {}
        for check, index in zip(cases["check"].tolist(), cases["index"].tolist()):
            if check in self.rules and index is not None and index == index:
                result[int(index), check] = answers[check][int(index)]
        return [(index, check, problem) for (index, check), problem in sorted(result.items(), key=lambda t: t[0])]


def load_backends() -> None:
    """Load pandera's validation backends now (with them hypothesis: ~0.4 s) rather than while
    validating the first file."""
    pa.DataFrameSchema({"x": pa.Column(nullable=True)}).validate(pd.DataFrame({"x": [None]}, dtype=object))


def _can_fork() -> bool:
    """A copy of this process is safe only while no other thread could hold a lock at the fork."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _forked(compute: Callable[[], dict]) -> Callable[[], dict]:
    """Start ``compute`` in a forked copy of this process; the returned function waits for its
    answer. Should the copy fail in any way, the answer is computed here instead."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:                                  # the copy: compute, send, leave at once
        code = 1
        try:
            os.close(readable)
            gc.disable()                          # no collections: they would copy shared pages
            data = pickle.dumps(compute(), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writable, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(writable)

    def answer() -> dict:
        with os.fdopen(readable, "rb") as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and data:
            with contextlib.suppress(Exception):     # an answer that does not load: computed here instead
                return pickle.loads(data)
        return compute()
    return answer
