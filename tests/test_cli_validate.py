"""`kyosai validate`: exit codes, where reports go, all four formats."""

import json

import openpyxl
import pytest

from batchfiles import rows_of, write_csv, write_xlsx
from validator.cli import main

AS_OF = ["--as-of", "2024-12-10"]


@pytest.fixture
def good(tmp_path):
    return write_xlsx(tmp_path / "good.xlsx", "sky-application", rows_of("sky-application", [{}]))


@pytest.fixture
def bad(tmp_path):
    return write_xlsx(tmp_path / "bad.xlsx", "sky-application",
                      rows_of("sky-application", [{}, dict(monthly_amount="70500", name="佐藤 花子",
                                                           birth_date="1980-01-01")]))


def test_valid_file_exits_0_with_json_on_stdout(good, capsys):
    assert main(["validate", str(good), *AS_OF]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["valid"] and report["source"]["filename"] == "good.xlsx"
    assert "受付可" in err                                  # the summary table goes to stderr


def test_file_with_errors_exits_1(bad, capsys):
    assert main(["validate", str(bad), *AS_OF]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["row"], f["column"], f["code"]) for f in report["findings"]] == [(5, "N", "invalid-premium")]


def test_unreadable_file_exits_2(tmp_path, good, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook at all" * 10)
    assert main(["validate", str(good), str(fake), *AS_OF]) == 2
    out, err = capsys.readouterr()
    assert "読込不可" in err and len(json.loads(out)) == 2
    assert main(["validate", str(tmp_path / "missing.xlsx")]) == 2


def test_usage_errors_exit_2(good, capsys):
    assert main(["validate", str(good), "--format", "pdf"]) == 2
    assert main(["validate", str(good), str(good), "--format", "html"]) == 2   # several files need --out
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
        assert "invalid-premium" in text and ",\"5\"," in text.replace(",5,", ",\"5\",")
    else:
        book = openpyxl.load_workbook(report)
        sheet = book["小規模企業共済_申込"]
        assert sheet["N5"].comment is not None and "70,500" in sheet["N5"].comment.text
        assert "検査結果" in book.sheetnames


def test_csv_source_gets_an_annotated_workbook(tmp_path):
    path = write_csv(tmp_path / "batch.csv", "sky-application",
                     rows_of("sky-application", [dict(employees="7")]), encoding="cp932")
    out = tmp_path / "reports"
    assert main(["validate", str(path), "--format", "xlsx", "--out", str(out), *AS_OF]) == 1
    book = openpyxl.load_workbook(out / "batch.report.xlsx")
    data = book[book.sheetnames[0]]
    assert data["L2"].value == "7" and data["L2"].comment is not None


def test_rules_core_questions_still_answer(capsys):
    assert main(["discount", "70000", "12"]) == 0
    assert "4,158円" in capsys.readouterr().out
