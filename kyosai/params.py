"""Dated parameters of the schemes (制度の定数): deadlines, rates, limits and effective dates.

The values live in ``kyosai/data/parameters.toml``, each with its Japanese description, its source
and a list of ``{since, value}`` entries; the rules core asks for the value in force on a date:

>>> P.SKY_DEBIT_DAY.at(datetime.date(2024, 12, 1))
18
>>> (P.PREPAYMENT_DISCOUNT_RATE.at(datetime.date(2017, 10, 31)),
...  P.PREPAYMENT_DISCOUNT_RATE.at(datetime.date(2017, 11, 1)))
(Decimal('0.005'), Decimal('0.0009'))

Headquarters can change a value without touching code: set ``KYOSAI_PARAMETERS`` to a TOML file
with tables of the same names; the ``values`` of each table given there replace the shipped ones.
Decimal-looking strings become :class:`decimal.Decimal`; TOML dates stay ``datetime.date``.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from .caches import clear_caches
from .errors import OutOfRange
from .inputs import as_date

__all__ = ["Parameter", "P", "load"]


class NoValue(OutOfRange, LookupError):
    """A parameter asked about a date before its first entry: a date no rule covers (a typo such
    as 1899); a KyosaiError like any bad input, and a LookupError as a missing key is."""


@dataclass(frozen=True)
class Parameter:
    """One named parameter and its history of values."""

    name: str
    ja: str
    source: str
    history: tuple[tuple[datetime.date, Any], ...]  # sorted by date
    _since: tuple[datetime.date, ...] = field(init=False, repr=False, compare=False)  # for bisect

    def __post_init__(self):
        object.__setattr__(self, "_since", tuple(since for since, _ in self.history))

    def at(self, on: datetime.date) -> Any:
        """The value in force on ``on``: the last entry since ``on`` or before (never today's by default)."""
        if not isinstance(on, datetime.date):  # None too: a rule has no default date (MissingValue)
            on = as_date(on, "基準日", "The reference date")
        entry = bisect.bisect_right(self._since, on)
        value = self.history[entry - 1][1] if entry else None
        if value is None:
            raise NoValue(
                f"{on.isoformat()}には「{self.ja}」の定めがありません（日付を確認してください）。",
                f"{self.name} has no value on {on.isoformat()} (check the date).",
                value=on,
            )
        return value


def _convert(value: Any) -> Any:
    """Decimal strings become Decimal; containers are converted recursively, made immutable."""
    if isinstance(value, str):
        with contextlib.suppress(InvalidOperation):  # not a number: the text itself
            if any(c.isdigit() for c in value) and not any(c in value for c in "-:"):
                return Decimal(value)
        return value
    if isinstance(value, list):
        return tuple(_convert(v) for v in value)
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    return value


def _parse(tables: dict[str, Any], origin: str) -> dict[str, Parameter]:
    params = {}
    for name, table in tables.items():
        try:
            history = tuple(sorted((entry["since"], _convert(entry["value"])) for entry in table["values"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{origin}: parameter {name} needs values = [{{since = DATE, value = …}}]") from exc
        params[name] = Parameter(name, table.get("ja", ""), table.get("source", ""), history)
    return params


def load(override: str | os.PathLike | None = None) -> dict[str, Parameter]:
    """Read the shipped parameters, then the override file (``KYOSAI_PARAMETERS`` by default)."""
    text = resources.files("kyosai").joinpath("data/parameters.toml").read_text(encoding="utf-8")
    params = _parse(tomllib.loads(text), "parameters.toml")
    override = override or os.environ.get("KYOSAI_PARAMETERS")
    if override:
        extra = _parse(tomllib.loads(Path(override).read_text(encoding="utf-8")), str(override))
        unknown = sorted(set(extra) - set(params))
        if unknown:
            raise ValueError(f"{override}: unknown parameters {', '.join(unknown)}")
        for name, parameter in extra.items():
            base = params[name]
            params[name] = Parameter(name, parameter.ja or base.ja, parameter.source or base.source, parameter.history)
    return params


class _Registry:
    """Attribute access to the parameters: ``P.SKY_DEBIT_DAY``.

    Rules that read parameters may keep results in caches (:func:`kyosai.caches.cached`); :meth:`reload`
    empties them (:func:`kyosai.caches.clear_caches`), and counts up ``generation``.
    """

    def __init__(self):
        self._params: dict[str, Parameter] | None = None
        self._change_dates: tuple[datetime.date, ...] | None = None
        self.generation = 0  # how many times the parameters were reloaded

    def _all(self) -> dict[str, Parameter]:
        params = self._params
        if params is None:
            params = load()
            self._use(params)
        return params

    def _use(self, params: dict[str, Parameter]) -> None:
        """Serve ``params`` from now on; the UPPER_CASE names (all of them) are instance attributes too,
        so that ``P.NAME`` is a plain lookup rather than a call of :meth:`__getattr__` (speed)."""
        for name in self._params or ():
            self.__dict__.pop(name, None)
        self._params = params
        self._change_dates = None
        self.__dict__.update(
            (name, parameter) for name, parameter in params.items() if name.isupper() and not name.startswith("_")
        )

    def __getattr__(self, name: str) -> Parameter:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._all()[name]
        except KeyError:
            raise AttributeError(f"no parameter named {name}") from None

    def __iter__(self):
        return iter(self._all().values())

    def newest_change(self) -> datetime.date:
        """The newest date on which any parameter takes a value (the edition of the parameters).

        What is generated once for every date — the workbook templates' cell checks — follows the
        rules in force from this day; everything else is asked on its own date.
        """
        return max(since for parameter in self for since, _ in parameter.history)

    def change_dates(self) -> tuple[datetime.date, ...]:
        """Every date on which a rule may answer differently, sorted: the dates parameters take new
        values (lodging's 20-employee band from 2014-04-01, the rejoining rule from 2024-10-01). No
        parameter's value is a date (a rule that starts on a date is a value ``since`` it), so these
        are all. Between two of them, a rule that reads only parameters gives the same answer
        whatever the day (:func:`epoch`).

        >>> datetime.date(2014, 4, 1) in P.change_dates(), datetime.date(2014, 4, 2) in P.change_dates()
        (True, False)
        """
        if self._change_dates is None:
            self._change_dates = tuple(sorted({since for parameter in self for since, _ in parameter.history}))
        return self._change_dates

    def epoch(self, on: datetime.date) -> int:
        """The number of the span between :meth:`change_dates` that ``on`` falls in: two days of the
        same epoch have the same parameters in force."""
        return bisect.bisect_right(self.change_dates(), on)

    def reload(self, override: str | os.PathLike | None = None) -> None:
        """Read the files again (tests, or after headquarters changed the override file).

        Every cache of answers is emptied (:func:`kyosai.caches.clear_caches`: the rules' and the
        Excel functions'), since its answers may have used the old values.
        """
        self._use(load(override))
        self.generation += 1
        clear_caches()


P = _Registry()
