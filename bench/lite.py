#!/usr/bin/env python
"""The xlwings Lite edition's speed: Pyodide next to CPython, in one run (``make bench-lite``).

Prints, for both runtimes of xlwings Lite (Pyodide 0.27.5 and 314 under Node.js, running the
committed workbook's ``main.py``) and for CPython (the classic add-in, ``addin.udfs``):

- the cold start: load the runtime, install the ``holidays`` wheels, import holidays, import the
  add-in, the first answer (Lite's first formula after a clerk opens the workbook);
- one array call over a 10,000-row column of FIRST_DEBIT and of KYOSAI_DEDUCTIBLE, from cold
  caches (a year's book of customers: ``tests/pyodide/lite_harness.py`` makes the same columns
  for both).

The two runtimes take turns, ``--rounds`` times (the machine is shared: the best of each counts;
every run is listed). Targets (issue 15): cold start ≤ 3 s; a 10,000-row column ≤ 2× CPython.
Not a test: the figures depend on the machine. In Excel, Lite's runtime is loaded by the browser
engine (cached after the first use) and the wheels come from PyPI through micropip, so the phases
"load" and "install" differ there; the rest is the same Python.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_lite  # the Pyodide runner and the wheels, shared with the test

TARGET_COLD_START = 3.0
TARGET_RATIO = 2.0
CPYTHON_RUN = """
import json, sys, time
began = time.perf_counter()
sys.path[:0] = sys.argv[1:3]
import holidays
import_holidays = time.perf_counter() - began
import lite_harness
print(json.dumps({"start": import_holidays, **json.loads(lite_harness.bench({"rows": int(sys.argv[3]), "repeat": 3}))}))
"""


def cpython(rows: int) -> dict:
    """The classic add-in in a fresh CPython: ``main`` is addin.udfs itself."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "main.py").write_text(
            "from addin.udfs import *  # noqa: F403 - what main.py exports in Lite\n", encoding="utf-8"
        )
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CPYTHON_RUN, folder, str(ROOT / "tests" / "pyodide"), str(rows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        figures = json.loads(done.stdout)
        figures["process"] = time.perf_counter() - began
    return figures


def pyodide(rows: int, runtime: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        run = test_lite.run_in_pyodide(Path(folder), "bench", {"rows": rows, "repeat": 3}, runtime=runtime)
    figures = run["result"]
    figures.update(load=run["seconds"]["load_pyodide"], install=run["seconds"]["install_files"])
    return figures


def cold_start(figures: dict) -> float:
    parts = ["load", "install", "import_holidays", "import_main", "first_call"]
    return sum(figures.get(part, 0.0) for part in parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    runtimes = [f"pyodide {version}" for version in test_lite.RUNTIMES] + ["cpython"]
    runs: dict[str, list[dict]] = {runtime: [] for runtime in runtimes}
    for _ in range(args.rounds):  # taking turns, so that a busy minute weighs on all
        for version in test_lite.RUNTIMES:
            runs[f"pyodide {version}"].append(pyodide(args.rows, version))
        runs["cpython"].append(cpython(args.rows))

    print(
        f"xlwings Lite edition: Pyodide {' and '.join(test_lite.RUNTIMES)} (Node.js {node_version()}) next to "
        f"CPython {sys.version.split()[0]}, {args.rows:,} rows, {args.rounds} rounds taking turns; "
        "best of each, every run listed\n"
    )
    print("cold start (s)          " + "  ".join(f"{'run ' + str(i + 1):>7}" for i in range(args.rounds)) + "     best")
    for runtime in runtimes:
        figures = [cold_start(run) for run in runs[runtime]]
        print(f"  {runtime:<21}" + "  ".join(f"{f:7.2f}" for f in figures) + f"  {min(figures):7.2f}")
    for runtime in runtimes[:-1]:
        best = min(runs[runtime], key=cold_start)
        print(
            f"  {runtime} phases of the best run: "
            + ", ".join(
                f"{name} {best[key]:.2f}"
                for name, key in (
                    ("load runtime", "load"),
                    ("install wheels", "install"),
                    ("import holidays", "import_holidays"),
                    ("import add-in", "import_main"),
                    ("first answer", "first_call"),
                )
            )
        )
        verdict = cold_start(best)
        print(
            f"    target ≤ {TARGET_COLD_START:.0f} s: {'met' if verdict <= TARGET_COLD_START else 'MISSED'} "
            f"({verdict:.2f} s)"
        )

    print(f"\n{args.rows:,}-row column, cold caches (s)")
    for function in ("FIRST_DEBIT", "KYOSAI_DEDUCTIBLE"):
        best_of = {
            runtime: min(call[function] for run in runs[runtime] for call in run["runs"]) for runtime in runtimes
        }
        print(f"  {function}: CPython {best_of['cpython']:.3f}")
        for runtime in runtimes[:-1]:
            ratio = best_of[runtime] / best_of["cpython"]
            print(
                f"    {runtime:<16} {best_of[runtime]:.3f}  {ratio:.2f}× CPython, target ≤ {TARGET_RATIO:.0f}×: "
                f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"
            )
        for runtime in runtimes:
            every = " ".join(f"{call[function]:.3f}" for run in runs[runtime] for call in run["runs"])
            print(f"      {runtime} runs: {every}")
    return 0


def node_version() -> str:
    node = test_lite._node()
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else "?"


if __name__ == "__main__":
    sys.exit(main())
