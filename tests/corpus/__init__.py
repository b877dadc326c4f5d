"""The bad-input corpus (issue 6): hostile, broken and odd batch files with their expected outcomes.

``expected.json`` lists every case (``scripts/build_corpus.py`` writes it and the files in
``files/``; the few cases too big for git are built at test time by the same functions). Each
entry: ``file``, ``what``, ``exit`` (``kyosai validate``: 2 unreadable, 1 errors, 0 valid) and

- unreadable (exit 2): ``code`` (the finding), ``http_status`` (what a service answers) and
  ``message_ja`` (a fragment of the Japanese message);
- readable: ``valid``, ``findings`` (``[row, column, code]`` in report order), ``escaped`` (values the
  CSV report carries with a leading apostrophe), ``values`` (``[row, alias, value]`` read exactly) and
  ``source`` (fields of the report's source); ``bug`` (``reason``, ``affects``) when a known bug
  changes the outcome for now.

Other test suites reuse it — the service's, through HTTP::

    import corpus

    @pytest.mark.parametrize("case", corpus.params())
    def test_upload(case, tmp_path, client):
        path = corpus.materialize(case, tmp_path)
        response = client.post("/validate", data={"file": (path.open("rb"), case["file"])})
        assert response.status_code == (case["http_status"] if case["exit"] == 2 else 200)

(``tests/`` is on ``sys.path`` under pytest, so ``import corpus`` works from any test module.)
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
EXPECTED = HERE / "expected.json"
ROOT = HERE.parents[1]
SCRIPT = ROOT / "scripts" / "build_corpus.py"
GIB = 1024**3

__all__ = ["load", "cases", "params", "materialize", "builders", "measured_read", "AS_OF"]


def load() -> dict:
    """expected.json as it is committed."""
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


AS_OF: str = load()["as_of"]


def cases(*, readable: bool | None = None, committed: bool | None = None) -> list[dict]:
    """The cases, optionally only the readable (exit 0/1) or unreadable (exit 2), committed or built ones."""
    return [
        c
        for c in load()["cases"]
        if (readable is None or (c["exit"] != 2) == readable) and (committed is None or c["committed"] == committed)
    ]


def params(*, readable: bool | None = None, aspect: str = "exit", **kwargs) -> list:
    """The cases as ``pytest.param``s with the file name as id. A case with a known ``bug`` that
    changes the ``aspect`` a test checks ("exit": the exit status or HTTP answer, "findings": the
    exact findings, "report": the report's lines) is marked as a strict xfail."""
    import pytest

    out = []
    for case in cases(readable=readable, **kwargs):
        bug = case.get("bug")
        marks = [pytest.mark.xfail(strict=True, reason=bug["reason"])] if bug and aspect in bug["affects"] else []
        out.append(pytest.param(case, id=case["file"], marks=marks))
    return out


def builders():
    """scripts/build_corpus.py as a module (its builders and case table)."""
    module = sys.modules.get("build_corpus")
    if module is None:
        spec = importlib.util.spec_from_file_location("build_corpus", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules["build_corpus"] = module
        spec.loader.exec_module(module)
    return module


def materialize(case: dict, folder: Path) -> Path:
    """The case's file inside ``folder``: copied from the corpus, or built there when not committed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / case["file"]
    if target.exists():
        return target
    if case["committed"]:
        shutil.copyfile(FILES / case["file"], target)
        return target
    module = builders()
    (built,) = [c for c in module.CASES if c.file == case["file"]]
    return module.build_case(built, folder)


def measured_read(path, kind=None, *, filename=None, limits=None):
    """Run in the reading child by ``sandbox.run(measured_read, path, memory_mb=…)``: reads the file in
    the capped child exactly as the real reader does, and sends back the outcome with the child's
    peak resident memory (bytes) instead of the table."""
    import resource

    from validator.reading import ReadFailure, read_batch

    try:
        table = read_batch(path, kind, filename=filename, limits=limits)
        outcome = ("table", len(table.records))
    except ReadFailure as failure:
        outcome = ("failure", failure.finding.code)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return ("measured", outcome, peak)
