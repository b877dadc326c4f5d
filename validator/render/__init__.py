"""The report renderers (検査結果の出力): JSON, HTML, CSV and the annotated workbook.

>>> from validator.report import Report, Source
>>> from validator.findings import make
>>> report = Report(Source("batch.csv", "0" * 64, kind="prepayment"), records=3)
>>> report.add(make("missing-value", sheet=None, row=4, column="D", header="契約者氏名"))
>>> render_csv(report).splitlines()[1]
'"missing-value","error","","4","D","契約者氏名","","「契約者氏名」が未記入です（記入漏れ）。","\\'契約者氏名\\' is
empty.","必須項目です。記入してください。"'

Every format lists the findings in the report's order (``Report.sort()`` puts file-level findings
first, then by row and column); ``guard.defuse_formula`` is the one formula-injection guard.
"""

from typing import Any

from .csv_report import CSV_COLUMNS, render_csv, render_csv_bytes
from .guard import defuse_formula, is_formula_like
from .html_report import render_html
from .json_report import render_json

_WORKBOOK = ("annotate_workbook", "annotate_rows", "FINDINGS_SHEET")


def __getattr__(name: str) -> Any:
    # the annotated workbook needs openpyxl, ~0.2 s to import: loaded when first asked for, so that
    # `kyosai validate` starts reading the file sooner
    if name in _WORKBOOK:
        from . import workbook

        return getattr(workbook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "render_json",
    "render_html",
    "render_csv",
    "render_csv_bytes",
    "annotate_workbook",
    "annotate_rows",
    "defuse_formula",
    "is_formula_like",
    "CSV_COLUMNS",
    "FINDINGS_SHEET",
]
