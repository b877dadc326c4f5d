"""The bad-input corpus through ``kyosai validate`` (issue 6): every case's exit status, finding and
Japanese message; nothing half-written; the isolated reader's peak memory under 1 GB.

The cases and their expected outcomes are ``tests/corpus/expected.json`` (``scripts/build_corpus.py``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import corpus
from validator import sandbox
from validator.cli import main
from validator.findings import CATALOGUE
from validator.reading import Limits, ReadFailure, read_batch, read_batch_isolated
from validator.reading.child import WARM, child_failure
from validator.service.errors import READ_FAILURE_STATUS as HTTP_STATUS
from validator.service.errors import read_failure_status as status

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
AS_OF = ["--as-of", corpus.AS_OF]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Where the cases not committed are built (once per module: the zip bomb and the 300,001-row files)."""
    return tmp_path_factory.mktemp("corpus")


def path_of(case: dict, built: Path) -> Path:
    return corpus.materialize(case, built if not case["committed"] else corpus.FILES)


def run_cli(capsys, *args) -> tuple[int, str, str]:
    status = main(["validate", *map(str, args), *AS_OF])
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------------------------------------ the corpus itself

PLACEHOLDER = re.compile(r"[{}]|\?人|「\?」|\(\?\)|（\?）")


def test_the_corpus_covers_the_issue():
    data = corpus.load()
    assert len(data["cases"]) >= 30
    names = [c["file"] for c in data["cases"]]
    assert len(set(names)) == len(names)
    statuses = {c["exit"] for c in data["cases"]}
    assert statuses == {0, 1, 2}
    for case in data["cases"]:
        assert case["what"] and case["builder"]
        if case["exit"] == 2:
            assert case["code"] in HTTP_STATUS and case["http_status"] == HTTP_STATUS[case["code"]]
            assert JAPANESE.search(case["message_ja"]) or case["message_ja"].isascii()
        else:
            assert case["valid"] == (case["exit"] == 0)
            errors = [code for *_, code in case["findings"] if CATALOGUE[code].severity == "error"]
            assert case["valid"] == (not errors)
        if case["committed"]:
            path = corpus.FILES / case["file"]
            assert path.stat().st_size == case["size"] < 200 * 1024
    committed = {c["file"] for c in data["cases"] if c["committed"]}
    assert {p.name for p in corpus.FILES.iterdir()} == committed


def test_the_corpus_is_what_the_script_builds():
    """The committed files and expected.json are exactly what scripts/build_corpus.py makes."""
    assert corpus.builders().check() == []


# ------------------------------------------------------------------------------------ through the CLI


@pytest.mark.parametrize("case", corpus.params())
def test_exit_status_and_japanese_message(case, built, capsys):
    path = path_of(case, built)
    status, out, err = run_cli(capsys, path)
    assert status == case["exit"], err
    report = json.loads(out)
    if case["exit"] == 2:
        assert report["valid"] is False and report["source"]["filename"] == case["file"]
        (finding,) = report["findings"]
        assert finding["code"] == case["code"] and finding["severity"] == "error"
        assert case["message_ja"] in finding["message_ja"], finding["message_ja"]
        assert JAPANESE.search(finding["message_ja"]) and JAPANESE.search(finding["hint_ja"])
        assert finding["message_en"]
        assert "読込不可" in err and finding["message_ja"] in err
    else:
        assert report["valid"] is (case["exit"] == 0)
        for key, value in case["source"].items():
            assert report["source"][key] == value
        for finding in report["findings"]:
            assert JAPANESE.search(finding["message_ja"]) and finding["row"] is not None
        assert ("受付可" if case["exit"] == 0 else "要修正") in err


@pytest.mark.parametrize("case", corpus.params(readable=True, aspect="findings"))
def test_findings_at_their_rows_and_columns(case, built, capsys):
    status, out, _ = run_cli(capsys, path_of(case, built))
    report = json.loads(out)
    assert [[f["row"], f["column"], f["code"]] for f in report["findings"]] == case["findings"]
    for finding in report["findings"]:  # every message whole: no template field left over or left out
        for text in (finding["message_ja"], finding["message_en"], finding["hint_ja"]):
            assert not PLACEHOLDER.search(text), text


@pytest.mark.parametrize("case", [p for p in corpus.params(readable=True) if p.values[0]["values"]])
def test_values_are_read_exactly(case, built):
    table = read_batch(path_of(case, built))
    records = {r.row: r.values for r in table.records}
    for row, alias, value in case["values"]:
        assert records[row][alias] == value


@pytest.mark.parametrize("case", corpus.params(readable=False))
def test_nothing_is_written_for_an_unreadable_file(case, built, tmp_path, capsys):
    path = path_of(case, built)
    for fmt in ("xlsx", "csv"):  # the binary workbook and the text report
        out = tmp_path / fmt
        status, _, err = run_cli(capsys, path, "--out", out, "--format", fmt)
        assert status == 2 and "読込不可" in err
        assert list(out.iterdir()) == []  # no report, no half-written .part


@pytest.mark.parametrize("case", corpus.params(readable=True, aspect="report"))
def test_csv_report_of_a_readable_file_escapes_formulas(case, built, tmp_path, capsys):
    path = path_of(case, built)
    status, _, _ = run_cli(capsys, path, "--out", tmp_path, "--format", "csv")
    assert status == case["exit"]
    (report,) = tmp_path.iterdir()
    assert report.name == f"{path.stem}.report.csv"
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == len(case["findings"])
    for row in rows:
        for name, text in row.items():
            assert not text.startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠")), (name, text)
    values = {row["value"] for row in rows}
    for injected in case["escaped"]:
        assert "'" + injected in values


# ------------------------------------------------------------------------------------ memory and isolation


@pytest.mark.parametrize("case", corpus.params(aspect="memory"))
def test_peak_memory_of_the_isolated_reader(case, built):
    """The real reader in the real memory-capped child; it reports its own peak resident memory."""
    path, limits = path_of(case, built), Limits()
    try:
        tag, outcome, peak = sandbox.run(
            corpus.measured_read,
            os.fspath(path),
            limits=limits,
            memory_mb=limits.memory_mb,
            seconds=limits.seconds,
            warm=WARM,
        )
    except sandbox.ChildFailure as failed:  # the child hit its caps: that is an outcome too
        failure = child_failure(failed, os.fspath(path), None, limits)
        assert case["exit"] == 2 and failure.finding.code == case["code"] == "file-too-large"
        return
    assert tag == "measured"
    assert outcome == (("failure", case["code"]) if case["exit"] == 2 else ("table", outcome[1]))
    assert peak < corpus.GIB, f"{case['file']}: {peak / 2**20:.0f} MiB"


def test_a_child_cap_lower_than_the_file_needs_is_a_clear_413(built):
    """The 2,000,000-string workbook (~175 MiB to read) under a 100 MB cap: the child dies, the caller
    answers 413 and goes on."""
    (case,) = [c for c in corpus.cases() if c["file"] == "shared-strings-huge.xlsx"]
    with pytest.raises(ReadFailure) as caught:
        read_batch_isolated(path_of(case, built), limits=Limits(memory_mb=100))
    assert (caught.value.finding.code, status(caught.value)) == ("file-too-large", 413)
    assert "メモリ" in caught.value.finding.message_ja


def _run(args: list[str], folder: Path) -> tuple[int, str, int]:
    """Run a command to its end: exit status, standard error and the peak resident memory (bytes) of
    that very process (os.wait4 gives its own rusage)."""
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=corpus.ROOT)
        _, wait_status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(wait_status)
    return process.returncode, (folder / "stderr").read_text(encoding="utf-8"), usage.ru_maxrss * 1024


def test_the_whole_corpus_through_a_real_kyosai_process(built, tmp_path):
    """One `python -m validator.cli validate` over every case: exit 2, a report for each readable file
    only, a summary line for each file; the process's own peak memory stays under 1 GB (its reading
    children are capped at 1 GB each by the sandbox)."""
    cases = [c for c in corpus.cases() if "exit" not in (c.get("bug") or {}).get("affects", ())]
    paths = [path_of(c, built) for c in cases]
    readable = [c for c in cases if c["exit"] != 2]
    out = tmp_path / "reports"
    status, err, peak = _run(
        [
            sys.executable,
            "-m",
            "validator.cli",
            "validate",
            *map(str, paths),
            "--out",
            str(out),
            "--format",
            "csv",
            *AS_OF,
        ],
        tmp_path,
    )
    assert status == 2, err[-2000:]
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == len(readable)  # formula-injection.csv and .xlsx get a report each
    assert all(any(name.startswith(Path(c["file"]).stem) for name in names) for c in readable)
    assert err.count("読込不可") == sum(c["exit"] == 2 for c in cases)
    assert err.count("受付可") == sum(c["exit"] == 0 for c in cases)
    assert err.count("要修正") == sum(c["exit"] == 1 for c in cases)
    assert 0 < peak < corpus.GIB


def test_the_kyosai_command(tmp_path):
    """The installed console script on a valid file and an unreadable one: exit 2, a report for each."""
    script = Path(sys.executable).with_name("kyosai")
    if not script.exists():
        pytest.skip("the kyosai script is not installed in this environment")
    valid, broken = (corpus.cases(committed=True, readable=flag)[0] for flag in (True, False))
    status, err, _ = _run(
        [str(script), "validate", str(corpus.FILES / valid["file"]), str(corpus.FILES / broken["file"]), *AS_OF],
        tmp_path,
    )
    assert status == 2 and "受付可" in err and "読込不可" in err
    first, second = json.loads((tmp_path / "stdout").read_text(encoding="utf-8"))
    assert first["valid"] is True and second["findings"][0]["code"] == broken["code"]


# ------------------------------------------------------------------------------------ bugs the corpus found


def test_reports_of_files_with_the_same_stem(tmp_path, capsys):
    """batch.xlsx and batch.csv (or a/batch.xlsx and b/batch.xlsx) once wrote the same report name."""
    xlsx, csv_ = (c for c in corpus.cases() if c["file"].startswith("formula-injection."))
    other = tmp_path / "other"
    other.mkdir()
    again = other / xlsx["file"]
    again.write_bytes((corpus.FILES / xlsx["file"]).read_bytes())
    out = tmp_path / "reports"
    status, _, _ = run_cli(
        capsys, corpus.FILES / xlsx["file"], corpus.FILES / csv_["file"], again, "--out", out, "--format", "json"
    )
    assert status == 1
    assert len(list(out.iterdir())) == 3  # one report per file checked, none overwritten


def test_zero_width_characters_do_not_hide_duplicates():
    """Zero-width characters once hid a repeated receipt number or applicant (zero-width-duplicates.csv)."""
    from schemas.rules import normalized

    assert normalized("佐藤\u200b 太郎") == normalized("佐藤 太郎")
    assert normalized("A-0001\u200b") == normalized("A-0001")
    assert normalized("A-\u2060000\ufeff1") == normalized("A-0001")


def test_an_error_cell_is_not_also_reported_as_missing(tmp_path):
    """An #N/A cell in a required column was once also reported as 記入漏れ (formulas-and-errors.xlsx)."""
    from batchfiles import AS_OF as as_of
    from batchfiles import rows_of, write_csv
    from validator.check import validate_file

    path = write_csv(tmp_path / "b.csv", "sky-application", rows_of("sky-application", [dict(employees="#N/A")]))
    report = validate_file(path, as_of=as_of, isolated=False).report
    assert [f.code for f in report.findings if f.column == "L"] == ["error-cell"]
