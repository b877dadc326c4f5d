"""Dated parameters of the schemes (制度の定数): deadlines, rates, limits and effective dates.

The values live in ``kyosai/data/parameters.toml``, each with its Japanese description, its source
and a list of ``{since, value}`` entries; the rules core asks for the value in force on a date:

>>> P.SKY_DEBIT_DAY.at(datetime.date(2024, 12, 1))
18
>>> P.PREPAYMENT_DISCOUNT_RATE.at(datetime.date(2017, 10, 31)), P.PREPAYMENT_DISCOUNT_RATE.at(datetime.date(2017, 11, 1))
(Decimal('0.005'), Decimal('0.0009'))

Headquarters can change a value without touching code: set ``KYOSAI_PARAMETERS`` to a TOML file
with tables of the same names; the ``values`` of each table given there replace the shipped ones.
Decimal-looking strings become :class:`decimal.Decimal`; TOML dates stay ``datetime.date``.
"""

from __future__ import annotations

import datetime
import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Parameter", "P", "load"]


@dataclass(frozen=True)
class Parameter:
    """One named parameter and its history of values."""

    name: str
    ja: str
    source: str
    history: tuple[tuple[datetime.date, Any], ...]  # sorted by date

    def at(self, on: datetime.date | None = None) -> Any:
        """The value in force on ``on`` (today when omitted)."""
        on = on or datetime.date.today()
        value = None
        for since, candidate in self.history:
            if since <= on:
                value = candidate
            else:
                break
        if value is None:
            raise LookupError(f"parameter {self.name} has no value on {on}")
        return value

    @property
    def current(self) -> Any:
        return self.at(datetime.date.today())


def _convert(value: Any) -> Any:
    """Decimal strings become Decimal; containers are converted recursively, made immutable."""
    if isinstance(value, str):
        try:
            if any(c.isdigit() for c in value) and not any(c in value for c in "-:"):
                return Decimal(value)
        except InvalidOperation:
            pass
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
            params[name] = Parameter(name, parameter.ja or base.ja, parameter.source or base.source,
                                     parameter.history)
    return params


class _Registry:
    """Attribute access to the parameters: ``P.SKY_DEBIT_DAY``."""

    def __init__(self):
        self._params: dict[str, Parameter] | None = None

    def _all(self) -> dict[str, Parameter]:
        if self._params is None:
            self._params = load()
        return self._params

    def __getattr__(self, name: str) -> Parameter:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._all()[name]
        except KeyError:
            raise AttributeError(f"no parameter named {name}") from None

    def __iter__(self):
        return iter(self._all().values())

    def reload(self, override: str | os.PathLike | None = None) -> None:
        """Read the files again (tests, or after headquarters changed the override file)."""
        self._params = load(override)


P = _Registry()
