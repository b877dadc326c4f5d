"""What the Pyodide test and benchmark run inside Pyodide, next to the workbook's ``main.py``.

``tests/pyodide/run.mjs`` installs ``lite_xlwings.py`` as ``xlwings``, the workbook's ``main.py`` as
``main`` and this module, then calls one of the functions below with a JavaScript value: it
crosses into Python as a ``JsProxy`` and is converted with ``to_py()`` — what Lite does with the
arguments Office.js hands to a custom function. Each returns a JSON text.

The inputs of the benchmark (:func:`bench_columns`) are made here, so that CPython
(``bench/lite.py``) times the very same columns.
"""

from __future__ import annotations

import json
import random
import time

ROWS = 10_000
CHANNELS = ["現金あり", "現金なし", "オンライン"]
PATTERNS = ["月払", "半年払", "年払"]


def _py(value):
    return value.to_py() if hasattr(value, "to_py") else value


def _excel_json(value):
    return value if not isinstance(value, float) or value == value else "NaN"


def run_cases(request) -> str:
    """Every case of ``tests/udf_cases.py``, as Lite calls it: ``{"cases": [{"function", "args"}]}``."""
    import main
    import xlwings

    from udf_cases import canonical

    results = []
    for case in _py(request)["cases"]:
        try:
            raw, excel = xlwings.custom_functions_call(main, case["function"], case["args"])
        except Exception as error:  # noqa: BLE001 - a failure of the edition itself: reported, compared, never hidden
            results.append({"failure": repr(error)})
            continue
        results.append({"raw": canonical(raw), "excel": excel})
    return json.dumps({"results": results, "meta": xlwings.custom_functions_meta(main)}, default=str)


def internal_error(_request=None) -> str:
    """A bug inside a function (the rules core raising something unexpected): what the cell shows."""
    import main
    import xlwings

    from kyosai import debit

    original = debit.compute
    debit.compute = lambda *args: 1 / 0
    main.DEBIT_DATE.cache_clear()
    try:
        _, excel = xlwings.custom_functions_call(main, "DEBIT_DATE", [[["2031-01"]]])
    finally:
        debit.compute = original
        main.DEBIT_DATE.cache_clear()
    return json.dumps({"excel": excel})


def bench_columns(rows: int = ROWS, seed: int = 20241202) -> dict[str, list]:
    """A year's book of SKY customers (365 application days, 20 premiums, every channel and
    pattern), as Lite hands a column over: dates as serials, amounts as whole numbers."""
    rng = random.Random(seed)
    first = 45292  # 2024-01-01
    return {
        "dates": [[first + rng.randrange(365)] for _ in range(rows)],
        "amounts": [[rng.choice(range(5000, 70001, 3500))] for _ in range(rows)],
        "channels": [[rng.choice(CHANNELS)] for _ in range(rows)],
        "patterns": [[rng.choice(PATTERNS)] for _ in range(rows)],
    }


def time_calls(columns, clear) -> dict[str, float]:
    """Seconds for one array call of FIRST_DEBIT and of KYOSAI_DEDUCTIBLE over the columns, from
    cold caches (``clear``): the first calculation after opening the workbook."""
    import main

    figures = {}
    for name, call in (
        ("FIRST_DEBIT", lambda c: main.FIRST_DEBIT(c["dates"], c["amounts"], c["channels"], c["patterns"])),
        (
            "KYOSAI_DEDUCTIBLE",
            lambda c: main.KYOSAI_DEDUCTIBLE([[2024]], c["amounts"], c["dates"], c["channels"], c["patterns"]),
        ),
    ):
        clear()
        began = time.perf_counter()
        result = call(columns)
        figures[name] = time.perf_counter() - began
        assert len(result) == len(columns["dates"]), name
    return figures


def bench(request) -> str:
    """Cold start (imports and a first call) and the two array calls, in Pyodide."""
    request = _py(request) or {}
    began = time.perf_counter()
    import holidays  # noqa: F401 - what Lite imports first: the rules core's one dependency

    figures = {"import_holidays": time.perf_counter() - began}
    began = time.perf_counter()
    import main

    figures["import_main"] = time.perf_counter() - began
    began = time.perf_counter()
    main.FIRST_DEBIT([[45628]], [[70000]], [["現金なし"]], [["年払"]])
    figures["first_call"] = time.perf_counter() - began
    from kyosai.caches import clear_caches

    columns = bench_columns(request.get("rows", ROWS))
    runs = [time_calls(columns, clear_caches) for _ in range(request.get("repeat", 3))]
    figures["runs"] = runs
    return json.dumps(figures)
