"""Reading an untrusted batch file (受付ファイルの読込): xlsx/xlsm and CSV, safely and fast.

:func:`read_batch` turns an agency's file into a :class:`Table`: the batch kind, the header row,
where each column is (letter and header as written) and the non-blank rows as a polars frame of
text with their real Excel row numbers, plus the findings met while reading (header problems, Excel
error values, formulas). A file that cannot be read at all raises :class:`ReadFailure`, which carries one
file-level finding.

What it does, in order (the batch format of ``schemas/batches.py``):

1. **Size and content.** The format comes from the bytes, never from the name: a zip is an
   xlsx/xlsm workbook (``[Content_Types].xml`` and ``xl/workbook.xml`` must be there), an OLE2
   container is an old ``.xls`` or a password-protected workbook, anything else is tried as CSV.
2. **Before parsing a workbook** the zip's central directory is checked against :class:`Limits`
   (member count, declared sizes, compression ratio), every XML part's prolog is checked for a
   DOCTYPE/ENTITY declaration (entity expansion, external entities), the shared strings' declared
   count is checked, and the chosen sheet's XML is scanned once for cells far out (a cell at
   XFD1048576 makes the parser allocate the whole grid — calamine#693), Excel error cells (``#N/A``:
   the fast parser drops them), formulas and where the grid starts (its leftmost column with a
   value). The scan inflates the sheet from the file's own bytes and refuses one that inflates
   past its declared size (the parser would read on). Our own XML parsing goes through ``defusedxml``.
3. **Parsing**: fastexcel (calamine, in Rust) for workbooks, every cell as the text the sheet shows
   (a number ``9`` as ``"9"``, a date cell as ``"2024-12-02"``, TRUE as ``"true"``), never running
   macros; the ``csv`` module for CSV, decoded as UTF-8 with BOM, UTF-8 or CP932 (strictly, in
   that order).
4. **The table**: the sheet (by name, by headers or the kind given), the header row (first 10 rows),
   the columns (after NFKC/trim), the records; every cell text, so codes keep their leading zeros.

A crafted file can still crash the native parser; :func:`read_batch_isolated` runs the same read in
a memory- and time-capped child process (:mod:`validator.sandbox`) so that it costs a child, not
the service or the command line.

One job per module:

- :mod:`.sniff` — the format from the bytes, and :func:`read_batch`, the entry;
- :mod:`.guards` — the zip and XML guards of a workbook;
- :mod:`.workbook` — choosing the sheet and parsing it (fastexcel);
- :mod:`.scan` — the sheet scan (cells far out, error cells, formulas);
- :mod:`.delimited` — CSV decoding and rows;
- :mod:`.table` — the header row, the columns and the records (:class:`Table`);
- :mod:`.child` — the capped child process and what it sends;
- :mod:`.failures` and :mod:`.limits` — why a file cannot be read, and what one file may cost.

What the service answers a :class:`ReadFailure` with (the HTTP status) lives in the service
(:data:`validator.service.errors.READ_FAILURE_STATUS`); the command line exits 2.

>>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
('A', 'Z', 'AA', 'XFD')
"""

from .child import Reading, read_batch_isolated, start_reading
from .failures import ReadFailure
from .limits import Limits
from .sniff import read_batch
from .table import EXCEL_ERRORS, Record, Table, column_letter

__all__ = [
    "Limits",
    "Record",
    "Table",
    "ReadFailure",
    "read_batch",
    "read_batch_isolated",
    "start_reading",
    "Reading",
    "column_letter",
    "EXCEL_ERRORS",
]
