"""The report formats (JSON, HTML, annotated xlsx, CSV): one place that renders a checked file.

The command line and the service both ask :func:`render` for the bytes of a format.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .check import Checked
from .reading import Table
from .render import render_csv_bytes, render_html, render_json
from .report import Report

__all__ = ["Format", "FORMATS", "render", "render_stored", "data_grid"]


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    media_type: str


FORMATS = {
    f.name: f
    for f in (
        Format("json", ".json", "application/json"),
        Format("html", ".html", "text/html; charset=utf-8"),
        Format("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Format("csv", ".csv", "text/csv; charset=utf-8"),
    )
}


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _table(checked: Checked) -> Table:
    if checked.table is None:  # render_stored reads the file again for every report that shows cells
        raise ValueError("the report shows the cells: the table read is needed")
    return checked.table


def data_grid(checked: Checked) -> tuple[list, list]:
    """The clerk's data as (rows, columns) for the HTML grid: [(row, {letter: text})], [(letter, header)]."""
    table = _table(checked)
    columns = sorted(table.columns.items(), key=lambda item: (len(item[1][0]), item[1][0]))
    rows = [(r.row, {letter: _text(r.values.get(alias)) for alias, (letter, _) in columns}) for r in table.records]
    return rows, [(letter, header) for _, (letter, header) in columns]


def render(fmt: str, checked: Checked) -> bytes:
    """The bytes of the report of a checked file in format ``fmt``."""
    report = checked.report
    if fmt == "json":
        return render_json(report).encode("utf-8")
    if fmt == "csv":
        return render_csv_bytes(report)
    if fmt == "html":
        rows, columns = data_grid(checked)
        return render_html(report, rows, columns).encode("utf-8")
    if fmt == "xlsx":
        from .render.workbook import annotate_rows, annotate_workbook  # openpyxl: loaded when needed

        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "annotated.xlsx"
            if report.source.format in ("xlsx", "xlsm"):
                if report.source.format == "xlsm":
                    out = out.with_suffix(".xlsm")
                annotate_workbook(report, checked.path, out)
            else:
                rows, columns = data_grid(checked)
                header = (_table(checked).header_row, {letter: text for letter, text in columns})
                annotate_rows(report, [header, *rows], out)
            return out.read_bytes()
    raise ValueError(f"unknown format {fmt!r}")


def render_stored(path: str, fmt: str, report: dict, kind: str | None, filename: str, limits, out: str) -> int:
    """Write a stored report (what :meth:`Report.to_dict` gave at the check) of the file at ``path``
    in ``fmt`` to ``out``; returns its size. The service runs it in a capped child process
    (:mod:`validator.service.reports`; it lives here so that the child imports the renderers, not
    the service). The file is read again only where its cells are shown: the HTML page's grid, and
    a CSV's rows in a new workbook (a workbook is annotated by openpyxl from the file itself)."""
    from .reading import read_batch

    stored = Report.from_dict(report)
    table = (
        read_batch(path, kind, filename=filename, limits=limits)
        if fmt == "html" or stored.source.format == "csv"
        else None
    )
    data = render(fmt, Checked(stored, table, Path(path)))
    with open(out, "wb") as f:
        f.write(data)
    return len(data)
