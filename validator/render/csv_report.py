"""The CSV report: one line per finding, safe to open in Excel.

Columns (plain English names, the same as the JSON keys of a finding)::

    code, severity, sheet, row, column, header, value, message_ja, message_en, hint_ja

``row`` is the Excel row number (for a CSV source, the line number) and ``column`` the letter. Every
text field passes :func:`~validator.render.guard.defuse_formula`, so a value such as ``=HYPERLINK(…)``
arrives as ``'=HYPERLINK(…)`` and is never evaluated; every field is quoted (RFC 4180). When the list
was cut at the report's limit, a last ``truncated`` line says so. :func:`render_csv_bytes` is the file
to hand to Excel: UTF-8 with a BOM, without which Excel reads the Japanese as Shift_JIS.
"""

from __future__ import annotations

import csv
import io

from ..report import Report
from .guard import defuse_formula
from .wording import listed_findings

__all__ = ["CSV_COLUMNS", "render_csv", "render_csv_bytes"]

CSV_COLUMNS = ("code", "severity", "sheet", "row", "column", "header", "value", "message_ja", "message_en", "hint_ja")


def render_csv(report: Report) -> str:
    """The findings as CSV text (CRLF line ends, a header line first)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for finding in listed_findings(report):
        fields = finding.to_dict()
        writer.writerow(["" if fields[name] is None else defuse_formula(fields[name]) for name in CSV_COLUMNS])
    return out.getvalue()


def render_csv_bytes(report: Report) -> bytes:
    """The CSV report as bytes for a file: UTF-8 with a BOM so that Excel shows the Japanese."""
    return render_csv(report).encode("utf-8-sig")
