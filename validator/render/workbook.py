"""The annotated workbook (検査結果つきのブック): the clerk's own file back, with the findings marked.

:func:`annotate_workbook` opens the clerk's ``.xlsx``/``.xlsm`` with openpyxl (formulas kept, never
``data_only``; an ``.xlsm``'s macros are carried over untouched and never run) and

* fills each finding's cell — light red for an error, light yellow for a warning — and gives it a
  comment with the message and how to fix it (several findings on one cell share one comment; a
  comment the clerk had there is kept below ours);
* adds a sheet 「検査結果」 at the end, opened first, with the summary and every finding, each linked to
  its cell. Findings without a cell (the file, a missing column) appear only there.

:func:`annotate_rows` does the same for a CSV, which has no workbook: it builds one whose sheet holds
the CSV's rows exactly as read (as text, at their line numbers).

Text from the report that lands in the findings sheet goes through
:func:`~validator.render.guard.defuse_formula` (as in the CSV report), so ``=HYPERLINK(…)`` is stored as
text, never as a formula. A clerk's CSV values in the rebuilt sheet stay exactly as read: they are
stored as text cells, and formula-like ones (:func:`~validator.render.guard.is_formula_like`) also get
Excel's quote prefix so that editing them cannot turn them into formulas either.

A file annotated before (the clerk fixed it and sent our copy back) loses the old marks first. The
result is written to a temporary file next to ``out_path`` and renamed, so a half-written workbook
never appears under the final name.

Caveat: openpyxl does not carry over everything Excel can put in a file (images, charts, shapes and
some extended features are dropped). Only call this on a file the reader accepted as safe (zip sizes
checked); when the report says the file could not be read, only the findings sheet is written.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import wcwidth
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet.hyperlink import Hyperlink

from ..findings import ERROR, WARNING, Finding
from ..report import Report
from .guard import defuse_formula, is_formula_like
from .wording import (
    UNREADABLE_CODES,
    count_rows,
    encoding_ja,
    kind_ja,
    listed_findings,
    registries_ja,
    severity_ja,
    verdict_ja,
)

__all__ = ["FINDINGS_SHEET", "annotate_workbook", "annotate_rows"]

FINDINGS_SHEET = "検査結果"
TITLE = "バッチ検査結果"  # A1 of the findings sheet: how a sheet of ours is recognised
AUTHOR = "kyosai 検査"  # the author of our comments: how a comment of ours is recognised
CLERK_COMMENT = "―― 元のコメント ――"  # separates our comment from the one the clerk had on the cell

ERROR_RGB, WARNING_RGB = "FFC7CE", "FFEB9C"  # Excel's own "bad" and "neutral" colours
FILLS = {ERROR: PatternFill("solid", fgColor=ERROR_RGB), "warning": PatternFill("solid", fgColor=WARNING_RGB)}

# (line number, the line's fields): a list from column A on, or {column letter: text}
Rows = Iterable[tuple[int, Sequence[str | None] | Mapping[str, str | None]]]


def annotate_workbook(report: Report, original_path, out_path) -> None:
    """Write the clerk's workbook, with the findings marked and a findings sheet, to ``out_path``."""
    original_path, out_path = Path(original_path), Path(out_path)
    if original_path.suffix.lower() == ".csv":
        raise ValueError("CSVにはブックがありません。annotate_rows() に読み込んだ行を渡してください。")
    if any(f.code in UNREADABLE_CODES for f in report.findings):
        workbook = Workbook()  # the original could not be opened safely: the findings only
        workbook.remove(workbook.worksheets[0])  # a new workbook's one empty sheet
    else:
        has_macros = original_path.suffix.lower() == ".xlsm"
        if has_macros != (out_path.suffix.lower() == ".xlsm"):
            raise ValueError(f"拡張子を元のファイルと同じにしてください（{original_path.name} → {out_path.name}）。")
        workbook = load_workbook(original_path, keep_vba=has_macros, data_only=False, keep_links=True)
        _remove_previous_marks(workbook)
    cells = _mark_cells(workbook, report.findings, lambda f: f.sheet or report.source.sheet)
    _add_findings_sheet(workbook, report, cells)
    _save_atomically(workbook, out_path)


def annotate_rows(report: Report, rows: Rows, out_path) -> None:
    """Write a workbook holding a CSV's rows as read — ``(line number, fields)``, header included —
    with the findings marked and a findings sheet, to ``out_path`` (an ``.xlsx``).

    ``fields`` is the line's list of texts (column A first) or a ``{column letter: text}`` mapping.
    """
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook's one sheet
    sheet.title = _sheet_title(report.source.sheet or Path(report.source.filename).stem)
    widths: dict[int, int] = {}
    for line_number, fields in rows:
        by_index = (
            ((column_index_from_string(letter), text) for letter, text in fields.items())
            if isinstance(fields, Mapping)
            else enumerate(fields, start=1)
        )
        for index, text in by_index:
            if text not in (None, ""):
                _put_verbatim(sheet.cell(line_number, index), str(text))
                widths[index] = max(widths.get(index, 0), _display_width(str(text)))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 40)
    cells = _mark_cells(workbook, report.findings, lambda f: sheet.title)  # a CSV has one sheet
    _add_findings_sheet(workbook, report, cells)
    _save_atomically(workbook, Path(out_path))


# ---------------------------------------------------------------------------------- marking cells

Location = tuple[str, str]  # (sheet name, cell coordinate such as "B7")


def _mark_cells(
    workbook: Workbook, findings: list[Finding], sheet_of: Callable[[Finding], str | None]
) -> dict[Finding, Location]:
    """Fill and comment each cell that has findings; return where each finding was marked."""
    by_cell: dict[Location, list[Finding]] = defaultdict(list)
    marked: dict[Finding, Location] = {}
    for finding in findings:
        location = _cell_of(workbook, finding, sheet_of(finding))
        if location:
            by_cell[location].append(finding)
            marked[finding] = location
    for (sheet_name, coordinate), on_cell in by_cell.items():
        cell = workbook[sheet_name][coordinate]
        severity = ERROR if any(f.severity == ERROR for f in on_cell) else on_cell[0].severity
        cell.fill = FILLS[severity]
        cell.comment = _comment(on_cell, clerk_comment=cell.comment)
    return marked


def _cell_of(workbook: Workbook, finding: Finding, sheet_name: str | None) -> Location | None:
    """(sheet, coordinate) of a finding's cell, or None when it has no cell in this workbook."""
    if (finding.row or 0) < 1 or not finding.column or sheet_name not in workbook.sheetnames:
        return None
    try:
        column_index_from_string(finding.column)
    except ValueError:
        return None
    sheet = workbook[sheet_name]
    if not hasattr(sheet, "merged_cells"):  # a chart sheet has no cells
        return None
    coordinate = f"{finding.column}{finding.row}"
    if isinstance(sheet[coordinate], MergedCell):  # a merged area is marked on its top-left cell
        area = next(r for r in sheet.merged_cells.ranges if coordinate in r)
        coordinate = area.start_cell.coordinate
    return sheet_name, coordinate


def _comment(findings: list[Finding], clerk_comment: Comment | None) -> Comment:
    parts = [f"【{severity_ja(f.severity)}】{f.message_ja}\n→ {f.hint_ja}" for f in findings]
    if clerk_comment is not None and clerk_comment.text:
        parts.append(f"{CLERK_COMMENT}\n{clerk_comment.text}")
    text = _storable("\n\n".join(parts))
    comment = Comment(text, AUTHOR)
    comment.width = 320
    comment.height = min(60 + 18 * sum(len(line) // 22 + 1 for line in text.splitlines()), 600)
    return comment


def _remove_previous_marks(workbook: Workbook) -> None:
    """Undo an earlier annotation: our findings sheet, our fills and comments (the clerk's stay)."""
    old = [s for s in workbook.worksheets if s.title.startswith(FINDINGS_SHEET) and s["A1"].value == TITLE]
    if not old:
        return
    for sheet in old:
        workbook.remove(sheet)
    for sheet in workbook.worksheets:
        for cell in list(sheet._cells.values()):  # the cells that exist; iter_rows() would create empty ones
            if cell.comment is None or cell.comment.author != AUTHOR:
                continue
            clerk_text = cell.comment.text.partition(CLERK_COMMENT + "\n")[2]
            cell.comment = Comment(clerk_text, "") if clerk_text else None  # its author was not kept
            if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] in (ERROR_RGB, WARNING_RGB):
                cell.fill = PatternFill()


# ---------------------------------------------------------------------------------- findings sheet

_LIST_HEADERS = ("No.", "区分", "シート", "セル", "行", "列", "見出し", "記入値", "内容", "直し方", "コード")
# The sheet's columns are as wide as the longest value of its tables (display width: a kanji takes
# two), up to a cap, and the text wraps beyond it. The columns that hold codes (D in 指摘の内訳, K in
# the list) have no cap: a code is never cut. The summary above the tables runs over empty cells.
_WIDTH_CAP = 40
_WIDTH_CAPS = {"H": 30, "I": 60, "J": 50}  # 記入値 (a clerk's value can be long), 内容, 直し方
_NEVER_CUT = {"D", "K"}
_BOLD, _HEADING = Font(bold=True), Font(bold=True, size=12)
_BAND = PatternFill("solid", fgColor="E7EEF7")
_GOOD = PatternFill("solid", fgColor="C6EFCE")  # Excel's "good" green, for 受付可
_WRAP = Alignment(wrap_text=True, vertical="top")


def _add_findings_sheet(workbook: Workbook, report: Report, cells: dict[Finding, Location]) -> None:
    """The summary and the list of findings, as the last sheet, selected so the file opens on it."""
    sheet = workbook.create_sheet(_unique_title(workbook, FINDINGS_SHEET))
    source = report.source
    _put(sheet, 1, 1, TITLE, font=Font(bold=True, size=14))

    facts = [
        ("ファイル名", source.filename),
        ("申込の種類", kind_ja(source.kind)),
        ("シート", source.sheet),
        ("文字コード", encoding_ja(source.encoding) or None),
        ("データ件数", report.records),
        ("判定", verdict_ja(report.valid)),
        ("エラー", report.errors),
        ("警告", report.warnings),
        ("照合したデータ", registries_ja(source.registries) or None),
        ("SHA-256", source.sha256),
    ]
    row = 3
    for label, value in facts:
        if value is None:
            continue
        _put(sheet, row, 1, label, font=_BOLD)
        _put(sheet, row, 3, value)
        if label == "判定":
            sheet.cell(row, 3).font = Font(bold=True, size=12)
            sheet.cell(row, 3).fill = _GOOD if report.valid else FILLS[ERROR]
        row += 1
    if report.truncated:
        _put(
            sheet,
            row,
            1,
            f"指摘が多いため、一覧には最初の{report.limit:,}件だけを載せています"
            f"（全{sum(report.counts.values()):,}件。内訳はすべてを数えています）。",
            font=Font(bold=True, color="9C0006"),
        )
        row += 1

    row += 1
    _put(sheet, row, 1, "指摘の内訳", font=_HEADING)
    row += 1
    counts_row = row
    for column, text in enumerate(("区分", "内容", "コード", "件数"), start=2):
        _put(sheet, row, column, text, font=_BOLD, fill=_BAND)
    for count in count_rows(report):
        row += 1
        _put(sheet, row, 2, count["severity_ja"], fill=FILLS[count["severity"]])
        _put(sheet, row, 3, count["title_ja"], alignment=_WRAP)
        _put(sheet, row, 4, count["code"])
        _put(sheet, row, 5, count["count"])
    tables = [range(counts_row, row + 1)]
    if not report.counts:  # a sentence, not a value: it runs over the empty cells
        row += 1
        _put(sheet, row, 2, "指摘はありません。")

    row += 2
    _put(sheet, row, 1, "指摘の一覧", font=_HEADING)
    row += 1
    header_row = row
    for column, text in enumerate(_LIST_HEADERS, start=1):
        _put(sheet, row, column, text, font=_BOLD, fill=_BAND)
    for number, finding in enumerate(listed_findings(report), start=1):
        row += 1
        _finding_line(sheet, row, number, finding, cells.get(finding))
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(_LIST_HEADERS))}{max(row, header_row)}"
    tables.append(range(header_row, row + 1))
    if report.banks:
        tables.append(range(row + 3, _banks_lines(sheet, row + 2, report) + 1))

    _fit_columns(sheet, tables)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"

    for other in workbook.worksheets:  # one selected tab only, or Excel opens the sheets grouped
        other.sheet_view.tabSelected = other is sheet
    workbook.active = workbook.index(sheet)


def _fit_columns(sheet, tables: list[range]) -> None:
    """Each column as wide as the longest value in the tables' rows (headings included), capped."""
    longest: dict[str, int] = {}
    for rows in tables:
        for row in sheet.iter_rows(min_row=rows.start, max_row=rows.stop - 1):
            for cell in row:
                if cell.value is not None:
                    width = _display_width(str(cell.value))
                    longest[cell.column_letter] = max(longest.get(cell.column_letter, 0), width)
    for letter, width in longest.items():
        cap = None if letter in _NEVER_CUT else _WIDTH_CAPS.get(letter, _WIDTH_CAP)
        sheet.column_dimensions[letter].width = width + 2 if cap is None else min(width + 2, cap)


def _banks_lines(sheet, row: int, report: Report) -> int:
    """Every bank and branch the file names, with its name in the 全銀 list (or that it has none);
    returns the last row written."""
    _put(sheet, row, 1, "金融機関・支店（全銀協の金融機関コードと照合）", font=_HEADING)
    row += 1
    for column, text in enumerate(("金融機関コード", "金融機関名", "支店コード", "支店名", "件数"), start=2):
        _put(sheet, row, column, text, font=_BOLD, fill=_BAND)
    for bank in report.banks:
        row += 1
        fill = None if bank.branch_name else FILLS[WARNING]
        _put_verbatim(sheet.cell(row, 2), bank.bank_code)
        _put(sheet, row, 3, bank.bank_name or "一覧にない", fill=fill, alignment=_WRAP)
        _put_verbatim(sheet.cell(row, 4), bank.branch_code)
        _put(sheet, row, 5, bank.branch_name or "一覧にない", fill=fill, alignment=_WRAP)
        _put(sheet, row, 6, bank.rows)
    return row


def _finding_line(sheet, row: int, number: int, finding: Finding, location: Location | None) -> None:
    """One finding of the list; its セル links to the marked cell."""
    values = (
        number,
        severity_ja(finding.severity),
        finding.sheet,
        location[1] if location else None,
        finding.row,
        finding.column,
        finding.header,
        finding.value,
        finding.message_ja,
        finding.hint_ja,
        finding.code,
    )
    for column, value in enumerate(values, start=1):
        _put(sheet, row, column, value, alignment=_WRAP)
    sheet.cell(row, 2).fill = FILLS[finding.severity]
    if location:
        link = sheet.cell(row, 4)
        quoted = location[0].replace("'", "''")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{location[1]}")
        link.style = "Hyperlink"
        link.alignment = _WRAP


# ---------------------------------------------------------------------------------- writing cells


def _put(sheet, row: int, column: int, value, *, font=None, fill=None, alignment=None) -> None:
    """Write a value of ours into the findings sheet: text is defused, so it is never a formula."""
    cell = sheet.cell(row, column)
    cell.value = _storable(defuse_formula(value))
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment


def _put_verbatim(cell, text: str) -> None:
    """Write a clerk's CSV field exactly as read, as a text cell that Excel will never evaluate."""
    cell.value = _storable(text)
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True


def _storable(value):
    """Text without the control characters an xlsx cannot hold (each becomes �); others unchanged."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _display_width(text: str) -> int:
    """The display width of the text's widest line (wcwidth: a kanji two, a combining mark none);
    only its first 120 characters count, which is more than any column is wide."""
    return max((wcwidth.width(line[:120], control_codes="ignore") for line in text[:4000].splitlines()), default=0)


_BAD_TITLE_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(name: str) -> str:
    """A legal sheet name (no []:*?/\\, at most 31 characters, not blank)."""
    title = _storable(name).translate(_BAD_TITLE_CHARS).strip("'").strip()[:31]
    return title or "データ"


def _unique_title(workbook: Workbook, title: str) -> str:
    candidate, n = title, 2
    while candidate in workbook.sheetnames:
        candidate, n = f"{title} ({n})", n + 1
    return candidate


def _save_atomically(workbook: Workbook, out_path: Path) -> None:
    """Save under a temporary name in the same folder, then rename: never a half-written file."""
    handle, temporary = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.stem}.", suffix=out_path.suffix)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
