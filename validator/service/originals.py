"""The files agencies send, as headquarters gets them back (原本): named by what they are, and whether
a workbook holds macros.

- **Names.** The extension a clerk typed says nothing: an xlsx renamed ``clean.txt`` or a CSV saved as
  ``提出.html`` is read by its bytes (:mod:`validator.reading` finds xlsx, xlsm or csv). A download
  is named by the uploaded stem and that format — ``clean.xlsx``, ``提出.csv`` — in both the ASCII
  and the RFC 5987 filename, so Excel and the browser open it as what it is.
- **Macros.** A workbook holds macros when it carries a VBA project or Excel 4.0 macro (or dialog)
  sheets — the parts Excel runs code from. :func:`holds_macros` looks at the zip's member names and
  ``[Content_Types].xml`` (the reading child has already checked the archive). The service refuses
  to have such a workbook handed in unless ``ALLOW_MACROS`` is on (docs/service.md, "Macros").
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["MEDIA_TYPES", "download_name", "media_type", "holds_macros"]

XLSM_MEDIA_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": XLSM_MEDIA_TYPE,
    "csv": "text/csv",
}
# The CSV encodings the reader accepts, as IANA names a Content-Type carries
_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp932": "Windows-31J"}
# VBA project, Excel 4.0 macro sheets (also their international form) and Excel 5 dialog sheets
_MACRO_CONTENT_TYPES = (
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-excel.macrosheet",
    "application/vnd.ms-excel.intlmacrosheet",
    "application/vnd.ms-excel.dialogsheet",
)
_MACRO_FOLDERS = ("xl/macrosheets/", "xl/dialogsheets/")


def download_name(filename: str, source_format: str | None) -> str:
    """The uploaded name's stem with the extension of the format found in the bytes.

    >>> download_name("clean.txt", "xlsx"), download_name("提出.html", "csv"), download_name("申込", "xlsm")
    ('clean.xlsx', '提出.csv', '申込.xlsm')
    >>> download_name("a.b.xlsx", "xlsx"), download_name("", "csv")
    ('a.b.xlsx', 'upload.csv')
    """
    stem = PurePosixPath(filename).stem if filename else ""
    return f"{stem or 'upload'}.{source_format or 'xlsx'}"


def media_type(source_format: str | None, encoding: str | None = None) -> str:
    """The Content-Type of an original file: a CSV with the charset it was read in (one charset only).

    >>> media_type("csv", "cp932"), media_type("csv", "utf-8-sig"), media_type("xlsm")
    ('text/csv; charset=Windows-31J', 'text/csv; charset=utf-8', 'application/vnd.ms-excel.sheet.macroEnabled.12')
    """
    base = MEDIA_TYPES.get(source_format or "", "application/octet-stream")
    charset = _CHARSETS.get(encoding or "") if source_format == "csv" else None
    return f"{base}; charset={charset}" if charset else base


def holds_macros(path: Path, source_format: str | None) -> bool:
    """Whether the stored workbook at ``path`` carries code Excel could run (CSV never does)."""
    if source_format not in ("xlsx", "xlsm"):
        return False
    with zipfile.ZipFile(path) as archive:
        # part names are case-insensitive in a workbook (Open Packaging Conventions)
        names = [name.lower() for name in archive.namelist()]
        if any(name == "xl/vbaproject.bin" or name.startswith(_MACRO_FOLDERS) for name in names):
            return True
        try:
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace").lower()
        except KeyError:
            return False
    return any(kind in content_types for kind in _MACRO_CONTENT_TYPES)
