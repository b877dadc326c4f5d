"""The rules core's command line: ``kyosai timetable``, ``kyosai first-debit`` … — the clerk's questions.

Each sub-command answers one counter question with the rules core; arguments are read the way
clerks write them (``2024/12/2``, ``令和6年12月2日``, ``7万円``, ``現金なし``). Bad input prints a
Japanese and an English message and exits with status 2; nothing else is written.

The command line has two parts, each in its package's ``cli`` module: this one (the core's
sub-commands, and the terminal tables every sub-command prints with :func:`format_table`) and
:mod:`validator.cli` (``validate``, ``serve``, ``token``, ``db``, ``purge``), which adds this module's
sub-commands to its parser: the installed ``kyosai`` command is :func:`validator.cli.command`.
``python -m kyosai`` (:mod:`kyosai.__main__`) runs this module alone, with the rules core only.
"""

from __future__ import annotations

import argparse
import functools
import sys
import types
import unicodedata
from collections.abc import Callable, Sequence

from . import calendar, certificate, deduction, discount, failed_debit, timetable
from .errors import KyosaiError
from .japanese import format_date_ja, parse_amount, parse_count, parse_date, parse_month
from .labels import Channel, Pattern, PrepaymentMethod, Scheme
from .month import Month
from .schedule import Contract, payments

__all__ = ["main", "build_parser", "run", "add_commands", "display_width", "format_table"]


@functools.cache  # imported at the first table, not at every command's start (about 45 ms)
def _wcwidth() -> types.ModuleType | None:
    """wcwidth, which the `kyosai` command has (the `full` extra); None for the rules core alone."""
    try:
        import wcwidth
    except ImportError:
        return None
    return wcwidth


def display_width(text: str) -> int:
    """Terminal columns of printable text: a wide or fullwidth character takes two, a combining mark none.

    Every table of the command line (this module's and :mod:`validator.cli`'s, file names included) is
    measured here, by wcwidth. The rules core depends on nothing but the standard library and holidays:
    installed alone, it measures by the Unicode East Asian Width property instead, which is exact for
    the text its commands write (dates, months, amounts, kanji and kana headings).

    >>> display_width("2024年12月"), display_width("ｱ")
    (10, 1)
    """
    wcwidth = _wcwidth()
    if wcwidth is None:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return wcwidth.width(text)


def format_table(
    rows: Sequence[Sequence[object]], align: str, width: Callable[[str], int] = display_width
) -> list[str]:
    """The rows as lines whose columns line up on a terminal: each column as wide as its widest
    cell measured by ``width`` (display columns, not characters), two spaces apart; ``align`` has
    one ``<`` (left) or ``>`` (right) per column. No line ends in blanks.
    """
    texts = [[str(cell) for cell in row] for row in rows]
    widths = [max((width(row[i]) for row in texts if i < len(row)), default=0) for i in range(len(align))]
    lines = []
    for row in texts:
        cells = []
        for text, column_width, side in zip(row, widths, align, strict=False):
            blank = " " * (column_width - width(text))
            cells.append(text + blank if side == "<" else blank + text)
        lines.append("  ".join(cells).rstrip())
    return lines


def _contract(args) -> Contract:
    return Contract(
        scheme=Scheme.parse(args.scheme),
        monthly_amount=parse_amount(args.monthly_amount),
        application_date=parse_date(args.application_date),
        channel=Channel.parse(args.channel),
        pattern=Pattern.parse(args.pattern),
        prepaid_months=parse_count(args.prepaid_months, what_ja="前納月数", what_en="prepaid months"),
        designated_month=args.designated_month,
        prepayment_method=PrepaymentMethod.parse(args.prepayment_method),
    )


def _payment_cells(p) -> tuple[str, ...]:
    span = p.first_month.ja() if len(p.months) == 1 else f"{p.first_month.ja()}〜{p.last_month.ja()}"
    return format_date_ja(p.date), p.kind.value, f"{p.amount:,}円", f"（{span}、{len(p.months)}か月分）"


def cmd_timetable(args, out) -> None:
    first = parse_month(args.start) if args.start else Month.of(calendar.today())
    rows = timetable.rows(first, first + (args.months - 1))
    if args.csv:
        out.write(timetable.to_csv(rows))
        return
    table: list[tuple[str, ...]] = [
        ("月", "小規模 振替日", "小規模 変更・前納期限", "セーフティ 振替日", "セーフティ 前納期限")
    ]
    table += [
        (r.month.ja(), *map(format_date_ja, (r.sky_debit, r.sky_deadline, r.safety_debit, r.safety_deadline)))
        for r in rows
    ]
    out.writelines(line + "\n" for line in format_table(table, "<<<<<"))


def cmd_first_debit(args, out) -> None:
    contract = _contract(args)
    first = contract.first_debit
    out.write(
        f"{contract.scheme.value} {contract.channel.value} {contract.pattern.value} "
        f"掛金月額 {contract.monthly_amount:,}円 申込日 {format_date_ja(contract.application_date)}\n"
    )
    out.write(
        f"初回振替: {format_date_ja(first.date)} {first.amount:,}円"
        f"（{first.first_month.ja()}〜{first.last_month.ja()}分）\n"
    )
    out.write("最初の支払い:\n")
    shown = [_payment_cells(p) for p in payments(contract, first.month + 12)[: args.show]]
    out.writelines(f"  {line}\n" for line in format_table(shown, "<<><"))


def cmd_deduction(args, out) -> None:
    contract = _contract(args)
    year = parse_count(args.year, what_ja="年", what_en="year")
    received = None if args.discount_received is None else parse_amount(args.discount_received)
    b = deduction.breakdown(contract, year, received)
    out.write(
        f"{year}年の小規模企業共済等掛金控除: {b.deductible:,}円"
        f"（払込 {b.paid:,}円 − 前納減額金 {b.discount_received:,}円）\n"
    )
    out.write(f"掛金控除証明書: {certificate.dispatch(year, contract).value}\n")
    if b.deductible == 0 and contract.channel is not Channel.CASH:
        following = next((p.date.year for p in payments(contract, Month(year + 2, 12)) if p.date.year > year), None)
        if following:
            out.write(
                f"注意: 初回振替が{following}年のため、{year}年の控除はありません（{following}年から控除）。"
                "年内の控除を希望する場合は「現金あり」で申し込みます。\n"
            )


def cmd_discount(args, out) -> None:
    paid_on = parse_date(args.paid_on) if args.paid_on else calendar.today()
    amount = discount.compute(
        parse_amount(args.monthly_amount), parse_count(args.months, what_ja="前納月数", what_en="months"), paid_on
    )
    out.write(f"前納減額金: {amount:,}円\n")


def cmd_failed_debit(args, out) -> None:
    rows = failed_debit.plan(
        parse_month(args.failed_month), Scheme.parse(args.scheme), parse_amount(args.monthly_amount)
    )
    table = [
        (row.month.ja(), f"{row.amount:,}円", "、".join(m.ja() for m in row.months_billed) or "請求なし")
        for row in rows
    ]
    out.writelines(line + "\n" for line in format_table(table, "<><"))


def _contract_arguments(p: argparse.ArgumentParser, date_first: bool) -> None:
    """The contract's arguments, in the order of the matching Excel function."""
    positional = [
        ("monthly_amount", "掛金月額 (70000, 7万円)"),
        ("application_date", "申込日 (2024-12-02, 令和6年12月2日)"),
    ]
    for name, help_text in positional[::-1] if date_first else positional:
        p.add_argument(name, help=help_text)
    p.add_argument("--scheme", default="小規模企業共済", help="制度 (sky / safety)")
    p.add_argument("--channel", default="現金なし", help="申込方法 (現金あり / 現金なし / オンライン)")
    p.add_argument("--pattern", default="月払", help="払込区分 (月払 / 半年払 / 年払)")
    p.add_argument("--prepaid-months", default="0", help="加入時の前納月数")
    p.add_argument("--designated-month", type=int, default=None, help="指定納付月 (1–12)")
    p.add_argument("--prepayment-method", default="口座振替", help="SAFETY 前納方法 (口座振替 / 振込)")


def add_commands(sub) -> None:
    """Register the rules-core sub-commands on an argparse sub-parser collection."""
    p = sub.add_parser("timetable", help="振替日と提出期限の一覧 / debit days and deadlines")
    p.add_argument("--from", dest="start", help="最初の月 (2024-12)。省略時は今月")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--csv", action="store_true")
    p.set_defaults(handler=cmd_timetable)

    p = sub.add_parser("first-debit", help="初回振替日と金額 / first debit")
    _contract_arguments(p, date_first=True)
    p.add_argument("--show", type=int, default=4, help="表示する支払いの数")
    p.set_defaults(handler=cmd_first_debit)

    p = sub.add_parser("deduction", help="その年の掛金控除額 / SKY deduction for a year")
    p.add_argument("year")
    _contract_arguments(p, date_first=False)
    p.add_argument("--discount-received", default=None, help="受け取った前納減額金（実額）")
    p.set_defaults(handler=cmd_deduction)

    p = sub.add_parser("discount", help="前納減額金 / prepayment discount")
    p.add_argument("monthly_amount")
    p.add_argument("months", help="一度に払う月数（当月を含む）")
    p.add_argument("--paid-on", default=None, help="払込日（率の判定用。省略時 今日）")
    p.set_defaults(handler=cmd_discount)

    p = sub.add_parser("failed-debit", help="振替不能後の請求 / billing after a failed debit")
    p.add_argument("failed_month", help="振替不能の月 (2024-12)")
    p.add_argument("monthly_amount")
    p.add_argument("--scheme", default="小規模企業共済")
    p.set_defaults(handler=cmd_failed_debit)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyosai", description="小規模企業共済・経営セーフティ共済のルール")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub)
    return parser


def run(args, out=None) -> int:
    """Run a parsed command; a rule or input error becomes a message and status 2."""
    out = out or sys.stdout
    try:
        args.handler(args, out)
    except KyosaiError as error:
        sys.stderr.write(f"エラー: {error.message_ja}\nError: {error.message_en}\n")
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))
