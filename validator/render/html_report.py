"""The HTML report: one self-contained Japanese page for the counter and for print.

The page reads top to bottom as a clerk works: the verdict and summary (受付可 / 要修正, counts by
kind of finding), then the list of findings in the clerk's coordinates (行, 列, 見出し), then — when the
caller passes the sheet's rows — the data itself with the invalid cells coloured (red: error, yellow:
warning; hovering a cell shows the message). A wide sheet would hide its far columns beyond the
screen, so the grid shows the columns with findings and the row's key columns (受付番号, 氏名) and folds the
others away, behind a checkbox that shows them all (CSS only: the page runs no scripts). Amounts are shown
as the messages show them (1,150,000円). Everything from the file is escaped (Jinja2 autoescape)
and invisible characters in values are shown as ⟨…⟩ marks, because a zero-width space is often the
very reason a value was rejected. No scripts, no external assets: the page can be mailed or printed.
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..findings import ERROR, Finding
from ..report import Report
from .wording import (
    batch_kind,
    code_title_ja,
    count_rows,
    encoding_ja,
    kind_ja,
    registries_ja,
    severity_ja,
    value_ja,
    verdict_ja,
)

__all__ = ["render_html", "GRID_MAX_ROWS"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

GRID_MAX_ROWS = 500  # data rows shown at most: the rows with findings first, then their neighbours
_MAX_CELL_CHARS = 200  # longer cell texts are shortened in the grid
_KEY_ALIASES = ("receipt_no", "name")  # the columns a clerk tells the rows apart by: never folded away

Rows = list[tuple[int, dict[str, str]]]  # (Excel row number, {column letter: display text})
Columns = list[tuple[str, str]]  # (column letter, header)


def render_html(report: Report, rows: Rows | None = None, columns: Columns | None = None) -> str:
    """The report as an HTML page; with ``rows`` (and ``columns``) it also shows the data grid."""
    marks = _marks_by_cell(report.findings)
    kind = report.source.kind
    grid = _grid(rows, columns, marks, report.findings, kind) if rows is not None else None
    shown_cells = grid["cell_ids"] if grid else set()
    return (
        _environment()
        .get_template("report.html")
        .render(
            source=report.source,
            kind_ja=kind_ja(report.source.kind),
            encoding_ja=encoding_ja(report.source.encoding),
            registries_ja=registries_ja(report.source.registries),
            size_text=_size_text(report.source.size),
            records=report.records,
            errors=report.errors,
            warnings=report.warnings,
            valid=report.valid,
            verdict=verdict_ja(report.valid),
            counts=count_rows(report),
            total_findings=sum(report.counts.values()),
            truncated=report.truncated,
            limit=report.limit,
            findings=[_finding_row(f, shown_cells, kind) for f in report.findings],
            several_sheets=len({f.sheet for f in report.findings if f.sheet}) > 1,
            grid=grid,
            banks=report.banks[:BANKS_SHOWN],
            banks_more=max(0, len(report.banks) - BANKS_SHOWN),
        )
    )


BANKS_SHOWN = 100  # the bank table of the page: the most used pairs (the annotated workbook lists all)


# ---------------------------------------------------------------------------------------- findings


def _cell_id(row: int, letter: str) -> str:
    """The HTML id of a grid cell, named as Excel names it: ``cell-B7``."""
    return f"cell-{letter}{row}"


def _finding_row(finding: Finding, shown_cells: set[str], kind: str | None) -> dict:
    anchor = None
    if finding.row is not None and finding.column:
        cell_id = _cell_id(finding.row, finding.column)
        anchor = cell_id if cell_id in shown_cells else None
    return {
        "f": finding,
        "severity_ja": severity_ja(finding.severity),
        "title_ja": code_title_ja(finding.code),
        "anchor": anchor,
        "value": value_ja(kind, finding.header, finding.value),
    }


def _marks_by_cell(findings: list[Finding]) -> dict[tuple[int | None, str], list[Finding]]:
    """The findings that have a column, by (row, letter); header-level ones have row None or the header's."""
    marks: dict[tuple[int | None, str], list[Finding]] = {}
    for finding in findings:
        if finding.column:
            marks.setdefault((finding.row, finding.column), []).append(finding)
    return marks


def _severity(findings: list[Finding]) -> str:
    """A cell's colour: an error outweighs any number of warnings."""
    return ERROR if any(f.severity == ERROR for f in findings) else findings[0].severity


def _tooltip(findings: list[Finding]) -> str:
    return "\n".join(f"【{severity_ja(f.severity)}】{f.message_ja} → {f.hint_ja}" for f in findings)


# ---------------------------------------------------------------------------------------- the grid


def _grid(rows: Rows, columns: Columns | None, marks: dict, findings: list[Finding], kind: str | None) -> dict:
    """The data grid's rows (at most GRID_MAX_ROWS, with gaps marked), its header cells and which
    columns are folded away (see :func:`_folded`)."""
    if columns is None:  # no headers given: the letters that occur, in Excel's order
        letters = sorted({letter for _, cells in rows for letter in cells}, key=lambda c: (len(c), c))
        columns = [(letter, "") for letter in letters]
    first_data_row = min((r for r, _ in rows), default=0)

    header_cells: list[dict[str, Any]] = []  # the template's fields of each header cell
    for letter, header in columns:
        found = [
            f for (row, col), fs in marks.items() if col == letter and (row is None or row < first_data_row) for f in fs
        ]
        header_cells.append(
            {
                "letter": letter,
                "header": header,
                "severity": _severity(found) if found else None,
                "title": _tooltip(found) if found else None,
            }
        )
    folded = _folded(columns, {letter for _, letter in marks}, kind)
    previous_folded = False
    for cell in header_cells:
        cell["folded"] = cell["letter"] in folded
        cell["after_fold"] = previous_folded and not cell["folded"]
        previous_folded = cell["folded"]

    shown = _pick_rows(rows, findings)
    body, cell_ids, previous = [], set(), -1
    for index in shown:
        excel_row, values = rows[index]
        cells = []
        for letter, header in columns:
            found = marks.get((excel_row, letter), [])
            cell_id = _cell_id(excel_row, letter)
            cell_ids.add(cell_id)
            cells.append(
                {
                    "id": cell_id,
                    "text": _shorten(value_ja(kind, header, values.get(letter, ""))),
                    "severity": _severity(found) if found else None,
                    "title": _tooltip(found) if found else None,
                }
            )
        body.append({"row": excel_row, "cells": cells, "gap_before": index - previous - 1})
        previous = index
    return {
        "columns": header_cells,
        "rows": body,
        "cell_ids": cell_ids,
        "total": len(rows),
        "shown": len(shown),
        "capped": len(shown) < len(rows),
        "gap_after": len(rows) - previous - 1,
        "folded": len(folded),
    }


def _folded(columns: Columns, marked: set[str], kind: str | None) -> set[str]:
    """The letters of the columns the grid folds away at first: those without a finding, except the
    row's key columns (受付番号, 氏名; the first column when the kind is unknown). At 1280 px a sheet of
    22 columns shows only A–L, so marks in M or N would be off screen. Nothing is folded when no column
    carries a finding (nothing to look for) or every column does."""
    letters = [letter for letter, _ in columns]
    if not marked & set(letters):
        return set()
    found = batch_kind(kind)
    keys = {
        letter
        for letter, header in columns
        if found and (column := found.match_header(header or "")) and column.alias in _KEY_ALIASES
    }
    keys = keys or set(letters[:1])
    return {letter for letter in letters if letter not in marked and letter not in keys}


def _pick_rows(rows: Rows, findings: list[Finding]) -> list[int]:
    """Indexes of the rows to show: all if few, else rows with errors, with warnings, then the nearest."""
    if len(rows) <= GRID_MAX_ROWS:
        return list(range(len(rows)))
    severity_of_row: dict[int, int] = {}
    for f in findings:
        if f.row is not None:
            rank = 0 if f.severity == ERROR else 1
            severity_of_row[f.row] = min(rank, severity_of_row.get(f.row, rank))
    marked = sorted(severity_of_row)

    def distance(excel_row: int) -> int:  # to the nearest row with a finding
        if not marked:
            return 0
        i = bisect.bisect_left(marked, excel_row)
        return min(abs(excel_row - marked[j]) for j in (i - 1, i) if 0 <= j < len(marked))

    def priority(index: int):
        excel_row = rows[index][0]
        return (severity_of_row.get(excel_row, 2), distance(excel_row), excel_row)

    return sorted(sorted(range(len(rows)), key=priority)[:GRID_MAX_ROWS])


def _shorten(text) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= _MAX_CELL_CHARS else text[:_MAX_CELL_CHARS] + "…"


# ---------------------------------------------------------------------------------------- template

# Characters a clerk cannot see on screen: controls, zero-width and bidi marks, odd spaces, BOM.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00a0\u00ad\u061c\u115f\u1160\u180e\u2000-\u200f"
    "\u2028-\u202f\u205f-\u206f\u3164\ufeff\ufff9-\ufffb]"
)
_INVISIBLE_NAMES = {
    "\t": "タブ",
    "\n": "改行",
    "\r": "改行",
    "\u00a0": "NBSP",
    "\u200b": "ゼロ幅スペース",
    "\ufeff": "BOM",
    "\u202e": "右から左",
}


def reveal(text) -> Markup:
    """Escape text for HTML and show invisible characters as marks: ``a\u200bb`` → a⟨ゼロ幅スペース⟩b.

    >>> str(reveal("<b>A\u200b1</b>"))
    '&lt;b&gt;A<span class="invisible" title="U+200B">⟨ゼロ幅スペース⟩</span>1&lt;/b&gt;'
    """
    if text is None:
        return Markup("")

    def mark(match: re.Match) -> str:
        char = match.group()
        code = f"U+{ord(char):04X}"
        return f'<span class="invisible" title="{code}">⟨{_INVISIBLE_NAMES.get(char, code)}⟩</span>'

    return Markup(_INVISIBLE.sub(mark, str(escape(str(text)))))


def _size_text(size: int) -> str:
    if not size:
        return ""
    return (
        f"{size:,} バイト"
        if size < 1024
        else f"{size / 1024:,.1f} KB"
        if size < 1024**2
        else f"{size / 1024**2:,.1f} MB"
    )


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["reveal"] = reveal
    return env
