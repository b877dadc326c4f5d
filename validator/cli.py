"""The ``kyosai`` command line for headquarters: ``kyosai validate FILE...``, the service
(``kyosai serve``, ``kyosai token create``, ``kyosai db init``) and the rules-core questions.

``kyosai validate FILE... [--kind K] [--format json|html|xlsx|csv] [--out DIR] [--as-of DATE]``
checks each file and writes one report per file: into ``--out`` (``<name>.report.<format>``), or,
for a single file without ``--out``, to standard output. Progress (on a terminal) and the summary
table go to standard error. Exit status: 0 every file valid, 1 some file has errors, 2 a file
cannot be read or the usage is wrong. A file is read in a capped child process while this one loads
the schemas, and its heavy rules run on a second core when there is one.

The service (docs/service.md) reads its settings from ``instance/config.py`` and ``KYOSAI_*``:

- ``kyosai serve [--host H] [--port P] [--workers N] [--demo]`` creates missing tables, then runs
  gunicorn with the app factory in the foreground (``--demo``: also makes an agency and a
  headquarters token, prints them and writes them to ``instance/demo-tokens.txt``; ``make run``);
- ``kyosai token create --agency NAME [--hq]`` prints a new token (only the token, on standard output;
  it is stored hashed and never shown again); ``kyosai token list``; ``kyosai token revoke ID``;
- ``kyosai db init`` creates the tables (and the instance folder).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from kyosai import calendar
from kyosai.__main__ import add_commands, run
from kyosai.errors import KyosaiError
from kyosai.japanese import parse_date

__all__ = ["main", "build_parser"]

EXIT_VALID, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
# a second core for the heavy rules of a file (the service's workers already use the cores)
_WORKERS = min(2, os.cpu_count() or 1)


def _out_name(path: Path, fmt: str, source_format: str | None, taken: set[str]) -> str:
    """``<stem>.report.<format>``; a file whose name is taken in this run (batch.xlsx and batch.csv,
    or a/batch.xlsx and b/batch.xlsx) gets its suffix and then a number, so no report replaces another."""
    suffix = ".xlsm" if fmt == "xlsx" and source_format == "xlsm" else f".{fmt}"
    candidates = [path.stem, f"{path.stem}_{path.suffix.lstrip('.')}"]
    candidates += [f"{path.stem}_{path.suffix.lstrip('.')}-{n}" for n in range(2, len(taken) + 3)]
    name = next(f"{stem}.report{suffix}" for stem in candidates if f"{stem}.report{suffix}" not in taken)
    taken.add(name)
    return name


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
    from . import sandbox
    from .check import validate_file           # the validator's dependencies load only when used
    from .output import FORMATS, render
    from .reading import ReadFailure

    sandbox.fork_when_single_threaded = True   # this command has no other threads

    paths = [Path(p) for p in args.files]
    if len(paths) > 1 and args.out is None and args.format != "json":
        sys.stderr.write("エラー: 複数のファイルを検査するときは --out でレポートの保存先を指定してください。\n"
                         "Error: give --out DIR to check several files (or use --format json).\n")
        return EXIT_UNREADABLE
    try:
        as_of = parse_date(args.as_of) if args.as_of else calendar.today()
    except KyosaiError as error:
        sys.stderr.write(f"エラー: --as-of: {error.message_ja}\nError: --as-of: {error.message_en}\n")
        return EXIT_UNREADABLE
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)

    progress = _Progress(len(paths))
    summary, reports, status, taken = [], [], EXIT_VALID, set()
    for done, path in enumerate(paths, start=1):
        progress.show(done - 1, path.name)
        try:
            if not path.is_file():
                raise FileNotFoundError(path)
            checked = validate_file(path, args.kind, filename=path.name, as_of=as_of, workers=_WORKERS)
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
            target = Path(args.out) / _out_name(path, args.format, report.source.format, taken)
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


def _service_app():
    from .service import create_app
    return create_app()


def _database_text(app) -> str:
    from sqlalchemy.engine import make_url
    return make_url(str(app.extensions["kyosai"].engine.url)).render_as_string(hide_password=True)


def cmd_db_init(args, out) -> int:
    app = _service_app()
    from .service.db import create_tables
    create_tables(app.extensions["kyosai"].engine)
    out.write(f"データベースを初期化しました / database ready: {_database_text(app)}\n"
              f"インスタンスフォルダ / instance folder: {app.instance_path}\n")
    return 0


def cmd_token_create(args, out) -> int:
    from .service.auth import AgencyMismatch, create_token
    app = _service_app()
    try:
        token, row = create_token(app.extensions["kyosai"].engine, args.agency, is_hq=args.hq)
    except (AgencyMismatch, ValueError) as error:
        what = "本部" if args.hq else "代理店"
        sys.stderr.write(f"エラー: 「{args.agency.strip()}」は{'代理店' if args.hq else '本部'}として登録済みです"
                         f"（{what}のトークンは作れません）。\n"
                         f"Error: agency {str(error)!r} exists with the other --hq setting.\n"
                         if isinstance(error, AgencyMismatch) else
                         "エラー: 代理店名が空です。\nError: the agency name is empty.\n")
        return EXIT_UNREADABLE
    out.write(token + "\n")
    sys.stderr.write(f"{'本部' if args.hq else '代理店'}「{row.agency.name}」のトークン（ID {row.id}）を作りました。"
                     "このトークンは二度と表示されません。安全に渡してください。\n"
                     f"Token {row.id} for {'headquarters ' if args.hq else ''}{row.agency.name!r} created; "
                     "it is stored hashed and will not be shown again.\n")
    return 0


def cmd_token_list(args, out) -> int:
    from sqlalchemy import select
    from .service.db import Token, read_session
    app = _service_app()
    with read_session(app.extensions["kyosai"].engine) as session:
        rows = session.scalars(select(Token).order_by(Token.id)).all()
        out.write(f"{'ID':>4}  {'作成日時(UTC)':<19}  {'状態':<4}  代理店\n")
        for row in rows:
            state = "失効" if row.revoked_at else "有効"
            hq = " [本部]" if row.agency.is_hq else ""
            out.write(f"{row.id:>4}  {row.created_at:%Y-%m-%d %H:%M:%S}  {state:<4}  {row.agency.name}{hq}\n")
    return 0


def cmd_token_revoke(args, out) -> int:
    from .service.auth import revoke_token
    app = _service_app()
    if not revoke_token(app.extensions["kyosai"].engine, args.id):
        sys.stderr.write(f"エラー: 有効なトークン ID {args.id} はありません。\nError: no live token {args.id}.\n")
        return EXIT_UNREADABLE
    out.write(f"トークン ID {args.id} を失効させました / token {args.id} revoked\n")
    return 0


def cmd_purge(args, out) -> int:
    from dataclasses import replace

    from .service.retention import purge
    try:
        app = _service_app()
    except RuntimeError as error:           # a bad KEEP_*_DAYS setting
        sys.stderr.write(f"エラー: 設定が正しくありません。\nError: {error}\n")
        return EXIT_UNREADABLE
    svc = app.extensions["kyosai"]
    retention = svc.retention
    if args.unsubmitted_days is not None:
        retention = replace(retention, unsubmitted_days=args.unsubmitted_days or None)
    if args.submitted_days is not None:
        retention = replace(retention, submitted_days=args.submitted_days or None)
    done = purge(svc.engine, svc.store, retention, dry_run=args.dry_run)

    def kept(days):
        return f"{days}日" if days else "無期限"
    verb_ja, verb_en = ("削除対象（試行のみ、何も削除していません）", "would remove (dry run, nothing removed)") \
        if args.dry_run else ("削除しました", "removed")
    out.write(f"保存期間 / kept: 未提出 {kept(retention.unsubmitted_days)}、提出済み {kept(retention.submitted_days)}\n"
              f"{verb_ja}: 未提出の検査 {done.unsubmitted:,}件、提出 {done.submitted:,}件、"
              f"記録のないファイル {done.orphans:,}件（{done.bytes / 1e6:,.1f} MB）\n"
              f"{verb_en}: {done.unsubmitted:,} unsubmitted validations, {done.submitted:,} submissions, "
              f"{done.orphans:,} files without a row ({done.bytes / 1e6:,.1f} MB)\n")
    return 0


def _days_arg(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"日数は0以上の整数です（0: 無期限） / days: a whole number, 0 keeps for good: {text!r}")
    return int(text)


def _gunicorn_has(setting: str) -> bool:
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:  # pragma: no cover - gunicorn is in the 'full' extra
        return False
    return any(s.name == setting for s in KNOWN_SETTINGS)


def gunicorn_argv(host: str, port: int, workers: int, timeout: int) -> list[str]:
    """The gunicorn command line of ``kyosai serve``: the app factory, access log without query strings."""
    # Recent gunicorn opens a control socket at ~/.gunicorn/gunicorn.ctl: one per user, so a second
    # server (tests, a demo beside production) would fight over it. We do not use it.
    extra = ["--no-control-socket"] if _gunicorn_has("control_socket_disable") else []
    return [sys.executable, "-m", "gunicorn", *extra,
            "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--workers", str(workers), "--timeout", str(timeout), "--graceful-timeout", "30",
            "--max-requests", "2000", "--max-requests-jitter", "200",
            # path only (ids, never a query string), status, bytes, milliseconds
            "--access-logfile", "-", "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
            "validator.service:create_app()"]


DEMO_AS_OF = "2025-03-31"          # the day the sample batches are written for
SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "samples"


def _demo_setup(app, args, out) -> None:
    """`kyosai serve --demo`: a fresh agency token and headquarters token, printed and written to
    ``<instance>/demo-tokens.txt``, with the URL and the sample files to try."""
    from .service.auth import create_token
    engine = app.extensions["kyosai"].engine
    agency, _ = create_token(engine, "デモ代理店")
    hq, _ = create_token(engine, "本部", is_hq=True)
    url = f"http://{args.host}:{args.port}/"
    samples = SAMPLES if SAMPLES.is_dir() else Path("workbooks/samples")
    tokens_file = Path(app.instance_path) / "demo-tokens.txt"
    text = (f"# kyosai demo tokens ({datetime.datetime.now():%Y-%m-%d %H:%M}); make run makes new ones each time\n"
            f"agency (デモ代理店): {agency}\n"
            f"headquarters (本部): {hq}\n")
    fd = os.open(tokens_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    rule = "=" * 78
    out.write(f"""{rule}
 kyosai 検査サービス / validation service (gunicorn, {args.workers} workers)
 URL:               {url}
 代理店トークン:    {agency}   (デモ代理店 / an agency)
 本部トークン:      {hq}   (本部 / headquarters: sees every submission)
                    (also in {tokens_file})
 試すファイル:      {samples}/
                    *_sample.xlsx → 受付可（提出できます） / valid, can be submitted
                    *_with_errors.xlsx, *.csv → 要修正 / with mistakes
 基準日 / as of:    {app.config.get("AS_OF") or "today"} (KYOSAI_AS_OF)
 データ / data:     {_database_text(app)}, files in {Path(app.instance_path) / "files"}
 API:  curl -H "Authorization: Bearer {agency}" \\
         -F file=@{samples}/sky-application_with_errors.xlsx {url}api/v1/validations
 止めるには Ctrl+C / Ctrl+C stops it
{rule}
""")
    out.flush()


def cmd_serve(args, out) -> int:
    if args.demo:
        os.environ.setdefault("KYOSAI_AS_OF", DEMO_AS_OF)
        os.environ["KYOSAI_DEMO"] = "true"
    app = _service_app()                      # checks the settings and creates missing tables once
    if args.demo:
        _demo_setup(app, args, out)
    timeout = args.timeout or int(app.config["READ_SECONDS"]) + 60
    app.extensions["kyosai"].engine.dispose()
    argv = gunicorn_argv(args.host, args.port, args.workers, timeout)
    sys.stderr.write(f"kyosai: http://{args.host}:{args.port}/ (gunicorn, {args.workers} workers, "
                     f"{_database_text(app)})\n")
    sys.stderr.flush()
    os.execv(sys.executable, argv)            # gunicorn in the foreground, in this process
    return 0                                  # pragma: no cover


def _service_commands(sub) -> None:
    p = sub.add_parser("serve", help="検査サービスを起動する（gunicorn） / run the service under gunicorn")
    p.add_argument("--host", default=os.environ.get("KYOSAI_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("KYOSAI_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("KYOSAI_WORKERS", "2")))
    p.add_argument("--timeout", type=int, default=None, help="gunicorn worker timeout (秒)")
    p.add_argument("--demo", action="store_true",
                   help=f"デモ: トークンを作って表示し、基準日 {DEMO_AS_OF} で起動する（make run）")
    p.set_defaults(handler=cmd_serve, returns_status=True)

    p = sub.add_parser("token", help="代理店・本部のトークン / agency tokens")
    tokens = p.add_subparsers(dest="token_command", required=True)
    t = tokens.add_parser("create", help="新しいトークンを作る（一度だけ表示）")
    t.add_argument("--agency", required=True, metavar="NAME", help="代理店名（なければ登録）")
    t.add_argument("--hq", action="store_true", help="本部（全代理店の提出を見られる）")
    t.set_defaults(handler=cmd_token_create, returns_status=True)
    t = tokens.add_parser("list", help="トークンの一覧（トークン自体は表示しない）")
    t.set_defaults(handler=cmd_token_list, returns_status=True)
    t = tokens.add_parser("revoke", help="トークンを失効させる")
    t.add_argument("id", type=int)
    t.set_defaults(handler=cmd_token_revoke, returns_status=True)

    p = sub.add_parser("purge", help="保存期間を過ぎた検査結果・提出・ファイルを削除する / remove what is past its retention")
    p.add_argument("--dry-run", action="store_true", help="件数を表示するだけで削除しない / only count")
    p.add_argument("--unsubmitted-days", type=_days_arg, metavar="N",
                   help="未提出の検査を残す日数（既定: KEEP_UNSUBMITTED_DAYS、0: 無期限）")
    p.add_argument("--submitted-days", type=_days_arg, metavar="N",
                   help="提出を残す日数（既定: KEEP_SUBMITTED_DAYS、0: 無期限）")
    p.set_defaults(handler=cmd_purge, returns_status=True)

    p = sub.add_parser("db", help="データベース / database")
    dbs = p.add_subparsers(dest="db_command", required=True)
    d = dbs.add_parser("init", help="テーブルを作る")
    d.set_defaults(handler=cmd_db_init, returns_status=True)


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
    _service_commands(sub)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:          # argparse's usage errors exit 2 already
        return int(exit_.code or 0)
    if args.handler is cmd_validate or getattr(args, "returns_status", False):
        return args.handler(args, sys.stdout)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
