"""The ``kyosai`` command line for headquarters: ``kyosai validate FILE...`` and the rules-core questions.

``kyosai validate FILE... [--kind K] [--format json|html|xlsx|csv] [--out DIR] [--as-of DATE]``
checks each file and writes one report per file: into ``--out`` (``<name>.report.<format>``), or,
for a single file without ``--out``, to standard output. Progress (on a terminal) and the summary
table go to standard error. Exit status: 0 every file valid, 1 some file has errors, 2 a file
cannot be read or the usage is wrong.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from kyosai.__main__ import add_commands, run
from kyosai.errors import KyosaiError
from kyosai.japanese import parse_date

__all__ = ["main", "build_parser"]

EXIT_VALID, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def _out_name(path: Path, fmt: str, source_format: str | None) -> str:
    suffix = ".xlsm" if fmt == "xlsx" and source_format == "xlsm" else f".{fmt}"
    return f"{path.stem}.report{suffix}"


class _Progress:
    """A one-line progress bar on a terminal; silent when standard error is not one."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.live = stream.isatty() and total > 1

    def show(self, done: int, name: str) -> None:
        if self.live:
            width = 30
            filled = width * done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {name[:40]:<40}")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")


def cmd_validate(args, out) -> int:
    from .check import validate_file           # the validator's dependencies load only when used
    from .output import FORMATS, render
    from .reading import ReadFailure

    paths = [Path(p) for p in args.files]
    if len(paths) > 1 and args.out is None and args.format != "json":
        sys.stderr.write("エラー: 複数のファイルを検査するときは --out でレポートの保存先を指定してください。\n"
                         "Error: give --out DIR to check several files (or use --format json).\n")
        return EXIT_UNREADABLE
    try:
        as_of = parse_date(args.as_of) if args.as_of else datetime.date.today()
    except KyosaiError as error:
        sys.stderr.write(f"エラー: --as-of: {error.message_ja}\nError: --as-of: {error.message_en}\n")
        return EXIT_UNREADABLE
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)

    progress = _Progress(len(paths))
    summary, reports, status = [], [], EXIT_VALID
    for done, path in enumerate(paths, start=1):
        progress.show(done - 1, path.name)
        try:
            if not path.is_file():
                raise FileNotFoundError(path)
            checked = validate_file(path, args.kind, filename=path.name, as_of=as_of)
        except FileNotFoundError:
            summary.append((path.name, "読込不可", "-", "-", "ファイルがありません / no such file"))
            status = EXIT_UNREADABLE
            continue
        except ReadFailure as failure:
            summary.append((path.name, "読込不可", "-", "-", failure.finding.message_ja))
            status = EXIT_UNREADABLE
            if args.format == "json":
                reports.append({"valid": False, "source": {"filename": path.name},
                                "findings": [failure.finding.to_dict()]})
            continue
        report = checked.report
        verdict = "受付可" if report.valid else "要修正"
        summary.append((path.name, verdict, report.errors, report.warnings, f"{report.records}件"))
        if not report.valid and status == EXIT_VALID:
            status = EXIT_ERRORS
        if args.out:
            target = Path(args.out) / _out_name(path, args.format, report.source.format)
            tmp = target.with_name(target.name + ".part")
            tmp.write_bytes(render(args.format, checked))
            tmp.replace(target)            # never a half-written report
        elif args.format == "json":
            reports.append(json.loads(render("json", checked)))
        else:
            sys.stdout.buffer.write(render(args.format, checked))
    progress.show(len(paths), "")
    progress.close()
    if reports:
        data = reports[0] if len(paths) == 1 else reports
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    _print_summary(summary)
    return status


def _print_summary(rows) -> None:
    sys.stderr.write(f"{'ファイル':<30} {'判定':<6} {'エラー':>6} {'警告':>6}  備考\n")
    for name, verdict, errors, warnings, note in rows:
        sys.stderr.write(f"{name[:30]:<30} {verdict:<6} {errors!s:>6} {warnings!s:>6}  {note}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyosai", description="小規模企業共済・経営セーフティ共済: ルールとバッチ検査")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="バッチファイルを検査する / check batch files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=["sky-application", "safety-application", "prepayment"])
    p.add_argument("--format", choices=["json", "html", "xlsx", "csv"], default="json")
    p.add_argument("--out", metavar="DIR", help="レポートの保存先フォルダ")
    p.add_argument("--as-of", help="基準日（今日以外の日で検査するとき）")
    p.set_defaults(handler=cmd_validate)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:          # argparse's usage errors exit 2 already
        return int(exit_.code or 0)
    if args.handler is cmd_validate:
        return cmd_validate(args, sys.stdout)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
