"""Reading in a capped child process (:func:`start_reading`, :func:`read_batch_isolated`).

A crafted file can still crash the native parser: the same read runs in a memory- and time-capped
child (:mod:`validator.sandbox`), so that it costs a child, not the service or the command line.
Meanwhile the caller loads what checking needs (:func:`validator.check.validate_file`); the child
answers with the table, its text frame in Arrow's IPC format.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import tempfile
from array import array
from dataclasses import dataclass
from typing import Any

from schemas.batches import KINDS

from ..report import Source
from .failures import ReadFailure, fail_detail
from .limits import Limits
from .sniff import read_table, want_kind
from .table import Table

__all__ = ["read_packed", "start_reading", "read_batch_isolated", "Reading", "WARM"]

# What the reading child imports after the fork and before its memory is capped (the cap, Limits.memory_mb,
# is what the read may add): the parser and polars.
WARM = ("fastexcel", "polars")


def read_packed(path: str, kind: str | None, filename: str | None, limits: Limits, frame_path: str) -> tuple:
    """In the child: read, write the table's frame of text to ``frame_path`` in Arrow's IPC format,
    and answer with the rest, pickled. The frame goes by file, not by the pipe: no Python object
    per cell on either side, and no copy of it in a pickle (in the child's memory, and the
    caller's, at the moment both hold the most)."""
    gc.disable()  # the child exits right after; nothing to collect
    table = read_table(path, want_kind(kind), filename, limits, parse_alongside=True)
    table.frame.write_ipc(frame_path, compression="uncompressed")
    return (
        table.kind.name,
        table.source,
        table.header_row,
        table.columns,
        array("q", table.rows).tobytes(),
        table.findings,
    )


def _unpack(packed: tuple, frame_path: str) -> Table:
    import polars as pl

    kind_name, source, header_row, columns, numbers, findings = packed
    rows = array("q")
    rows.frombytes(numbers)
    frame = pl.read_ipc(frame_path)
    return Table(KINDS[kind_name], source, header_row, columns, rows.tolist(), frame, findings)


def child_failure(failure, path: str, filename: str | None, limits: Limits) -> ReadFailure:
    """What a child that failed (:class:`validator.sandbox.ChildFailure`) means for the file: a crash
    is file-unreadable, running out of memory or time is file-too-large."""
    from .. import sandbox

    source = _failure_source(path, filename)
    if failure.reason == sandbox.CRASHED:
        how = (
            sandbox.signal_name(failure.signal)
            if failure.signal
            else f"終了コード {failure.exitcode}"
            if failure.exitcode is not None
            else "結果なし"
        )
        return fail_detail(
            "file-unreadable",
            source,
            f"読み込み中に処理が異常終了しました（{how}）。ファイルが壊れているか、不正な構造の可能性があります。"
            "Excelで開いて保存し直してください",
            f"reading crashed: {failure.detail_en.rstrip('.')}; the file is broken or crafted",
        )
    if failure.reason == sandbox.MEMORY:
        ja = (
            f"読み込みに{limits.memory_mb:,}MBを超えるメモリが必要です。"
            "ファイルを分割するか、不要な行・列を削除してください"
        )
    else:
        ja = f"読み込みが{limits.seconds}秒以内に終わりません。ファイルを分割するか、不要な行・列を削除してください"
    return fail_detail("file-too-large", source, ja, failure.detail_en.rstrip("."))


def _failure_source(path: str, filename: str | None) -> Source:
    source = Source(filename=filename or os.path.basename(path), sha256="", size=0)
    with contextlib.suppress(OSError):  # what is known of a file that is gone: its name
        source.size = os.stat(path).st_size
        if source.size <= 256 * 1024 * 1024:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            source.sha256 = digest.hexdigest()
    return source


def read_batch_isolated(
    path, kind: str | None = None, *, filename: str | None = None, limits: Limits = Limits()
) -> Table:
    """:func:`read_batch` in a child process capped at ``limits.memory_mb`` and ``limits.seconds``.

    A child that crashes (a native abort), runs out of memory or time raises :class:`ReadFailure`
    here — file-too-large (413) for memory and time, file-unreadable (400) for a crash — and the
    caller carries on.

    As with any program that starts processes by forkserver or spawn, the caller's main script must
    not start work when it is imported: keep it under ``if __name__ == "__main__":`` (the
    ``kyosai`` command, gunicorn and pytest are fine).
    """
    return start_reading(path, kind, filename=filename, limits=limits).table()


def start_reading(path, kind: str | None = None, *, filename: str | None = None, limits: Limits = Limits()) -> Reading:
    """Start :func:`read_batch_isolated` and return at once: :meth:`Reading.table` waits for the
    table (the caller prepares its checks meanwhile)."""
    from .. import sandbox

    want = want_kind(kind)
    path = os.fspath(path)
    fd, frame_path = tempfile.mkstemp(prefix="kyosai-frame-", suffix=".arrow")
    os.close(fd)
    try:
        child = sandbox.start(
            read_packed,
            path,
            want.name if want else None,
            filename,
            limits,
            frame_path,
            memory_mb=limits.memory_mb,
            seconds=limits.seconds,
            warm=WARM,
        )
    except BaseException:
        os.unlink(frame_path)
        raise
    return Reading(child, path, filename, limits, frame_path)


@dataclass
class Reading:
    """A file being read in its child process (:func:`start_reading`)."""

    child: Any
    path: str
    filename: str | None
    limits: Limits
    frame_path: str  # where the child writes the frame; removed once read, or abandoned

    def table(self) -> Table:
        """The table; raises :class:`ReadFailure` as :func:`read_batch_isolated` does."""
        from .. import sandbox

        try:
            return _unpack(self.child.result(), self.frame_path)
        except sandbox.ChildFailure as failure:
            raise self._failure(failure) from None
        finally:
            self._remove_frame()

    def _failure(self, failure) -> ReadFailure:
        return child_failure(failure, self.path, self.filename, self.limits)

    def cancel(self) -> None:
        """Abandon the reading (the caller was interrupted): the child is killed."""
        self.child.kill()
        self._remove_frame()

    def _remove_frame(self) -> None:
        with contextlib.suppress(OSError):  # removed already
            os.unlink(self.frame_path)
