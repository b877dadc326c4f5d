#!/usr/bin/env python
"""How fast the add-in's array form is, in-process: ``python bench/udf_speed.py [rows]`` prints the figures.

Not a test (timings depend on the machine), and not part of the installed packages (benchmarks live in
``bench/``). The issue asks for KYOSAI_DEDUCTIBLE and FIRST_DEBIT
over 100,000 rows within 1 second in-process. Inputs are shaped as xlwings delivers a range with
``ndim=2``: a list of one-element rows, dates and amounts as floats, labels as text.

Each scenario is timed *cold* (caches emptied: the first calculation) and *warm* (the same inputs
again: Excel recalculating), best of three. What decides the cold time is how many distinct argument
combinations there are, since each is computed once by the rules core:

- ``identical``: every row the same (the floor: the cost of the array machinery itself);
- ``one month``: a month's applications — 30 application days, 8 common premiums, 3 channels,
  3 patterns;
- ``one year``: a year's book — 365 days, 20 premiums, 3 channels, 3 patterns.

Excel's own cost (moving 100,000 values through COM) comes on top and cannot be measured here.
"""

from __future__ import annotations

import datetime
import functools
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from the checkout: the project's own packages
    sys.path.insert(0, str(ROOT))

from addin import udfs
from kyosai.caches import clear_caches
from kyosai.japanese import to_excel_serial

REPEAT = 3  # best of three: the machine may be busy with something else
CHANNELS = ["現金あり", "現金なし", "オンライン"]
PATTERNS = ["月払", "半年払", "年払"]


def _column(values):
    return [[v] for v in values]


def scenario(rows: int, days: int, amounts: list[int], seed: int = 3) -> dict[str, list]:
    """Random rows over ``days`` application days from 2024-04-01 and the given premiums."""
    rng = random.Random(seed)
    first = to_excel_serial(datetime.date(2024, 4, 1))
    return {
        "dates": _column(float(first + rng.randrange(days)) for _ in range(rows)),
        "amounts": _column(float(rng.choice(amounts)) for _ in range(rows)),
        "channels": _column(rng.choice(CHANNELS) for _ in range(rows)),
        "patterns": _column(rng.choice(PATTERNS) for _ in range(rows)),
    }


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """How long ``call()`` took, and what it returned (a UDF's rows)."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def run(rows: int = 100_000) -> None:
    scenarios = {
        "identical": scenario(rows, 1, [70_000])
        | {"channels": _column(["現金なし"] * rows), "patterns": _column(["年払"] * rows)},
        "one month": scenario(rows, 30, [10_000, 20_000, 30_000, 35_000, 40_000, 50_000, 60_000, 70_000]),
        "one year": scenario(rows, 365, [*range(5_000, 70_001, 5_000), 1_000, 2_000, 3_000, 7_500, 12_500, 25_500]),
    }
    functions = {
        "FIRST_DEBIT": lambda s: udfs.FIRST_DEBIT(s["dates"], s["amounts"], s["channels"], s["patterns"]),
        "KYOSAI_DEDUCTIBLE": lambda s: udfs.KYOSAI_DEDUCTIBLE(
            2025, s["amounts"], s["dates"], s["channels"], s["patterns"]
        ),
    }
    print(f"{rows:,} rows, Python {sys.version.split()[0]}, best of {REPEAT}")
    print(f"{'function':<18} {'scenario':<10} {'distinct':>9} {'cold s':>8} {'warm s':>8}  errors")
    for name, call in functions.items():
        for label, data in scenarios.items():
            distinct = len(
                {
                    (d[0], a[0], c[0], p[0])
                    for d, a, c, p in zip(
                        data["dates"], data["amounts"], data["channels"], data["patterns"], strict=True
                    )
                }
            )
            colds, warms = [], []
            for _ in range(REPEAT):
                clear_caches()  # the add-in's and the rules core's: the first calculation
                cold, result = _timed(functools.partial(call, data))
                warm, _ = _timed(functools.partial(call, data))
                colds.append(cold)
                warms.append(warm)
            cold, warm = min(colds), min(warms)
            errors = sum(1 for row in result for v in row if isinstance(v, str) and v.startswith("#"))
            print(f"{name:<18} {label:<10} {distinct:>9,} {cold:>8.3f} {warm:>8.3f}  {errors}")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
