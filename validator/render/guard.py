"""The formula-injection guard (数式インジェクション対策) that every spreadsheet-bound output uses.

A value from an agency's file such as ``=HYPERLINK("http://x")`` or ``+cmd|' /C calc'!A0`` is only
text to us, but a spreadsheet that opens our CSV report takes it for a formula and runs it. Following
OWASP's CSV-injection guidance (and ASVS 1.2.10), text that starts with a formula trigger gets a
leading apostrophe, which Excel and LibreOffice show as text and never evaluate. The full-width
triggers are included because Japanese input modes type them and Excel converts them.

>>> defuse_formula('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> defuse_formula("-2+3"), defuse_formula("＝1+1"), defuse_formula("山田 太郎"), defuse_formula(7)
("'-2+3", "'＝1+1", '山田 太郎', 7)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_TRIGGERS", "is_formula_like", "defuse_formula"]

# The first characters that make a spreadsheet read a cell as a formula (or a DDE command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def defuse_formula(value: Any) -> Any:
    """The value with a leading apostrophe if it is formula-like; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value
