"""`kyosai validate`: exit codes, where reports go, all four formats."""

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from wcwidth import wcswidth

from batchfiles import rows_of, write_csv, write_xlsx
from validator import cli
from validator.cli import main

AS_OF = ["--as-of", "2024-12-10"]


@pytest.fixture
def good(tmp_path):
    return write_xlsx(tmp_path / "good.xlsx", "sky-application", rows_of("sky-application", [{}]))


@pytest.fixture
def bad(tmp_path):
    return write_xlsx(
        tmp_path / "bad.xlsx",
        "sky-application",
        rows_of("sky-application", [{}, dict(monthly_amount="70500", name="佐藤 花子", birth_date="1980-01-01")]),
    )


def test_valid_file_exits_0_with_json_on_stdout(good, capsys):
    assert main(["validate", str(good), *AS_OF]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["valid"] and report["source"]["filename"] == "good.xlsx"
    assert "受付可" in err  # the summary table goes to stderr


def test_file_with_errors_exits_1(bad, capsys):
    assert main(["validate", str(bad), *AS_OF]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["row"], f["column"], f["code"]) for f in report["findings"]] == [(5, "N", "invalid-premium")]


def test_the_installed_command_ends_with_everything_written(bad, good, tmp_path):
    """The `kyosai` command (validator.cli.command) ends `validate` without the interpreter's
    teardown: its status, its JSON on a pipe and its summary are complete, a report file is whole;
    other commands exit as usual."""
    import subprocess
    import sys

    def kyosai(*argv):
        script = "import sys; from validator.cli import command; sys.argv[0] = 'kyosai'; command()"
        return subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=120)

    piped = kyosai("validate", str(bad), *AS_OF)
    assert piped.returncode == 1 and "要修正" in piped.stderr
    assert [f["code"] for f in json.loads(piped.stdout)["findings"]] == ["invalid-premium"]
    written = kyosai("validate", str(good), "--format", "html", "--out", str(tmp_path / "out"), *AS_OF)
    assert written.returncode == 0 and "受付可" in written.stderr
    assert (tmp_path / "out" / "good.report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert kyosai("first-debit", "2024-11-20", "10000").returncode == 0


def test_unreadable_file_exits_2(tmp_path, good, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook at all" * 10)
    assert main(["validate", str(good), str(fake), *AS_OF]) == 2
    out, err = capsys.readouterr()
    assert "読込不可" in err and len(json.loads(out)) == 2
    assert main(["validate", str(tmp_path / "missing.xlsx")]) == 2


def test_usage_errors_exit_2(good, capsys):
    assert main(["validate", str(good), "--format", "pdf"]) == 2
    assert main(["validate", str(good), str(good), "--format", "html"]) == 2  # several files need --out
    assert main(["validate", str(good), "--as-of", "someday"]) == 2
    assert "--as-of" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "html", "xlsx", "csv"])
def test_every_format_into_out_dir(tmp_path, good, bad, fmt):
    out = tmp_path / "reports"
    assert main(["validate", str(good), str(bad), "--format", fmt, "--out", str(out), *AS_OF]) == 1
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"bad.report.{fmt}", f"good.report.{fmt}"]
    report = out / f"bad.report.{fmt}"
    if fmt == "json":
        assert json.loads(report.read_text(encoding="utf-8"))["summary"]["errors"] == 1
    elif fmt == "html":
        text = report.read_text(encoding="utf-8")
        assert "要修正" in text and 'id="cell-N5"' in text
    elif fmt == "csv":
        text = report.read_bytes().decode("utf-8-sig")
        assert "invalid-premium" in text and ',"5",' in text.replace(",5,", ',"5",')
    else:
        book = openpyxl.load_workbook(report)
        sheet = book["小規模企業共済_申込"]
        assert sheet["N5"].comment is not None and "70,500" in sheet["N5"].comment.text
        assert "検査結果" in book.sheetnames


def test_csv_source_gets_an_annotated_workbook(tmp_path):
    path = write_csv(
        tmp_path / "batch.csv", "sky-application", rows_of("sky-application", [dict(employees="7")]), encoding="cp932"
    )
    out = tmp_path / "reports"
    assert main(["validate", str(path), "--format", "xlsx", "--out", str(out), *AS_OF]) == 1
    book = openpyxl.load_workbook(out / "batch.report.xlsx")
    data = book[book.sheetnames[0]]
    assert data["L2"].value == "7" and data["L2"].comment is not None


def test_rules_core_questions_still_answer(capsys):
    assert main(["discount", "70000", "12"]) == 0
    assert "4,158円" in capsys.readouterr().out


# ------------------------------------------------------------------------------ the summary table


def summary_lines(err: str) -> list[str]:
    lines = err.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("ファイル")) :]


def test_summary_columns_line_up_by_display_width_with_japanese_names(tmp_path, capsys):
    long = "2024年12月分_小規模企業共済_申込_東京支店_第{}回提出_最終版.xlsx"  # the same but for one digit
    paths = [
        write_xlsx(tmp_path / name, "sky-application", rows_of("sky-application", rows))
        for name, rows in (
            (long.format(1), [{}]),
            (long.format(2), [{}, dict(monthly_amount="70500")]),
            ("申込.xlsx", [{}]),
            ("a.xlsx", [{}]),
        )
    ]
    assert main(["validate", *map(str, paths), str(tmp_path / "ない.xlsx"), "--out", str(tmp_path / "r"), *AS_OF]) == 2
    lines = summary_lines(capsys.readouterr().err)
    assert len(lines) == 6
    notes = ["備考", "1件", "2件", "1件", "1件", "ファイルがありません / no such file"]
    verdicts = ["判定", "受付可", "要修正", "受付可", "受付可", "読込不可"]
    # every row's 判定 and 備考 start in the same display column as their headings, and the numbers end
    # in the same column: the width of the text before them is the same on every line
    assert len({wcswidth(line[: line.index(verdict)]) for line, verdict in zip(lines, verdicts, strict=True)}) == 1
    assert len({wcswidth(line[: line.rindex(note)]) for line, note in zip(lines, notes, strict=True)}) == 1
    names = [line[: line.index(verdict)].rstrip() for line, verdict in zip(lines, verdicts, strict=True)][1:]
    assert names[2:] == ["申込.xlsx", "a.xlsx", "ない.xlsx"]
    first, second = names[:2]
    assert first != second and "..." in first and "..." in second  # shortened in the middle, not alike
    assert first.startswith("2024年12月分") and first.endswith("1回提出_最終版.xlsx")
    assert second.endswith("2回提出_最終版.xlsx") and wcswidth(first) <= cli.NAME_COLUMNS


def test_two_files_of_one_name_are_told_apart_and_names_cannot_move_the_cursor(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("a", "b"):
        Path(folder).mkdir()
        write_xlsx(Path(folder, "batch.xlsx"), "sky-application", rows_of("sky-application", [{}]))
    write_xlsx(Path("申込\x1b[2J\u202e.xlsx"), "sky-application", rows_of("sky-application", [{}]))
    assert main(["validate", "a/batch.xlsx", "b/batch.xlsx", "申込\x1b[2J\u202e.xlsx", "--out", "r", *AS_OF]) == 0
    lines = summary_lines(capsys.readouterr().err)
    names = [line.split("  ")[0] for line in lines[1:]]
    assert names == ["a/batch.xlsx", "b/batch.xlsx", "申込\\x1b[2J\\u202e.xlsx"]
    assert not any(ch in "".join(lines) for ch in "\x1b\u202e")


def texts(max_size):
    return st.lists(
        st.sampled_from(["a", "b", "_", "1", "2", "日", "本", "提", "出", "e\u0301", "👍🏽", "..."]), max_size=max_size
    ).map("".join)


# names alike but for their middle (what a batch folder holds), and some others
file_names = st.builds(
    lambda start, end, middles, others: [start + middle + end for middle in middles] + others,
    texts(20),
    texts(20),
    st.lists(texts(4), max_size=6),
    st.lists(texts(40), max_size=3),
)


@given(file_names, st.integers(min_value=6, max_value=30))
def test_names_are_shortened_in_the_middle_and_never_to_the_same_text(names, columns):
    shown = cli.shorten_middle(names, columns)
    assert len(shown) == len(names)
    for name, short in zip(names, shown, strict=True):
        if short != name:  # its start and its end, around "...", in fewer columns
            assert wcswidth(short) < wcswidth(name)
            assert any(
                name.startswith(short[:i]) and name.endswith(short[i + 3 :])
                for i in range(len(short))
                if short.startswith("...", i)
            )
        if wcswidth(short) > columns:  # more room only where two names would otherwise read the same
            assert any(cli._clip(other, columns) == cli._clip(name, columns) for other in names if other != name)
    assert len(set(shown)) == len(set(names))
    assert all(shown[i] == shown[j] for i in range(len(names)) for j in range(len(names)) if names[i] == names[j])
