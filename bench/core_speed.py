"""How fast the rules core is per contract: ``python bench/core_speed.py [--profile | --addin]``.

Not a test (timings depend on the machine). It builds the distinct contracts of the add-in
benchmark's scenarios (``bench/udf_speed.py``: application days from 2024-04-01, premiums,
channels and patterns) and times, per contract, the first debit and the 2025 deduction — what
FIRST_DEBIT and KYOSAI_DEDUCTIBLE compute once per distinct row. Every run starts *cold*: the
core's caches of parameter-dependent results (debit days, business days) are emptied first by
:meth:`kyosai.params.P.reload`, as after Excel starts; the small caches of months are left alone.

``--profile`` prints the cProfile hot spots of the deductions instead. ``--addin`` times the add-in
benchmark's functions and scenarios (100,000 rows) cold, the core's caches emptied as well (as
``kyosai.caches.clear_caches`` does, which ``bench/udf_speed.py`` and ``bench/run.py`` call).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import itertools
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kyosai import deduction, schedule
from kyosai.labels import Channel, Pattern, Scheme
from kyosai.params import P

SCENARIOS = {  # as in bench/udf_speed.py
    "one month": (30, [10_000, 20_000, 30_000, 35_000, 40_000, 50_000, 60_000, 70_000]),
    "one year": (365, [*range(5_000, 70_001, 5_000), 1_000, 2_000, 3_000, 7_500, 12_500, 25_500]),
}


def contracts(days: int, amounts: list[int]) -> list[schedule.Contract]:
    first = datetime.date(2024, 4, 1)
    return [
        schedule.Contract(Scheme.SKY, amount, first + datetime.timedelta(days=d), channel=channel, pattern=pattern)
        for d, amount, channel, pattern in itertools.product(range(days), amounts, Channel, Pattern)
    ]


def _cold(call, items) -> float:
    P.reload()  # empties the core's caches
    start = time.perf_counter()
    for item in items:
        call(item)
    return time.perf_counter() - start


def addin_cold(rows: int = 100_000) -> None:
    import udf_speed  # bench/udf_speed.py, next to this script
    from addin import udfs
    from kyosai.caches import clear_caches

    column = udf_speed._column
    scenarios = {
        "identical": udf_speed.scenario(rows, 1, [70_000])
        | {"channels": column(["現金なし"] * rows), "patterns": column(["年払"] * rows)},
        **{label: udf_speed.scenario(rows, days, amounts) for label, (days, amounts) in SCENARIOS.items()},
    }
    functions = {
        "FIRST_DEBIT": lambda s: udfs.FIRST_DEBIT(s["dates"], s["amounts"], s["channels"], s["patterns"]),
        "KYOSAI_DEDUCTIBLE": lambda s: udfs.KYOSAI_DEDUCTIBLE(
            2025, s["amounts"], s["dates"], s["channels"], s["patterns"]
        ),
    }
    print(f"{rows:,} rows, add-in and core caches emptied before each run, best of 3")
    for name, call in functions.items():
        for label, data in scenarios.items():
            best = float("inf")
            for _ in range(3):
                clear_caches()
                P.reload()
                start = time.perf_counter()
                call(data)
                best = min(best, time.perf_counter() - start)
            print(f"{name:<18} {label:<10} {best:>8.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile the deductions of 'one month'")
    parser.add_argument("--addin", action="store_true", help="the add-in benchmark, core caches emptied too")
    args = parser.parse_args()
    if args.addin:
        addin_cold()
        return
    if args.profile:
        items = contracts(*SCENARIOS["one month"])
        P.reload()
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [deduction.compute(c, 2025) for c in items])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    print(f"{'scenario':<10} {'contracts':>9} {'first debit':>12} {'per µs':>7} {'deduction':>10} {'per µs':>7}")
    for label, (days, amounts) in SCENARIOS.items():
        items = contracts(days, amounts)
        debit_s = min(_cold(schedule.first_debit, items) for _ in range(3))
        deduct_s = min(_cold(lambda c: deduction.compute(c, 2025), items) for _ in range(3))
        print(
            f"{label:<10} {len(items):>9,} {debit_s:>11.3f}s {debit_s / len(items) * 1e6:>7.0f} "
            f"{deduct_s:>9.3f}s {deduct_s / len(items) * 1e6:>7.0f}"
        )


if __name__ == "__main__":
    main()
