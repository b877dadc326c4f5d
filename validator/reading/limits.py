"""What one file may cost (:class:`Limits`): the defaults suit headquarters' service and command line."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one file may cost. The defaults suit headquarters' service and command line."""

    max_bytes: int = 96 * 1024 * 1024  # upload size (a 300k-row UTF-8 CSV is ~70 MB, an xlsx ~40 MB)
    max_rows: int = 300_000  # records: what the reading child holds in memory_mb (bench/RESULTS.md)
    max_columns: int = 200
    max_uncompressed: int = 768 * 1024 * 1024  # sum of declared zip member sizes (a 300k-row workbook: ~335 MB)
    max_ratio: int = 200  # per-member uncompressed/compressed (members over 1 MiB)
    max_members: int = 2000
    max_cell_chars: int = 32_767
    memory_mb: int = 1024  # the reading child's resident memory (watched: validator.sandbox)
    seconds: int = 120  # child process time limit
    max_cells: int = 12_000_000  # a sheet's grid (last row × last column) as the parser holds it
