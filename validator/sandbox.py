"""Run one function in a memory- and time-capped child process (隔離実行).

Parsing an untrusted file can crash the parser itself: a native library may abort the whole process
on a crafted 2 KB workbook (calamine#693), or allocate without bound. :func:`run` calls a function
in a child process so that such a file costs a child, never the caller (the CLI, a service worker):

- the child is forked from a *forkserver* (POSIX; ``spawn`` elsewhere), so the caller's threads,
  sockets and locks are not inherited and the modules are imported once, not per call; a caller
  that is single-threaded, small and has not loaded polars (the ``kyosai validate`` command) forks
  its child directly, which saves starting the forkserver (~0.3 s);
- the modules the work needs (``warm``: polars, fastexcel) are imported in the child after the
  fork — never before, since a copy of a process whose polars threads ran deadlocks;
- its memory is watched by the caller, which kills it once its resident memory passes
  ``memory_mb`` (checked every 20 ms). An address-space cap alone does not fit polars: its
  allocator and threads reserve far more address space than they use (~400 MB on import), and
  under a tight ``RLIMIT_AS`` it fails with odd errors rather than ``MemoryError``. The address space
  is still capped, at what the child has plus ``_BACKSTOP`` × ``memory_mb``, so that no single
  reservation runs away between two checks; CPU time with ``RLIMIT_CPU``; core dumps are off; the
  caller waits at most ``seconds`` of wall time and kills it after that;
- what the child writes to standard error (a native abort's "memory allocation of … failed") is
  captured, not mixed into the caller's output;
- the result, or the exception the function raised, comes back pickled; a child that dies, runs out
  of memory or time raises :class:`ChildFailure` in the caller instead.

Windows has neither forkserver nor rlimits: there the child is spawned and only the time limit holds.

>>> run(pow, 2, 10, memory_mb=512, seconds=30)
1024
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal as _signal
import sys
import tempfile
import threading
import time
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

    _Context = ForkContext | ForkServerContext | SpawnContext

__all__ = ["ChildFailure", "Running", "run", "start", "signal_name", "TIMEOUT", "MEMORY", "CRASHED"]

TIMEOUT, MEMORY, CRASHED = "timeout", "memory", "crashed"

# Modules the forkserver imports once so that each child starts warm.
PRELOAD = ["validator.reading"]

_STDERR_KEEP = 4096
_context_lock = threading.Lock()
_context: _Context | None = None


class ChildFailure(Exception):
    """The child did not return: it ran out of time (``timeout``) or memory (``memory``), or died
    (``crashed``, with the signal number or exit code)."""

    def __init__(
        self,
        reason: str,
        detail_ja: str,
        detail_en: str,
        *,
        signal: int | None = None,
        exitcode: int | None = None,
        stderr: str = "",
    ):
        super().__init__(f"{detail_ja} / {detail_en}")
        self.reason = reason
        self.detail_ja = detail_ja
        self.detail_en = detail_en
        self.signal = signal
        self.exitcode = exitcode
        self.stderr = stderr

    def __reduce__(self):
        return (
            _rebuild_failure,
            (self.reason, self.detail_ja, self.detail_en, self.signal, self.exitcode, self.stderr),
        )


def _rebuild_failure(reason, detail_ja, detail_en, signal, exitcode, stderr):
    return ChildFailure(reason, detail_ja, detail_en, signal=signal, exitcode=exitcode, stderr=stderr)


# A caller with one thread (``kyosai validate``) forks its children directly: no forkserver to start
# and preload first (~0.3 s), nothing of other threads (locks, sockets in use) to inherit. A threaded
# caller (the service's workers) keeps the forkserver, and so does a process already large: a forked
# child inherits its address space, which counts against the child's memory cap.
_FORK_MAX_ADDRESS_SPACE = 256 * 1024 * 1024


def _address_space() -> int | None:
    """This process's virtual memory in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _resident(pid: int | None) -> int | None:
    """A process's resident memory in bytes (Linux), or None."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _may_fork() -> bool:
    # polars runs threads of its own that threading does not count: once it is loaded, no direct fork
    if not (hasattr(os, "fork") and threading.active_count() == 1 and "polars" not in sys.modules):
        return False
    size = _address_space()
    return size is not None and size <= _FORK_MAX_ADDRESS_SPACE


def _get_context() -> _Context:
    global _context
    if _may_fork():
        return multiprocessing.get_context("fork")
    with _context_lock:
        if _context is None:
            ctx: _Context
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                # '__main__' as multiprocessing does by default, so that a child need not import
                # the caller's main module again; then the modules the children need.
                ctx.set_forkserver_preload(["__main__", *PRELOAD])
            else:  # pragma: no cover - Windows
                ctx = multiprocessing.get_context("spawn")
            _context = ctx
        return _context


_BACKSTOP = 8  # the address-space cap, in multiples of memory_mb (see the module doc)
_WATCH_SECONDS = 0.02  # how often the caller looks at a child's resident memory


def _limit(memory_mb: int, seconds: int) -> None:
    """Cap the address space at what the child has now plus ``_BACKSTOP`` × ``memory_mb``, and the CPU time."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    cap = (_address_space() or 0) + _BACKSTOP * int(memory_mb) * 1024 * 1024
    for name, value in (("RLIMIT_AS", cap), ("RLIMIT_CORE", 0), ("RLIMIT_CPU", int(seconds) + 2)):
        limit = getattr(resource, name, None)
        if limit is None:  # pragma: no cover
            continue
        with contextlib.suppress(ValueError, OSError):  # a lower hard limit is already in force
            soft, hard = resource.getrlimit(limit)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(limit, (value, hard))


def _child(conn, stderr_path, memory_mb, seconds, warm, fn, args, kwargs):
    """The child's main: load, cap, call, send ("ok", result) or ("raised", exception) or ("memory", None)."""
    if stderr_path:
        with contextlib.suppress(OSError):  # standard error stays as it was
            fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND)
            os.dup2(fd, 2)
            os.close(fd)
    for module in warm:
        importlib.import_module(module)
    _limit(memory_mb, seconds)
    outcome: tuple[str, Any] | None
    try:
        result = fn(*args, **kwargs)
        if isinstance(result, types.GeneratorType):  # parts sent as they come (Running.stream)
            while True:
                try:
                    part = next(result)
                except StopIteration as stop:
                    result = stop.value
                    break
                conn.send(("part", part))
        outcome = ("ok", result)
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:  # noqa: BLE001 - anything, even a native panic, goes back
        outcome = ("raised", error)
    del fn, args, kwargs
    try:
        conn.send(outcome)
    except MemoryError:
        outcome = None
        conn.send(("memory", None))
    except Exception as error:  # noqa: BLE001 - the result or exception does not pickle
        conn.send(("unpicklable", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def _read_stderr(path: str | None) -> str:
    if not path:
        return ""
    try:
        with open(path, "rb") as f:
            return f.read(_STDERR_KEEP).decode("utf-8", "replace")
    except OSError:  # pragma: no cover
        return ""


def signal_name(number: int) -> str:
    """SIGABRT for 6."""
    try:
        return _signal.Signals(number).name
    except ValueError:
        return str(number)


def run(fn, /, *args, memory_mb: int = 1024, seconds: float = 120, warm: tuple[str, ...] = (), **kwargs):
    """``fn(*args, **kwargs)`` in a capped child; its result, or the exception it raised.

    ``fn``, the arguments, the result and the exception must pickle (``fn`` by reference: a
    module-level function). Raises :class:`ChildFailure` when the child runs out of time or memory
    or dies. ``warm``: modules imported in the child before its memory is capped.
    """
    return start(fn, *args, memory_mb=memory_mb, seconds=seconds, warm=warm, **kwargs).result()


def start(fn, /, *args, memory_mb: int = 1024, seconds: float = 120, warm: tuple[str, ...] = (), **kwargs) -> Running:
    """Start ``fn(*args, **kwargs)`` in a capped child and return at once: the caller works on
    meanwhile (on another core) and then asks :meth:`Running.result`, or, when ``fn`` is a
    generator function, takes its parts as they come from :meth:`Running.stream`. Same rules as
    :func:`run`."""
    return Running(fn, args, kwargs, memory_mb, seconds, warm)


class Running:
    """A child started by :func:`start`: :meth:`result` waits for it, :meth:`kill` abandons it."""

    def __init__(self, fn, args, kwargs, memory_mb: int, seconds: float, warm: tuple[str, ...] = ()):
        ctx = _get_context()
        self.memory_mb, self.seconds = memory_mb, seconds
        self.receiver, sender = ctx.Pipe(duplex=False)
        fd, self.stderr_path = tempfile.mkstemp(prefix="kyosai-child-", suffix=".stderr")
        os.close(fd)
        self.process = ctx.Process(
            target=_child,
            args=(sender, self.stderr_path, memory_mb, seconds, warm, fn, args, kwargs),
            daemon=True,
            name="kyosai-sandbox",
        )
        try:
            self.process.start()
        except BaseException:
            self.kill()
            raise
        finally:
            sender.close()
        self.deadline = time.monotonic() + seconds

    def result(self):
        """The child's result, or the exception it raised, or :class:`ChildFailure` (the parts of a
        generator function, if any, are passed over)."""
        parts = self.stream()
        while True:
            try:
                next(parts)
            except StopIteration as stop:
                return stop.value

    def stream(self):
        """A generator of the parts a generator function yields in the child, as they come; it
        returns the function's return value (``StopIteration.value``). The time limit covers all."""
        process, seconds, memory_mb = self.process, self.seconds, self.memory_mb
        try:
            while True:
                outcome = None
                try:
                    ready = self.receiver.poll(min(_WATCH_SECONDS, max(0.0, self.deadline - time.monotonic())))
                    if not ready and process.is_alive() and time.monotonic() < self.deadline:
                        if (_resident(process.pid) or 0) > memory_mb * 1024 * 1024:  # the watchdog
                            raise ChildFailure(
                                MEMORY,
                                f"処理に必要なメモリが上限（{memory_mb}MB）を超えました。",
                                f"Processing needed more memory than the limit of {memory_mb} MB.",
                                stderr=_read_stderr(self.stderr_path),
                            )
                        continue
                    if ready or self.receiver.poll(0):  # a child that answered and left at once
                        outcome = self.receiver.recv()
                except ChildFailure:
                    raise
                except (EOFError, OSError):
                    outcome = None
                except MemoryError:  # the caller itself cannot hold the result
                    raise ChildFailure(
                        MEMORY, "結果が大きすぎてメモリに収まりません。", "The result does not fit in memory."
                    ) from None
                except Exception as error:  # noqa: BLE001 - the result does not unpickle here
                    outcome = ("unpicklable", f"{type(error).__name__}: {error}")
                if outcome is None and process.is_alive() and time.monotonic() >= self.deadline:
                    raise ChildFailure(
                        TIMEOUT,
                        f"処理が制限時間（{seconds:g}秒）内に終わりませんでした。",
                        f"Processing did not finish within {seconds:g} seconds.",
                        stderr=_read_stderr(self.stderr_path),
                    )
                if outcome is not None and outcome[0] == "part":
                    yield outcome[1]
                    continue
                process.join(5)
                if outcome is None:
                    return _died(process.exitcode, _read_stderr(self.stderr_path))
                status, value = outcome
                if status == "ok":
                    return value
                if status == "raised":
                    raise value
                if status == "memory":
                    raise ChildFailure(
                        MEMORY,
                        f"処理に必要なメモリが上限（{memory_mb}MB）を超えました。",
                        f"Processing needed more memory than the limit of {memory_mb} MB.",
                        stderr=_read_stderr(self.stderr_path),
                    )
                raise ChildFailure(
                    CRASHED,
                    f"子プロセスの結果を受け取れません（{value}）。",
                    f"The child's result cannot be received ({value}).",
                )
        finally:
            self.kill()

    def kill(self) -> None:
        """End the child if it still runs (a timeout, an interrupted caller, a result already sent
        by a child that does not exit) and clean up."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.receiver.close()
        with contextlib.suppress(OSError):  # gone already (killed twice)
            os.unlink(self.stderr_path)


def _died(exitcode: int | None, stderr: str):
    """The failure for a child that ended without sending anything."""
    if "memory allocation of" in stderr or "MemoryError" in stderr or "out of memory" in stderr.lower():
        raise ChildFailure(
            MEMORY,
            "処理に必要なメモリが上限を超えたため中断しました。",
            "Processing was stopped: it needed more memory than the limit.",
            exitcode=exitcode,
            signal=-exitcode if exitcode and exitcode < 0 else None,
            stderr=stderr,
        )
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        if number == getattr(_signal, "SIGXCPU", -1):
            raise ChildFailure(
                TIMEOUT,
                "処理がCPU時間の上限を超えました。",
                "Processing exceeded its CPU time limit.",
                signal=number,
                exitcode=exitcode,
                stderr=stderr,
            )
        if number == _signal.SIGKILL:  # the kernel's OOM killer, or someone else
            raise ChildFailure(
                MEMORY,
                "処理が強制終了されました（メモリ不足の可能性があります）。",
                "Processing was killed (probably out of memory).",
                signal=number,
                exitcode=exitcode,
                stderr=stderr,
            )
        raise ChildFailure(
            CRASHED,
            f"処理が異常終了しました（{signal_name(number)}）。",
            f"Processing crashed ({signal_name(number)}).",
            signal=number,
            exitcode=exitcode,
            stderr=stderr,
        )
    raise ChildFailure(
        CRASHED,
        f"処理が結果を返さずに終了しました（終了コード {exitcode}）。",
        f"Processing ended without a result (exit code {exitcode}).",
        exitcode=exitcode,
        stderr=stderr,
    )
