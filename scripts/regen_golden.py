"""Regenerate the golden snapshot files in tests/golden/ (debit days and deadlines, 2024–2027).

Run it after a change to the calendar, the holidays package or the deadline rules, then review
the diff: every changed line is a date a clerk would tell a customer.

    python scripts/regen_golden.py
"""

from pathlib import Path

from kyosai.month import Month
from kyosai.timetable import rows, to_csv

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
FILES = {"timetable_2024_2027.csv": (Month(2024, 1), Month(2027, 12))}


def render() -> dict[str, str]:
    """The text every golden file should hold."""
    return {name: to_csv(rows(first, last)) for name, (first, last) in FILES.items()}


if __name__ == "__main__":
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name}")
