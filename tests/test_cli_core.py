"""The rules-core sub-commands of the `kyosai` command line."""

import io
import re

from wcwidth import wcswidth

from kyosai.cli import build_parser, display_width, format_table, run


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


# The tables line up on a terminal: columns measured in display columns (a kanji takes two), checked
# with wcwidth, not with the core's own measure.


def cell_columns(line: str) -> list[tuple[int, int]]:
    """(first, last + 1) display column of each cell of a table line (cells are two spaces apart)."""
    spans, at = [], 0
    for cell in re.split(r" {2,}", line.strip()):
        index = line.index(cell, at)
        spans.append((wcswidth(line[:index]), wcswidth(line[: index + len(cell)])))
        at = index + len(cell)
    return spans


def test_timetable_columns_line_up_by_display_width():
    status, text = call("timetable", "--from", "2024-09", "--months", "16")  # 1- and 2-digit months and days
    lines = text.splitlines()
    assert status == 0 and len(lines) == 17 and lines[0].startswith("月")
    starts = {tuple(first for first, _ in cell_columns(line)) for line in lines}
    assert len(starts) == 1 and len(next(iter(starts))) == 5  # every cell starts where its heading does
    assert all(line == line.rstrip() for line in lines)


def test_amount_columns_are_right_aligned_by_display_width():
    status, text = call("failed-debit", "2025-08", "100000", "--scheme", "safety")  # 2025年9月, 2025年10月
    spans = [cell_columns(line) for line in text.splitlines()]
    assert status == 0 and len(spans) == 2
    assert spans[0][1][1] == spans[1][1][1] and spans[0][2][0] == spans[1][2][0]  # 0円 and 300,000円 end together
    status, text = call("first-debit", "2025-06-02", "70000", "--show", "4")  # 8月 to 11月
    payments = [cell_columns(line) for line in text.splitlines()[3:]]
    assert len(payments) == 4
    assert len({(s[0][0], s[1][0], s[2][1], s[3][0]) for s in payments}) == 1  # 210,000円 and 70,000円 end together


def test_format_table_measures_with_the_width_it_is_given():
    lines = format_table([("名前", "件数"), ("a", "12")], "<>")
    assert lines == ["名前  件数", "a       12"]
    assert format_table([("ab", "x")], "<<", width=lambda text: 1) == ["ab  x"]  # a caller's own measure
    assert display_width("2024年12月") == 10 and display_width("ｱ") == 1  # halfwidth kana: one column


def test_python_m_kyosai_runs_the_core_command_line():
    """``python -m kyosai`` (kyosai/__main__.py) is kyosai.cli alone: the core's sub-commands, no validator's."""
    import subprocess
    import sys

    def command(*argv):
        return subprocess.run([sys.executable, "-m", "kyosai", *argv], capture_output=True, text=True, timeout=60)

    done = command("discount", "70000", "12", "--paid-on", "2024-10-18")
    assert (done.returncode, done.stdout) == (0, "前納減額金: 4,158円\n")
    refused = command("validate", "x.xlsx")
    assert refused.returncode == 2 and "invalid choice: 'validate'" in refused.stderr


def test_the_rules_core_alone_measures_its_tables_by_east_asian_width(monkeypatch):
    """Without wcwidth (the core installed alone) the tables still line up: the core's own text
    measures the same by the Unicode East Asian Width property."""
    from kyosai import cli

    monkeypatch.setattr(cli, "_wcwidth", lambda: None)
    for text in ("2024年12月18日(水)", "（2024年12月〜2025年11月、12か月分）", "300,000円", "ｱ"):
        assert display_width(text) == wcswidth(text), text
    status, text = call("timetable", "--from", "2024-09", "--months", "16")
    starts = {tuple(first for first, _ in cell_columns(line)) for line in text.splitlines()}
    assert status == 0 and len(starts) == 1
