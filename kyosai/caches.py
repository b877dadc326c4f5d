"""Caches of answers (キャッシュ): one decorator, and one way to empty every cache it made.

Rules that read the parameters — the debit day of a month, whether a date is a business day, a
contract's schedule — and the Excel functions of the add-in are asked the same questions again and
again, so :func:`cached` keeps a function's answers (``functools.lru_cache``). Such an answer is
right only as long as the parameters it read, or the day it was asked on, so :func:`clear_caches`
empties every cache made by :func:`cached` at once. It is the one way to empty them, whoever asks:

- reading the parameters again (:meth:`kyosai.params.P.reload`: headquarters' override file, tests);
- the add-in when the date changes, since some Excel functions are asked on today's date
  (:mod:`addin.excel_values`);
- tests and benchmarks that want the next calculation cold.

Memos of facts that nothing can change — the holiday calendar of a year, a month's object, how a
cell's text reads — use ``functools`` directly: they never go stale, so nothing empties them.

>>> calls = []
>>> @cached
... def twice(n):
...     calls.append(n)
...     return 2 * n
>>> twice(2), twice(2), calls
(4, 4, [2])
>>> clear_caches()
>>> twice(2), calls
(4, [2, 2])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["cached", "clear_caches", "CACHE_SIZE"]

CACHE_SIZE = 65536  # answers kept per function: more dates than 1949–2099 has

_caches: list[functools._lru_cache_wrapper[Any]] = []


def cached(
    func: Callable | None = None, /, *, maxsize: int = CACHE_SIZE, typed: bool = False
) -> Any:  # a cached function, or (called with options only) the decorator that makes one
    """``func`` with a cache of its answers (``functools.lru_cache``) that :func:`clear_caches` empties.

    ``@cached`` or ``@cached(maxsize=…, typed=True)`` (``typed``: ``TRUE`` and ``1`` cached apart,
    as Excel functions need). The function must depend on its arguments, the parameters and — in the
    add-in only — today's date, and its arguments must be hashable.
    """

    def decorate(function: Callable) -> functools._lru_cache_wrapper[Any]:
        wrapper = functools.lru_cache(maxsize=maxsize, typed=typed)(function)
        _caches.append(wrapper)
        return wrapper

    return decorate if func is None else decorate(func)


def clear_caches() -> None:
    """Empty every cache made by :func:`cached`: the next calculation is cold, with the parameters
    and the day in force now."""
    for cache in _caches:
        cache.cache_clear()
