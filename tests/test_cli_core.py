"""The rules-core sub-commands of the `kyosai` command line."""

import io

import pytest

from kyosai.__main__ import build_parser, run


def call(*argv):
    out = io.StringIO()
    status = run(build_parser().parse_args(list(argv)), out)
    return status, out.getvalue()


def test_first_debit_of_the_seed_example():
    status, text = call("first-debit", "令和6年12月2日", "7万円", "--channel", "現金なし", "--pattern", "年払")
    assert status == 0
    assert "初回振替: 2025年2月18日(火) 840,000円（2024年12月〜2025年11月分）" in text


def test_deduction_warns_when_nothing_is_deductible_this_year():
    status, text = call("deduction", "2024", "70000", "2024-12-02", "--pattern", "年払")
    assert status == 0 and "控除: 0円" in text and "2025年から控除" in text and "発行なし" in text
    status, text = call("deduction", "2024", "70000", "2024-12-02", "--channel", "現金あり", "--pattern", "年払")
    assert "控除: 840,000円" in text and "翌年2月" in text


def test_timetable_csv_and_discount_and_failed_debit():
    status, text = call("timetable", "--from", "2024-12", "--months", "1", "--csv")
    assert text.splitlines()[1].startswith("2024-12,2024-12-18 (水),2024-11-20 (水)")
    assert call("discount", "70000", "12", "--paid-on", "2024-10-18")[1] == "前納減額金: 4,158円\n"
    assert "300,000円" in call("failed-debit", "2024-12", "100000", "--scheme", "safety")[1]


def test_bad_input_exits_2_with_both_languages(capsys):
    status, text = call("first-debit", "2024-13-02", "70000")
    err = capsys.readouterr().err
    assert status == 2 and text == ""
    assert "「2024-13-02」は日付として読めません" in err and "is not a date" in err
    assert call("first-debit", "2024-12-02", "70500")[0] == 2
