"""What one file may cost (:class:`Limits`): the defaults suit headquarters' service and command line."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one file may cost. The defaults suit headquarters' service and command line."""

    max_bytes: int = 32 * 1024 * 1024        # upload size (a 100k-row UTF-8 CSV is ~22 MB)
    max_rows: int = 100_000                    # records
    max_columns: int = 200
    max_uncompressed: int = 300 * 1024 * 1024  # sum of declared zip member sizes
    max_ratio: int = 200                       # per-member uncompressed/compressed (members over 1 MiB)
    max_members: int = 2000
    max_cell_chars: int = 32_767
    memory_mb: int = 1024                      # child process address-space cap
    seconds: int = 120                         # child process time limit
    max_cells: int = 6_000_000                 # a sheet's grid (last row × last column) as the parser holds it
