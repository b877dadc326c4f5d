#!/usr/bin/env python
"""Keep the generated parts of the project's rules reference in step: ``python scripts/build_docs.py``.

- ``docs/rules.md``: the rules of both schemes in the project's words (written by hand), and, in
  each section, blocks generated from the code: the dated parameters of ``kyosai/data/parameters.toml``
  that the section's rules read (each value with the date it applies from, and its source), and
  the modules and functions of ``kyosai/`` that carry the rules. A generated block sits between
  ``<!-- generated: NAME -->`` and ``<!-- /generated -->``; everything else is kept as written.
- ``docs/batch-format.md``: the batch kinds (sheet, columns, what each column takes), generated
  whole from ``schemas/batches.py`` with a hand-written introduction kept above the marker line;
  each column's example is its value in the kind's first sample record (``schemas/data/samples.toml``).

``--check`` only compares (exit status 1 when a file is out of date; ``tests/test_docs.py`` runs it).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from schemas import samples  # after the path is set
from schemas.batches import KINDS, Value

RULES = ROOT / "docs" / "rules.md"
BATCH_FORMAT = ROOT / "docs" / "batch-format.md"
PARAMETERS = ROOT / "kyosai" / "data" / "parameters.toml"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)
INTRO_END = "<!-- generated below this line by scripts/build_docs.py -->"

# Which parameters and which code each section of docs/rules.md is about.
SECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "1.1": (("SKY_MIN_PREMIUM", "SKY_MAX_PREMIUM", "SKY_PREMIUM_STEP"), ("kyosai.premium",)),
    "1.2": (
        (
            "SKY_EMPLOYEES_COMMERCE_SERVICES",
            "SKY_EMPLOYEES_LODGING_ENTERTAINMENT",
            "SKY_EMPLOYEES_OTHER",
            "SKY_PROFESSIONAL_PARTNER_EMPLOYEES",
            "SKY_CO_MANAGERS_PER_PROPRIETOR",
        ),
        ("kyosai.eligibility",),
    ),
    "1.3": (("SKY_DEBIT_DAY", "SKY_CHANGE_DEADLINE_DAY"), ("kyosai.debit", "kyosai.deadlines")),
    "1.4": (("SKY_FIRST_DEBIT_MONTHS_AFTER",), ("kyosai.schedule",)),
    "1.5": (
        (
            "PREPAYMENT_DISCOUNT_RATE",
            "PREPAYMENT_DISCOUNT_MAX_MONTHS",
            "PREPAYMENT_DISCOUNT_PAYOUT_THRESHOLD",
            "PREPAYMENT_DISCOUNT_CUTOFF_MONTH",
            "PREPAYMENT_DISCOUNT_PAYOUT_MONTH",
            "PREPAYMENT_DISCOUNT_ROUNDING",
        ),
        ("kyosai.discount",),
    ),
    "1.6": (
        ("SKY_DEDUCTION_PREPAY_HORIZON_MONTHS", "SKY_CERTIFICATE_NOVEMBER_LAST_MONTH"),
        ("kyosai.deduction", "kyosai.certificate"),
    ),
    "1.7": (("SKY_REBILLING_MIN_MONTHS_AFTER", "SKY_REBILLING_MONTHS"), ("kyosai.failed_debit",)),
    "1.9": (
        (
            "INCOME_TAX_BRACKETS",
            "RECONSTRUCTION_TAX_FACTOR",
            "INCOME_TAX_ROUNDING_UNIT",
            "RESIDENT_TAX_RATE",
            "RESIDENT_TAX_PER_CAPITA",
        ),
        ("kyosai.tax_saving",),
    ),
    "2.1": (
        (
            "SAFETY_MIN_PREMIUM",
            "SAFETY_MAX_PREMIUM",
            "SAFETY_PREMIUM_STEP",
            "SAFETY_TOTAL_LIMIT",
            "SAFETY_STOP_MULTIPLE",
        ),
        ("kyosai.safety_limit",),
    ),
    "2.2": (("SAFETY_SIZE_LIMITS", "SAFETY_MIN_YEARS_IN_BUSINESS"), ()),
    "2.3": (
        (
            "SAFETY_DEBIT_DAY",
            "SAFETY_FIRST_DEBIT_MONTHS_AFTER",
            "SAFETY_PREPAY_DEADLINE_DAY",
            "SAFETY_PREPAY_MIN_HEADROOM_MONTHS",
        ),
        (),
    ),
    "2.4": (("SAFETY_CATCH_UP_MONTHS_AFTER",), ()),
    "2.5": (
        (
            "SAFETY_LOAN_MULTIPLE",
            "SAFETY_LOAN_MAX_OUTSTANDING",
            "SAFETY_LOAN_PREMIUM_DEDUCTION",
            "SAFETY_LOAN_MIN_MONTHS_AFTER_JOINING",
            "SAFETY_LOAN_MIN_MONTHS_PAID",
            "SAFETY_LOAN_REQUEST_WITHIN_MONTHS",
        ),
        ("kyosai.loans",),
    ),
    "2.6": (("SAFETY_REFUND_RATES",), ("kyosai.refund",)),
    "2.7": (("SAFETY_REJOIN_NON_DEDUCTIBLE_YEARS",), ("kyosai.rejoin",)),
    "3": (("BANK_HOLIDAYS", "EXTRA_CLOSED_DAYS"), ("kyosai.calendar",)),
    "4": ((), ("kyosai.japanese", "kyosai.codes", "kyosai.labels")),
}


# ==================================================================================== docs/rules.md


def _value(value) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(f"{k} {_value(v)}" for k, v in row.items()) for row in value)
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameters_block(names: tuple[str, ...], tables: dict) -> str:
    rows = ["| parameter | 内容 | value (from) | source |", "|---|---|---|---|"]
    for name in names:
        table = tables[name]
        values = "<br>".join(
            f"{_value(entry['value'])} ({entry['since'].isoformat()})"
            if entry["since"].year > 1900
            else _value(entry["value"])
            for entry in table["values"]
        )
        rows.append(f"| `{name}` | {_cell(table.get('ja', ''))} | {_cell(values)} | {_cell(table.get('source', ''))} |")
    return "\n".join(rows) + "\n"


def code_block(modules: tuple[str, ...]) -> str:
    lines = []
    for name in modules:
        module = importlib.import_module(name)
        summary = (inspect.getdoc(module) or "").splitlines()[0]
        lines.append(f"- `{name.replace('.', '/')}.py` — {summary}")
        for function in getattr(module, "__all__", ()):
            obj = getattr(module, function, None)
            doc = inspect.getdoc(obj) if callable(obj) else None
            if doc and inspect.getmodule(obj) is module:
                lines.append(f"  - `{function}`: {doc.splitlines()[0]}")
    return "\n".join(lines) + "\n"


def rules_blocks() -> dict[str, str]:
    """The generated blocks of docs/rules.md, by name (``parameters-1.3``, ``code-1.3``)."""
    tables = tomllib.loads(PARAMETERS.read_text(encoding="utf-8"))
    named = {name for names, _ in SECTIONS.values() for name in names}
    if named != set(tables):
        raise SystemExit(
            f"parameters without a section in scripts/build_docs.py: {sorted(set(tables) - named)}; "
            f"unknown: {sorted(named - set(tables))}"
        )
    blocks = {}
    for section, (names, modules) in SECTIONS.items():
        if names:
            blocks[f"parameters-{section}"] = parameters_block(names, tables)
        if modules:
            blocks[f"code-{section}"] = code_block(modules)
    blocks["decisions"] = decisions_block(tables)
    return blocks


def decisions_block(tables: dict) -> str:
    """Every parameter whose source records a decision of ours ([DECISION])."""
    rows = [
        f"- `{name}` — {_cell(table['source'])}"
        for name, table in tables.items()
        if "[DECISION]" in table.get("source", "")
    ]
    return "\n".join(rows) + "\n"


def render_rules(text: str) -> str:
    blocks = rules_blocks()
    used = set()

    def fill(match: re.Match) -> str:
        name = match["name"]
        if name not in blocks:
            raise SystemExit(f"docs/rules.md: no generated block named {name}")
        used.add(name)
        return f"{match[1]}{blocks[name]}{match[4]}"

    rendered = BLOCK.sub(fill, text)
    missing = sorted(set(blocks) - used)
    if missing:
        raise SystemExit(f"docs/rules.md lacks the generated blocks {missing}")
    return rendered


# ==================================================================================== docs/batch-format.md

_VALUE_JA = {
    Value.TEXT: "text",
    Value.KATAKANA: "katakana (half-width and hiragana folded)",
    Value.DATE: "a date",
    Value.MONTH: "a month",
    Value.AMOUNT: "yen (whole)",
    Value.COUNT: "a whole number",
    Value.LABEL: "one of the choices",
    Value.DIGITS: "digits",
    Value.REFERENCE: "a reference (text)",
    Value.POSTAL_CODE: "a postal code (7 digits, hyphen after the 3rd or none)",
    Value.CALENDAR_MONTH: "a month number 1–12",
    Value.PHONE: "a phone number (10–11 digits from 0)",
    Value.CORPORATE_NUMBER: "a 法人番号 (13 digits, check digit)",
}


def render_batch_format(text: str) -> str:
    intro = text.split(INTRO_END)[0].rstrip("\n") if INTRO_END in text else text.rstrip("\n")
    parts = [intro, "", INTRO_END, ""]
    for kind in KINDS.values():
        parts += [
            f"## Kind `{kind.name}` — {kind.title_ja} (sheet `{kind.sheet}`)",
            "",
            "| header | alias | required | takes | 書き方 (input message) | example |",
            "|---|---|---|---|---|---|",
        ]
        for column in kind.columns:
            takes = _VALUE_JA.get(column.value, column.value.value)
            if column.choices:
                takes += ": " + " / ".join(column.choices)
            if column.digits:
                low, high = column.digits
                takes += f" ({low} digits)" if low == high else f" ({low}–{high} digits)"
            parts.append(
                f"| {column.header} | `{column.alias}` | {'yes' if column.required else ''} | "
                f"{_cell(takes)} | {_cell(column.hint_ja)} | {_cell(samples.example(kind.name, column.alias))} |"
            )
        parts.append("")
    return "\n".join(parts)


# ==================================================================================== main


def outputs() -> dict[Path, str]:
    return {
        RULES: render_rules(RULES.read_text(encoding="utf-8")),
        BATCH_FORMAT: render_batch_format(BATCH_FORMAT.read_text(encoding="utf-8") if BATCH_FORMAT.exists() else ""),
    }


def check() -> list[Path]:
    """The documents that differ from what the generator makes (empty: in step)."""
    return [path for path, text in outputs().items() if path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the documents are in step")
    args = parser.parse_args(argv)
    if args.check:
        stale = check()
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} — run: python scripts/build_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs().items():
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
