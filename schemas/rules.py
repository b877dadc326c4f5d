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

import datetime
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import pandera.pandas as pa

from kyosai.errors import KyosaiError

__all__ = ["Problem", "RowRule", "BatchRule", "KindSchema", "normalized", "as_of", "duplicates"]


@dataclass(frozen=True)
class Problem:
    """What is wrong: a finding code and its template parameters, or a rules-core error."""

    code: str | None = None
    params: dict = field(default_factory=dict)
    error: KyosaiError | None = None
    column: str | None = None   # points the finding at another column than the rule's own


def as_of(df: pd.DataFrame) -> datetime.date:
    return df.attrs.get("as_of") or datetime.date.today()


def normalized(text: Any) -> str:
    """Text folded for comparing records: NFKC, no spaces, no invisible format characters
    (zero-width space, BOM, word joiner: Unicode Cf), lower case."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf").lower()


@dataclass(frozen=True)
class RowRule:
    """A check of one record. ``reads`` are the aliases passed to ``test`` (as keyword arguments);
    the rule applies only where all of ``needs`` (default: all of ``reads``) could be read."""

    name: str
    column: str
    reads: tuple[str, ...]
    test: Callable[..., Problem | None]
    needs: tuple[str, ...] | None = None
    uses_as_of: bool = False

    def _problem(self, values: dict, on: datetime.date) -> Problem | None:
        if any(values[a] is None for a in (self.reads if self.needs is None else self.needs)):
            return None
        if self.uses_as_of:
            values = {**values, "as_of": on}
        try:
            return self.test(**values)
        except KyosaiError as error:
            return Problem(error=error)

    def problems(self, df: pd.DataFrame, only=None) -> dict[int, Problem]:
        on = as_of(df)
        unreadable = {row for row, alias in df.attrs.get("unreadable", ()) if alias in self.reads}
        rows = df if only is None else df.loc[list(only)]
        columns = [rows[a] if a in rows else [None] * len(rows) for a in self.reads]
        found, answers = {}, {}  # answers: one call per distinct set of values (they repeat)
        for index, values in zip(rows.index, zip(*columns)):
            if index in unreadable:
                continue
            try:
                problem = answers[values]
            except KeyError:
                problem = answers[values] = self._problem(dict(zip(self.reads, values)), on)
            except TypeError:  # an unhashable value: no caching for it
                problem = self._problem(dict(zip(self.reads, values)), on)
            if problem is not None:
                found[index] = problem
        return found


@dataclass(frozen=True)
class BatchRule:
    """A check across records: ``evaluate(df)`` gives the failing rows and their problems."""

    name: str
    column: str
    evaluate: Callable[[pd.DataFrame], dict[int, Problem]]

    def problems(self, df: pd.DataFrame, only=None) -> dict[int, Problem]:
        found = self.evaluate(df)
        return found if only is None else {i: p for i, p in found.items() if i in only}


def duplicates(df: pd.DataFrame, key: Callable[[pd.DataFrame], pd.Series], code: str,
               shown: Callable[[Any], str] | None = None) -> dict[int, Problem]:
    """Rows whose key repeats an earlier row's (empty keys ignored): a Problem naming the first row.

    The finding shows the cell as written unless ``shown`` renders the key (a key of several cells).
    """
    keys = key(df)
    first: dict[Any, int] = {}
    found = {}
    for index, k in keys.items():
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
            checks=[pa.Check(self._passes(rule), name=rule.name) for rule in rules],
            name=name,
        )

    @staticmethod
    def _passes(rule):
        def check(df: pd.DataFrame) -> pd.Series:
            failing = rule.problems(df)
            return pd.Series([i not in failing for i in df.index], index=df.index, dtype=bool)
        return check

    def failures(self, df: pd.DataFrame) -> list[tuple[int, str, Problem]]:
        """(Excel row, rule name, problem) for every failing record, as pandera finds them."""
        if df.empty:
            return []
        try:
            self.schema.validate(df, lazy=True)
            return []
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases
        failing: dict[str, set[int]] = {}
        for check, index in zip(cases["check"], cases["index"]):
            if check in self.rules and index is not None and index == index:
                failing.setdefault(check, set()).add(int(index))
        result = []
        for name, rows in failing.items():
            for index, problem in self.rules[name].problems(df, only=rows).items():
                result.append((index, name, problem))
        return sorted(result, key=lambda item: (item[0], item[1]))
