"""Reading in a capped child process (:func:`start_reading`, :func:`read_batch_isolated`).

A crafted file can still crash the native parser: the same read runs in a memory- and time-capped
child (:mod:`validator.sandbox`), so that it costs a child, not the service or the command line. The
child sends the table in parts — its head, then each column as soon as it is made — so that the
caller reads one column's cells while the next is made.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import hashlib
import io
import os
import pickle
from array import array
from dataclasses import dataclass
from typing import Any, Callable

from schemas.batches import KINDS, Value

from ..report import Source
from .failures import ReadFailure, fail_detail, guarded
from .limits import Limits
from .sniff import read_table, want_kind
from .table import Columns, Table

__all__ = ["read_packed", "start_reading", "read_batch_isolated", "Reading"]


def read_packed(path: str, kind: str | None, filename: str | None, limits: Limits):
    """In the child: read, then send the table in parts (a generator, see :func:`sandbox.start`):
    first its head (kind, source, columns, row numbers, header findings), then each column as soon
    as it is made, with its cells' findings, so that the caller reads one column's cells while the
    next is made here.

    multiprocessing's own pickling memoizes every object (~1 s for 100k rows × 22 cells) and
    rebuilds each date through its constructor (~1 µs each); a column is sent as a plain list
    pickled in "fast" mode, its dates as ordinals.
    """
    gc.disable()                          # the child exits right after; nothing to collect
    table = read_table(path, want_kind(kind), filename, limits, parse_alongside=True)
    aliases = tuple(table.values)
    yield ("head", table.kind.name, table.source, table.header_row, table.columns, aliases,
           array("q", table.rows).tobytes(), table.findings)
    pending = getattr(table.values, "findings", [])
    for alias in aliases:
        with guarded(table.source):
            column = table.values[alias]
        found, pending[:] = list(pending), []
        yield ("column", alias, _pack_column(table.kind.column(alias).value, column), found)
    return None


def _pack_column(value: Value, column: list) -> bytes:
    spots = array("q")
    if value in (Value.DATE, Value.MONTH):
        date = _dt.date
        spots.extend(i for i, v in enumerate(column) if type(v) is date)
        if spots:
            column = list(column)
            for i in spots:
                column[i] = column[i].toordinal()
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True                   # no memo: nothing here refers to itself
    pickler.dump((column, spots))
    return buffer.getvalue()


def _unpack_column(data: bytes) -> list:
    collecting = gc.isenabled()
    gc.disable()
    try:
        column, spots = pickle.loads(data)
        fromordinal = _dt.date.fromordinal
        for i in spots:
            column[i] = fromordinal(column[i])
        return column
    finally:
        if collecting:
            gc.enable()


class _Arriving(Columns):
    """Columns arriving from the reading child, in the kind's order (the order the checks read
    them in): a column not there yet is waited for."""

    def __init__(self, aliases, parts, failure: Callable[[Exception], Exception]):
        super().__init__(aliases)
        self._parts, self._failure = parts, failure

    def _fetch(self, alias: str) -> None:
        while alias not in self._got:
            part = self._next()
            if part is None:
                raise RuntimeError("the reading child ended before sending every column")
            _, got, data, found = part
            self._got[got] = _unpack_column(data)
            self.findings.extend(found)

    def _next(self):
        """The child's next part; None when it has finished without trouble."""
        from .. import sandbox

        try:
            return next(self._parts)
        except StopIteration:
            return None
        except sandbox.ChildFailure as failure:
            raise self._failure(failure) from None

    def _done(self) -> None:
        if self._next() is not None:      # the child's last word: it finished without trouble
            raise RuntimeError("the reading child sent more than the table")


def child_failure(failure, path: str, filename: str | None, limits: Limits) -> ReadFailure:
    """What a child that failed (:class:`validator.sandbox.ChildFailure`) means for the file: a crash
    is file-unreadable, running out of memory or time is file-too-large."""
    from .. import sandbox

    source = _failure_source(path, filename)
    if failure.reason == sandbox.CRASHED:
        how = (sandbox.signal_name(failure.signal) if failure.signal
               else f"終了コード {failure.exitcode}" if failure.exitcode is not None else "結果なし")
        return fail_detail("file-unreadable", source,
                           f"読み込み中に処理が異常終了しました（{how}）。ファイルが壊れているか、不正な構造の可能性があります。"
                           "Excelで開いて保存し直してください",
                           f"reading crashed: {failure.detail_en.rstrip('.')}; the file is broken or crafted")
    if failure.reason == sandbox.MEMORY:
        ja = f"読み込みに{limits.memory_mb:,}MBを超えるメモリが必要です。ファイルを分割するか、不要な行・列を削除してください"
    else:
        ja = f"読み込みが{limits.seconds}秒以内に終わりません。ファイルを分割するか、不要な行・列を削除してください"
    return fail_detail("file-too-large", source, ja, failure.detail_en.rstrip("."))


def _failure_source(path: str, filename: str | None) -> Source:
    source = Source(filename=filename or os.path.basename(path), sha256="", size=0)
    with contextlib.suppress(OSError):        # what is known of a file that is gone: its name
        source.size = os.stat(path).st_size
        if source.size <= 256 * 1024 * 1024:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            source.sha256 = digest.hexdigest()
    return source


def read_batch_isolated(path, kind: str | None = None, *, filename: str | None = None,
                        limits: Limits = Limits()) -> Table:
    """:func:`read_batch` in a child process capped at ``limits.memory_mb`` and ``limits.seconds``.

    A child that crashes (a native abort), runs out of memory or time raises :class:`ReadFailure`
    here — file-too-large (413) for memory and time, file-unreadable (400) for a crash — and the
    caller carries on.

    As with any program that starts processes by forkserver or spawn, the caller's main script must
    not start work when it is imported: keep it under ``if __name__ == "__main__":`` (the
    ``kyosai`` command, gunicorn and pytest are fine).
    """
    return start_reading(path, kind, filename=filename, limits=limits).table().complete()


def start_reading(path, kind: str | None = None, *, filename: str | None = None,
                  limits: Limits = Limits()) -> Reading:
    """Start :func:`read_batch_isolated` and return at once: :meth:`Reading.table` waits for the
    table's head and gives a table whose columns arrive while the caller reads the first ones
    (a ReadFailure may then still come from a column: ``Table.complete`` waits for them all)."""
    from .. import sandbox

    want = want_kind(kind)
    path = os.fspath(path)
    child = sandbox.start(read_packed, path, want.name if want else None, filename, limits,
                          memory_mb=limits.memory_mb, seconds=limits.seconds)
    return Reading(child, path, filename, limits)


@dataclass
class Reading:
    """A file being read in its child process (:func:`start_reading`)."""

    child: Any
    path: str
    filename: str | None
    limits: Limits

    def table(self) -> Table:
        """The table, its columns still arriving; raises :class:`ReadFailure` as
        :func:`read_batch_isolated` does."""
        from .. import sandbox

        parts = self.child.stream()
        try:
            head = next(parts)
        except StopIteration:
            raise RuntimeError("the reading child ended without sending the table") from None
        except sandbox.ChildFailure as failure:
            raise self._failure(failure) from None
        _, kind_name, source, header_row, columns, aliases, numbers, findings = head
        rows = array("q")
        rows.frombytes(numbers)
        return Table(KINDS[kind_name], source, header_row, columns, rows.tolist(),
                     _Arriving(aliases, parts, self._failure), findings)

    def _failure(self, failure) -> ReadFailure:
        return child_failure(failure, self.path, self.filename, self.limits)

    def cancel(self) -> None:
        """Abandon the reading (the caller was interrupted): the child is killed."""
        self.child.kill()
