"""Sample records of the batch kinds (記入例): the one source of valid records.

``schemas/data/samples.toml`` holds five valid records of each kind, and whatever shows or needs a
valid record reads them here:

- the 記入例 sheet of each template and the sample batches in ``workbooks/samples/`` (the files the
  service's demo offers, ``make run``), written by ``scripts/build_workbooks.py``;
- the example column of ``docs/batch-format.md``: each column's value in the kind's first record
  (:func:`example`), written by ``scripts/build_docs.py``;
- the tests' valid rows (``tests/batchfiles.py``, ``tests/fixtures/batchfiles.py``), each test
  changing what it is about.

A record maps every column's alias to the value a clerk's cell holds — a ``datetime.date``, an
``int`` for amounts and counts, text for codes (leading zeros kept), labels and months — or None for
an empty cell.

>>> first = records("sky-application")[0]
>>> first["receipt_no"], first["application_date"], first["monthly_amount"], first["proprietor_ref"]
('A-0001', datetime.date(2024, 12, 2), 70000, None)
>>> example("prepayment", "desired_month"), example("sky-application", "proprietor_ref")
('2024-12', '')
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from importlib import resources
from typing import Any

from .batches import KINDS

__all__ = ["records", "example", "as_text"]

FILE = "data/samples.toml"  # inside the package schemas


@functools.cache  # the packaged file never changes while the process runs
def _load() -> dict[str, tuple[dict[str, Any], ...]]:
    return _parse(tomllib.loads(resources.files("schemas").joinpath(FILE).read_text(encoding="utf-8")))


def _parse(data: dict[str, Any]) -> dict[str, tuple[dict[str, Any], ...]]:
    """The records of every kind, each with every column of the kind; a kind or a column the batch
    format does not have is a mistake in the file (ValueError), never silently dropped."""
    unknown_kinds = sorted(set(data) - set(KINDS))
    missing_kinds = sorted(set(KINDS) - set(data))
    if unknown_kinds or missing_kinds:
        raise ValueError(f"schemas/{FILE}: unknown kinds {unknown_kinds}, kinds without records {missing_kinds}")
    loaded = {}
    for name, kind in KINDS.items():
        aliases = [column.alias for column in kind.columns]
        for number, record in enumerate(data[name], start=1):
            unknown = sorted(set(record) - set(aliases))
            if unknown:
                raise ValueError(f"schemas/{FILE}: {name} record {number} has no column {unknown}")
        loaded[name] = tuple({alias: record.get(alias) for alias in aliases} for record in data[name])
    return loaded


def records(kind: str) -> list[dict[str, Any]]:
    """The sample records of a kind (by its name), in the file's order, each a new dict of every
    column's value by alias (None for an empty cell): a caller may change its copy."""
    return [dict(record) for record in _load()[kind]]


def example(kind: str, alias: str) -> str:
    """A column's example as text: its value in the kind's first sample record (``""`` when that cell
    is empty). Columns that several kinds share (the bank account's) have each kind's own example.

    >>> example("sky-application", "account_holder_kana"), example("safety-application", "account_holder_kana")
    ('ヤマダ タロウ', 'カ）サンプルセイサクショ')
    """
    return as_text(_load()[kind][0][alias]) or ""


def as_text(value: Any) -> str | None:
    """A sample value as a clerk would type it into a cell formatted as text (a date in ISO, an
    amount in plain digits); None stays None.

    >>> as_text(datetime.date(2024, 12, 2)), as_text(70000), as_text("0009"), as_text(None)
    ('2024-12-02', '70000', '0009', None)
    """
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
