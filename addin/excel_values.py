"""Excel values in, Excel values out: the machinery shared by every Excel function in :mod:`addin.udfs`.

An Excel function (UDF) is written as a plain Python function over **parsed** values — dates,
whole yen, :class:`~kyosai.labels.Label` members — that calls the rules core. :func:`udf` wraps
it so that Excel can call it with whatever the cells hold:

Reading arguments
    Every parameter is read by the :class:`Arg` registered under its name (``ARGS`` in
    ``addin/udfs.py``): Excel serials, ISO and 和暦 dates, 全角 numbers, ``円``, ``万``, labels in
    Japanese or English. An empty cell (:func:`kyosai.inputs.is_blank`, or an omitted optional
    argument) takes the parameter's Python default.

Array form (broadcasting)
    Any argument may be a range. xlwings delivers a range as a list (one column) or a list of
    rows (``[[v], [v]]``; ``@xw.arg(..., ndim=2)`` always gives that shape), a single cell as a
    scalar or ``[[v]]``. Every range argument must have the same shape; single values are used
    for every row. The result then has that shape (a column spills down); when every argument is
    a single value, so is the result. A row whose range cells are all empty gives an empty
    cell, so that a formula may cover more rows than are filled yet.

Errors
    A :class:`~kyosai.errors.KyosaiError` becomes a short Japanese text starting with ``#`` that
    names the argument (:func:`cell_text` — the one place errors become cell text); in array form
    only the bad row shows it. Any other exception is a bug: it is logged (logger
    ``kyosai.addin``) and the cell shows :data:`INTERNAL_ERROR`, never a traceback.

Speed
    Excel calls cost milliseconds each, so one formula over 100,000 rows beats 100,000 formulas —
    provided the rows are cheap. Reading a cell value and calling the core are both cached
    (``functools.lru_cache``, typed so that ``TRUE`` and ``1`` stay apart): customers share
    application dates, amounts and labels, and each distinct combination is computed once. The
    answers are kept by the rules core's one cache mechanism (:func:`kyosai.caches.cached`), so
    that :func:`kyosai.caches.clear_caches` empties them with the core's own (debit days, and what
    contracts differing only in their premium share): when the parameters are read again, when the
    date changes (some rules read "today"), and for a cold calculation. Only the small caches of
    cell values read and of months are kept: how a text reads never changes.

>>> from kyosai.japanese import parse_amount, parse_count
>>> ARGS = {"amount": Arg("金額", parse_amount), "months": Arg("月数", parse_count)}
>>> @udf(ARGS)
... def TIMES(amount, months=1):
...     return amount * months
>>> TIMES("7万円", 12), TIMES([[1000], ["２,０００"], [None]], 3)
(840000, [[3000], [6000], [None]])
>>> TIMES("七万", 12), TIMES([[1000], ["x"]], [[1], [2], [3]])
('#金額: 「七万」は金額として読めません（例: 70000、70,000円、7万円）。',
 '#範囲の大きさが揃っていません（金額: 2行×1列、月数: 3行×1列）。 / ranges differ in size')
"""

from __future__ import annotations

import datetime
import functools
import inspect
import itertools
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyosai import calendar
from kyosai.caches import cached, clear_caches
from kyosai.errors import KyosaiError, NotEligible
from kyosai.inputs import is_blank

__all__ = [
    "Arg",
    "udf",
    "cell_text",
    "holds",
    "compute_cached",
    "log_to_file",
    "log_to_stderr",
    "INTERNAL_ERROR",
    "ERROR_MARK",
]

logger = logging.getLogger("kyosai.addin")

ERROR_MARK = "#"
"""Every message a function writes into a cell starts with this, like Excel's own errors."""

INTERNAL_ERROR = "#内部エラー: 計算できませんでした（ログに記録済み） / internal error, logged"
"""What a cell shows when the add-in itself failed (a bug): the details go to the log only."""

READ_CACHE_SIZE = 4096  # distinct cell values per argument kind
COMPUTE_CACHE_SIZE = 65536  # distinct argument combinations per function


# ------------------------------------------------------------------------------- errors → text


def cell_text(error: KyosaiError) -> str:
    """The cell text for an error of the rules core: ``#<argument>: <Japanese message>``.

    The argument is not repeated when the message starts with its name already.

    >>> from kyosai.errors import InvalidDate
    >>> cell_text(InvalidDate("「2024-13-01」は日付として読めません。", "not a date", field="申込日"))
    '#申込日: 「2024-13-01」は日付として読めません。'
    >>> cell_text(InvalidDate("日付が空欄です。", "The date is empty."))
    '#日付が空欄です。'
    >>> cell_text(InvalidDate("申込方法「weekly」は選べません。", "not a channel", field="申込方法"))
    '#申込方法「weekly」は選べません。'
    """
    message = error.message_ja
    named = not error.field or message.startswith(error.field)  # 「申込方法「weekly」は…」 names itself
    return f"{ERROR_MARK}{message}" if named else f"{ERROR_MARK}{error.field}: {message}"


def _shape_mismatch(shapes: Mapping[str, tuple[int, int]]) -> str:
    sizes = "、".join(f"{name}: {rows}行×{cols}列" for name, (rows, cols) in shapes.items())
    return f"{ERROR_MARK}範囲の大きさが揃っていません（{sizes}）。 / ranges differ in size"


def _table_needs_single_values(shapes: Mapping[str, tuple[int, int]]) -> str:
    sizes = "、".join(f"{name}: {rows}行×{cols}列" for name, (rows, cols) in shapes.items())
    return (
        f"{ERROR_MARK}この関数は表を返すため、範囲ではなく1件分の値を指定してください（{sizes}）。"
        " / this function takes single values"
    )


# ------------------------------------------------------------------------------- arguments


@dataclass(frozen=True)
class Arg:
    """How one argument is read from a cell.

    ``name_ja`` names the argument in messages (``申込日``); ``read`` turns a cell value into the
    Python value or raises a KyosaiError; with ``blank_is_none`` an empty cell of a parameter
    without a default passes ``None`` (資本金 of a sole proprietor) instead of "… が空欄です".
    """

    name_ja: str
    read: Callable[[Any], Any]
    blank_is_none: bool = False
    _cached: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_cached", functools.lru_cache(READ_CACHE_SIZE, typed=True)(self.read))

    def __call__(self, raw: Any) -> Any:
        try:
            return self._cached(raw)
        except KyosaiError as error:
            error.for_field(self.name_ja)  # names the field on the error itself, raised again as it is
            raise


_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Param:
    """A parameter of a UDF: its name, how it is read and its default (or _NO_DEFAULT)."""

    name: str
    arg: Arg
    default: Any

    def read(self, raw: Any) -> Any:
        if is_blank(raw):
            if self.default is not _NO_DEFAULT:
                raw = self.default
            elif self.arg.blank_is_none:
                return None
        if raw is None and self.default is None:
            return None
        return self.arg(raw)


# ------------------------------------------------------------------------------- shapes


def _split(value: Any) -> tuple[tuple[int, int] | None, Any]:
    """(shape, cells) of a range argument, or (None, value) for a single value.

    A 1-D list is a column; a 1×1 range is a single value.
    """
    if not isinstance(value, (list, tuple)):
        return None, value
    if value and isinstance(value[0], (list, tuple)):
        rows, cols = len(value), len(value[0])
        cells = [cell for row in value for cell in row]
        if len(cells) != rows * cols:  # ragged: never from Excel; read it as one column
            rows, cols = len(cells), 1
    else:
        rows, cols, cells = len(value), 1, list(value)
    if rows * cols == 1:
        return None, cells[0]
    return (rows, cols), cells


# ------------------------------------------------------------------------------- caches

_cache_day: datetime.date = calendar.today()

compute_cached = cached(maxsize=COMPUTE_CACHE_SIZE, typed=True)
"""How an Excel function's answers are cached (:func:`kyosai.caches.cached`, typed: ``TRUE`` and ``1``
apart); :func:`kyosai.caches.clear_caches` empties them."""


def _check_day() -> None:
    global _cache_day
    today = calendar.today()
    if today != _cache_day:
        clear_caches()
        _cache_day = today


# ------------------------------------------------------------------------------- the decorator


def udf(args: Mapping[str, Arg], *, table: bool = False, **overrides: Arg):
    """Make a function over parsed values callable with Excel cell values (see the module doc).

    ``args`` maps parameter names to their :class:`Arg`; ``overrides`` replace entries for this
    function only (``industry`` means a different list for SKY and for SAFETY). With ``table``
    the function returns rows (a header and data) for one set of single values; ranges are
    refused.

    The wrapper keeps the function's name, docstring and signature (``inspect.signature``
    follows ``__wrapped__``), which is what xlwings reads to register it.
    """
    readers = {**args, **overrides}

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)
        params = [
            _Param(p.name, readers[p.name], _NO_DEFAULT if p.default is p.empty else p.default)
            for p in signature.parameters.values()
        ]
        compute = compute_cached(func)

        def outcome(args: list, raw: tuple) -> Any:
            """The result for one row of read arguments, or the error text of the first argument
            that could not be read (:class:`_Raised`) or of the calculation."""
            try:
                for arg in args:
                    if type(arg) is _Raised:
                        raise arg.error
                result = compute(*args)
            except KyosaiError as error:
                return cell_text(error)
            except Exception:
                logger.exception("%s%r failed", func.__name__, raw)
                return INTERNAL_ERROR
            return [list(row) for row in result] if table else result

        @functools.wraps(func)
        def wrapper(*call_args, **call_kwargs):
            _check_day()
            bound = signature.bind(*call_args, **call_kwargs)
            bound.apply_defaults()
            split = [_split(value) for value in bound.arguments.values()]
            shapes = {param.arg.name_ja: shape for param, (shape, _) in zip(params, split, strict=True) if shape}
            if not shapes:
                values = tuple(cells for _, cells in split)
                return outcome([_attempt(param.read, raw) for param, raw in zip(params, values, strict=True)], values)
            if table:
                return _table_needs_single_values(shapes)
            if len(set(shapes.values())) > 1:
                return _shape_mismatch(shapes)
            rows, cols = next(iter(shapes.values()))
            results = _rows(params, outcome, split, rows * cols)
            if cols == 1:
                return [[result] for result in results]
            return [results[r * cols : (r + 1) * cols] for r in range(rows)]

        # the UDF shows its cache as functools.lru_cache does (tests, benchmarks); a function takes attributes
        wrapper.cache_clear = compute.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = compute.cache_info  # type: ignore[attr-defined]
        return wrapper

    return decorate


class _Raised:
    """What reading a cell raised, kept until a row needs that cell."""

    __slots__ = ("error",)

    def __init__(self, error: Exception):
        self.error = error


def _attempt(read: Callable[[Any], Any], raw: Any) -> Any:
    try:
        return read(raw)
    except Exception as error:  # noqa: BLE001 - a KyosaiError becomes the row's message, anything else INTERNAL_ERROR
        return _Raised(error)


def _rows(params: list[_Param], outcome: Callable[[list, tuple], Any], split: list, size: int) -> list:
    """``outcome`` for every row of the ranges in ``split``, in row-major order.

    Customers share dates, amounts and labels, so each argument's distinct cells are read once
    and each distinct row is computed once; the rows themselves only look answers up. A row whose
    range cells are all empty stays empty (None): clerks select whole columns ahead of the data.

    Cells are told apart by value, so ``TRUE`` and ``1`` would be one; when a range holds a
    boolean, cells are keyed by type as well.
    """
    typed = any(bool in set(map(type, cells)) for shape, cells in split if shape)
    keys, reads, blanks = [], [], []
    for param, (shape, cells) in zip(params, split, strict=True):
        column = cells if shape else [cells]
        column_keys = [(type(v), v) for v in column] if typed else column
        distinct = dict(zip(column_keys, column, strict=True))
        reads.append({key: _attempt(param.read, raw) for key, raw in distinct.items()})
        if shape:
            keys.append(column_keys)
            blanks.append((len(keys) - 1, {key for key, raw in distinct.items() if is_blank(raw)}))
        else:
            keys.append(itertools.repeat(column_keys[0], size))
    done: dict[tuple, Any] = {}
    results = []
    for key in zip(*keys, strict=False):
        result = done.get(key, _NO_DEFAULT)
        if result is _NO_DEFAULT:
            if all(key[i] in blank for i, blank in blanks):
                result = None
            else:
                result = outcome([read[k] for read, k in zip(reads, key, strict=True)], key)
            done[key] = result
        results.append(result)
    return results


def holds(check: Callable[..., Any], *args: Any, unless: type[KyosaiError] = NotEligible, **kwargs: Any) -> bool:
    """True when ``check(*args, **kwargs)`` passes, False when it raises ``unless``; other errors propagate.

    The eligibility functions answer TRUE/FALSE, while unreadable input still shows its message.

    >>> import datetime
    >>> from kyosai.eligibility import validate_sky
    >>> on = datetime.date(2025, 4, 1)
    >>> holds(validate_sky, "小売業", 5, on=on), holds(validate_sky, "小売業", 6, on=on)
    (True, False)
    """
    try:
        check(*args, **kwargs)
    except unless:
        return False
    return True


# ------------------------------------------------------------------------------- logging


def log_to_file(path: str | os.PathLike | None = None) -> Path | None:
    """Send the add-in's log (internal errors) to a file; returns the path, or None if impossible.

    ``path`` defaults to the environment variable ``KYOSAI_ADDIN_LOG``, else
    ``%LOCALAPPDATA%\\kyosai\\addin.log``. Called once when Excel loads :mod:`addin.udfs` on
    Windows: the Python behind Excel has no console to print to.
    """
    target = path or os.environ.get("KYOSAI_ADDIN_LOG")
    if not target:
        base = os.environ.get("LOCALAPPDATA")
        if not base:
            return None
        target = Path(base) / "kyosai" / "addin.log"
    target = Path(target)
    if any(getattr(h, "baseFilename", None) == str(target.resolve()) for h in logger.handlers):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return target


def log_to_stderr() -> None:
    """Send the add-in's log (internal errors) to standard error, once.

    Called when xlwings Lite loads :mod:`addin.udfs`: Pyodide has no lasting file system, and
    Lite shows what Python writes to standard error in its task pane (the output below the editor).
    """
    if any(getattr(h, "stream", None) is sys.stderr for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
