"""Reading a workbook (xlsx/xlsm): guards first, then fastexcel (calamine, in Rust), never running macros.

The sheet is chosen by name, by headers or by the kind asked for (samples and hidden sheets last);
the chosen sheet is scanned (:mod:`.scan`) and parsed; the table is built by :mod:`.table`.
"""

from __future__ import annotations

import io
import posixpath
import threading
import zipfile
from dataclasses import dataclass

from kyosai.japanese import fold
from schemas.batches import BatchKind, find_kind_by_sheet

from ..report import Source
from .failures import fail, fail_detail
from .guards import (
    check_prolog,
    check_shared_strings,
    check_zip,
    local_name,
    not_a_workbook,
    parse_xml,
    small_part,
    workbook_format,
)
from .limits import Limits
from .scan import Scan, scan_sheet
from .table import HEADER_ROWS, Table, build_table, locate_header

__all__ = ["read_workbook"]

# A sheet named like the template's sample sheet is taken only when nothing else matches.
_SAMPLE_WORDS = ("記入例", "見本", "サンプル", "sample", "example")


def read_workbook(
    data: bytes, want: BatchKind | None, source: Source, limits: Limits, *, parse_alongside: bool = False
) -> Table:
    """The table of a workbook's bytes. ``parse_alongside`` (the reading child only): a sheet larger
    than 8 MiB is parsed while it is scanned, on another core — calamine releases the GIL. A child
    may abandon a parse half-way (it exits right after answering); a small sheet, the usual crafted
    one, is scanned first, so that a cell far out is refused before the parser allocates its grid."""
    source.format = "xlsx"
    if data[:4] != b"PK\x03\x04":
        raise fail_detail("file-unsupported", source, "空または分割されたzipファイル", "an empty or split zip archive")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise fail_detail(
            "file-unreadable",
            source,
            "ファイルが途中で切れているか壊れています（zipの終わりが見つかりません）。もう一度保存してから送ってください",
            "the file is truncated or corrupt (no end of zip archive); save and send it again",
        ) from None
    with archive:
        members = check_zip(archive, source, limits)
        content_types = small_part(archive, members, "[Content_Types].xml", source)
        if content_types is None or "xl/workbook.xml" not in members:
            raise not_a_workbook(members, source)
        source.format = workbook_format(content_types, members)
        for info in members.values():
            if info.filename.lower().endswith((".xml", ".rels")):
                check_prolog(archive, info, source)
        sheets = _sheet_parts(archive, members, source)
        if "xl/sharedStrings.xml" in members:
            check_shared_strings(archive, members["xl/sharedStrings.xml"], source)
        return _read_sheets(data, archive, members, sheets, want, source, limits, parse_alongside)


@dataclass
class _SheetPart:
    name: str
    part: str | None  # the zip member of its XML
    hidden: bool
    chart: bool


def _sheet_parts(archive, members, source: Source) -> list[_SheetPart]:
    """The workbook's sheets in order, with the zip member of each sheet's XML."""
    workbook = parse_xml(small_part(archive, members, "xl/workbook.xml", source) or b"", source)
    rels_data = small_part(archive, members, "xl/_rels/workbook.xml.rels", source)
    targets: dict[str, tuple[str, str]] = {}
    if rels_data is not None:
        for rel in parse_xml(rels_data, source).iter():
            if local_name(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
                target = rel.get("Target")
                member = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[rel.get("Id")] = (member, rel.get("Type", ""))
    sheets = []
    for element in workbook.iter():
        if local_name(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if local_name(k) == "id"), None)
        part, typ = targets.get(rid or "") or (None, "")
        sheets.append(
            _SheetPart(
                element.get("name", ""),
                part if part in members else None,
                element.get("state", "visible") != "visible",
                not typ.endswith("/worksheet") and bool(typ),
            )
        )
    return sheets


def _is_sample(name: str) -> bool:
    folded = fold(name, spaces="keep", lower=True)
    return any(word in folded for word in _SAMPLE_WORDS)


def _candidates(sheets: list[_SheetPart], want: BatchKind | None) -> list[tuple[_SheetPart, BatchKind | None]]:
    """Worksheets in the order they are tried: named for the kind, then others, then samples, then
    sheets named for another kind than the one asked for; hidden sheets after visible ones."""
    ordered = []
    for sheet in sheets:
        if sheet.chart:
            continue
        named = find_kind_by_sheet(sheet.name)
        if want is not None and named is not None and named is not want:
            rank = 3
        else:
            rank = 0 if named is not None else (2 if _is_sample(sheet.name) else 1)
        ordered.append(((sheet.hidden, rank), sheet, named))
    ordered.sort(key=lambda t: t[0])  # stable: workbook order within a rank
    return [(sheet, named) for _, sheet, named in ordered]


def _read_sheets(data: bytes, archive, members, sheets, want, source, limits, parse_alongside: bool) -> Table:
    import fastexcel

    candidates = _candidates(sheets, want)
    if not candidates:
        if any(not s.chart for s in sheets):
            raise fail("unknown-kind", source)
        raise fail("file-empty", source)
    # the very bytes that were checked, not the path again
    workbook = fastexcel.read_excel(data)
    no_header: str | None = None
    for sheet, named in candidates:
        kind = want or named
        info = members[sheet.part] if sheet.part else None
        if info is not None and parse_alongside and info.file_size > _SCAN_ALONGSIDE_BYTES:
            # the parser releases the GIL: it parses while the scan runs, on another core. Should
            # the scan refuse the sheet, the child answers and exits, parse and all.
            parsing = _Parsing(workbook, sheet.name)
            scan = scan_sheet(data, archive, info, source, limits, sheet.name)
            grid = parsing.grid()
        else:
            scan = scan_sheet(data, archive, info, source, limits, sheet.name) if info is not None else Scan()
            grid = _grid(workbook, sheet.name)
        found = locate_header(grid.head(HEADER_ROWS).rows(), kind) if grid.width else None
        if found is None:
            if kind is not None and no_header is None:
                no_header = sheet.name
            continue
        kind, header_index = found
        source.sheet, source.kind = sheet.name, kind.name
        return build_table(
            kind, source, sheet.name, grid, header_index, None, limits, scan, first_column=scan.first_column
        )
    if no_header is not None:
        source.sheet = no_header
        raise fail("no-header-row", source, sheet=no_header)
    raise fail("unknown-kind", source)


def _grid(workbook, name: str):
    """A sheet as a frame of text from its first row (A1's row: the empty rows above are kept, so
    that row ``i`` is Excel row ``i + 1``); its first column is the leftmost that holds a value
    (:attr:`.scan.Scan.first_column`)."""
    return workbook.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()


_SCAN_ALONGSIDE_BYTES = 8 * 1024 * 1024  # a sheet this large is parsed while scanned (parse_alongside)


class _Parsing:
    """The parser reading one sheet in a thread."""

    def __init__(self, workbook, name: str):
        self._grid = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(workbook, name), daemon=True, name="kyosai-parse")
        self._thread.start()

    def _run(self, workbook, name):
        try:
            self._grid = _grid(workbook, name)
        except BaseException as error:  # noqa: BLE001 - raised again in the reading thread
            self._error = error

    def grid(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._grid
