"""The ``kyosai`` command line for headquarters: ``kyosai validate FILE...``, the service
(``kyosai serve``, ``kyosai token create``, ``kyosai db init``) and the rules-core questions
(``kyosai timetable`` …, whose sub-commands and terminal tables are :mod:`kyosai.cli`'s).

``kyosai validate FILE... [--kind K] [--format json|html|xlsx|csv] [--out DIR] [--as-of DATE]``
checks each file and writes one report per file: into ``--out`` (``<name>.report.<format>``), or,
for a single file without ``--out``, to standard output. Progress (on a terminal) and the summary
table go to standard error. Exit status: 0 every file valid, 1 some file has errors, 2 a file
cannot be read or the usage is wrong. A file is read in a capped child process while this one loads
the schemas, and its heavy rules run on a second core when there is one.

The service (docs/service.md) reads its settings from ``instance/config.py`` and ``KYOSAI_*``:

- ``kyosai serve [--host H] [--port P] [--workers N] [--threads T] [--demo] [--no-upgrade]`` brings
  the database to the newest schema and moves stored files an older version kept in the instance
  folder into the database when the files are kept there (``--no-upgrade``: only checks it, and stops
  if it is behind), then runs gunicorn (threaded workers) with the app factory in the foreground
  (``--demo``: also makes an agency and a headquarters token, prints them and writes them to
  ``instance/demo-tokens.txt``; ``make run``);
- ``kyosai token create --agency NAME [--hq] [--expires 90d|12w|3m|DATE]`` prints a new token (only
  the token, on standard output; it is stored hashed and never shown again); ``kyosai token list``
  (state, expiry, last use); ``kyosai token revoke ID``;
- ``kyosai db upgrade`` brings the database to the newest schema (Alembic migrations; ``db init`` is
  the same); ``kyosai db status`` tells where it stands and what an upgrade would apply.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import unicodedata
from pathlib import Path

from kyosai import calendar
from kyosai.cli import add_commands, display_width, format_table, run
from kyosai.errors import KyosaiError
from kyosai.japanese import parse_date

__all__ = ["main", "build_parser", "shorten_middle"]

EXIT_VALID, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


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
            shown = _clip(_printable(name), 40)  # padded to 40 columns: covers the name before it
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                f"{shown}{' ' * (40 - display_width(shown))}"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")


def cmd_validate(args, out) -> int:
    from .check import validate_file  # the validator's dependencies load only when used
    from .reading import ReadFailure

    paths = [Path(p) for p in args.files]
    if len(paths) > 1 and args.out is None and args.format != "json":
        sys.stderr.write(
            "エラー: 複数のファイルを検査するときは --out でレポートの保存先を指定してください。\n"
            "Error: give --out DIR to check several files (or use --format json).\n"
        )
        return EXIT_UNREADABLE
    try:
        as_of = parse_date(args.as_of) if args.as_of else calendar.today()
    except KyosaiError as error:
        sys.stderr.write(f"エラー: --as-of: {error.message_ja}\nError: --as-of: {error.message_en}\n")
        return EXIT_UNREADABLE
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)

    progress = _Progress(len(paths))
    summary: list[tuple[Path, str, int | str, int | str, str]] = []  # file, verdict, errors, warnings, note
    reports: list[dict] = []
    status = EXIT_VALID
    taken: set[str] = set()  # the reports' names given in this run
    for done, path in enumerate(paths, start=1):
        progress.show(done - 1, path.name)
        try:
            if not path.is_file():
                raise FileNotFoundError(path)
            checked = validate_file(path, args.kind, filename=path.name, as_of=as_of)
        except FileNotFoundError:
            summary.append((path, "読込不可", "-", "-", "ファイルがありません / no such file"))
            status = EXIT_UNREADABLE
            continue
        except ReadFailure as failure:
            summary.append((path, "読込不可", "-", "-", failure.finding.message_ja))
            status = EXIT_UNREADABLE
            if args.format == "json":
                reports.append(
                    {"valid": False, "source": {"filename": path.name}, "findings": [failure.finding.to_dict()]}
                )
            continue
        from .output import render  # once a file is read: the renderers need not delay the first reading child

        report = checked.report
        verdict = "受付可" if report.valid else "要修正"
        summary.append((path, verdict, report.errors, report.warnings, f"{report.records}件"))
        if not report.valid and status == EXIT_VALID:
            status = EXIT_ERRORS
        if args.out:
            target = Path(args.out) / _out_name(path, args.format, report.source.format, taken)
            tmp = target.with_name(target.name + ".part")
            tmp.write_bytes(render(args.format, checked))
            tmp.replace(target)  # never a half-written report
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


NAME_COLUMNS = 40  # the widest file name in the summary, in display columns
ELLIPSIS = "..."  # not "…": East Asian consoles (cp932) draw that one two columns wide


def _print_summary(rows) -> None:
    """The summary table on standard error: one row per file, the columns lined up by display
    width (a kanji takes two columns), long names shortened in the middle, no two files alike."""
    labels = shorten_middle(_file_labels([path for path, *_ in rows]), NAME_COLUMNS)
    table: list[tuple[str, ...]] = [("ファイル", "判定", "エラー", "警告", "備考")]
    table += [
        (label, *(_printable(str(cell)) for cell in cells)) for label, (_, *cells) in zip(labels, rows, strict=True)
    ]
    sys.stderr.writelines(line + "\n" for line in format_table(table, "<<>><"))


def _file_labels(paths: list[Path]) -> list[str]:
    """Each file by its name; by the path as given when another file in the run has the same name."""
    names: dict[str, set[str]] = {}
    for path in paths:
        names.setdefault(path.name, set()).add(str(path))
    return [_printable(str(path) if len(names[path.name]) > 1 else path.name) for path in paths]


# Never written to the terminal as they are: control characters (a name could move the cursor
# or recolour the screen), bidirectional and other format characters (a name could read backwards),
# lone surrogates (undecodable bytes) and unassigned or private characters (no known width).
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _printable(text: str) -> str:
    """The text with every unprintable character written as its escape (``\\n``, ``\\u202e``)."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text
    )


def _clip(text: str, columns: int) -> str:
    """The text if it fits in ``columns`` display columns, else its start and its end around
    ``...``, cut between graphemes (a letter and its marks, an emoji sequence stay whole)."""
    if display_width(text) <= columns:
        return text
    import wcwidth

    graphemes = list(wcwidth.iter_graphemes(text))
    room = max(columns - len(ELLIPSIS), 2)
    head, used = 0, 0
    while head < len(graphemes) and used + display_width(graphemes[head]) <= room // 2:
        used += display_width(graphemes[head])
        head += 1
    tail = len(graphemes)
    while tail > head and used + display_width(graphemes[tail - 1]) <= room:
        used += display_width(graphemes[tail - 1])
        tail -= 1
    return "".join(graphemes[:head]) + ELLIPSIS + "".join(graphemes[tail:])


def shorten_middle(texts: list[str], columns: int) -> list[str]:
    """Each text within ``columns`` display columns, shortened in the middle (start ... end).
    Different texts never come out the same: where two would, both get more room until they differ
    (at worst they are shown whole, and whole texts differ)."""
    room = dict.fromkeys(texts, columns)
    while True:
        shown = {text: _clip(text, width) for text, width in room.items()}
        seen: dict[str, list[str]] = {}
        for text, short in shown.items():
            seen.setdefault(short, []).append(text)
        clashes = [text for same in seen.values() if len(same) > 1 for text in same]
        if not clashes:
            return [shown[text] for text in texts]
        for text in clashes:
            room[text] += 1


def _service_app(migrate: bool | None = None):
    from .service import create_app

    return create_app(migrate=migrate)


def _database_text(app) -> str:
    from sqlalchemy.engine import make_url

    return make_url(str(app.extensions["kyosai"].engine.url)).render_as_string(hide_password=True)


def _upgrade(app, out) -> bool:
    """Bring the app's database to the newest revision and say what was done; False when it failed
    (then nothing changed: the upgrade is one transaction)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .service.migrate import upgrade_database

    try:
        before, after = upgrade_database(app.extensions["kyosai"].engine)
    except SQLAlchemyError as error:
        sys.stderr.write(
            "エラー: データベースを更新できませんでした。何も変更していません（更新は一つのトランザクションです）。\n"
            f"Error: the database upgrade failed and changed nothing: {type(error).__name__}: "
            f"{str(error).splitlines()[0]}\n"
        )
        return False
    if not before.known:
        out.write(
            f"データベースの版 {before.revision} はこのプログラムより新しいため、変更しません。\n"
            f"The database is at revision {before.revision}, newer than this program: left as it is.\n"
        )
    elif not before.pending:
        out.write(
            f"データベースは最新です（版 {after.revision}） / the database is up to date (revision {after.revision})\n"
        )
    else:
        if before.before_migrations:
            out.write(
                "移行（マイグレーション）導入前に作られたデータベースを認識しました。既存の表とデータはそのまま使います。\n"
                "Recognised a database made before migrations: its tables and rows are kept as they are.\n"
            )
        out.write(
            f"データベースを更新しました: 版 {before.revision or 'なし'} → {after.revision}"
            f"（{'、'.join(before.pending)}）\n"
            f"Database upgraded: revision {before.revision or 'none'} → {after.revision} "
            f"({', '.join(before.pending)})\n"
        )
    return _move_files(app, out) if after.known else True


def _move_files(app, out) -> bool:
    """With the database's file store: move the files an older version kept in this host's folder
    into the database, and say so (what is missing here may be on another host: run it there)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .service.storage import DatabaseStore

    store = app.extensions["kyosai"].store
    if not isinstance(store, DatabaseStore):
        return True
    try:
        moved, missing = store.move_from_disk()
    except (SQLAlchemyError, OSError) as error:
        sys.stderr.write(
            "エラー: 保存ファイルをデータベースへ移せませんでした"
            "（移せたものは移してあります。もう一度実行できます）。\n"
            f"Error: moving the stored files into the database failed (what moved has moved; run it "
            f"again): {type(error).__name__}\n"
        )
        return False
    if moved:
        out.write(
            f"このホストの {store.root} にあった保存ファイル {moved:,}件をデータベースへ移しました。\n"
            f"Moved {moved:,} stored files from {store.root} into the database.\n"
        )
    if missing:
        out.write(
            f"注意: {missing:,}件の検査のファイルがデータベースにも {store.root} にもありません。"
            "以前のホストに残っていれば、そのホストで `kyosai db upgrade` を実行してください。\n"
            f"Note: the files of {missing:,} validations are neither in the database nor in {store.root}: "
            "if the former host still holds them, run `kyosai db upgrade` there.\n"
        )
    return True


def cmd_db_upgrade(args, out) -> int:
    try:
        app = _service_app(migrate=False)
    except RuntimeError as error:  # a bad setting
        sys.stderr.write(f"エラー: 設定が正しくありません。\nError: {error}\n")
        return EXIT_UNREADABLE
    try:
        if not _upgrade(app, out):
            return EXIT_UNREADABLE
        out.write(
            f"データベース / database: {_database_text(app)}\n"
            f"インスタンスフォルダ / instance folder: {app.instance_path}\n"
        )
        return 0
    finally:
        app.extensions["kyosai"].engine.dispose()


def cmd_db_status(args, out) -> int:
    """Where the database stands; exit 0 at the newest revision, 1 when an upgrade is pending."""
    from .service.migrate import head, schema_state

    try:
        app = _service_app(migrate=False)
    except RuntimeError as error:
        sys.stderr.write(f"エラー: 設定が正しくありません。\nError: {error}\n")
        return EXIT_UNREADABLE
    try:
        state = schema_state(app.extensions["kyosai"].engine)
    finally:
        app.extensions["kyosai"].engine.dispose()
    revision = state.revision or (
        "なし（移行導入前の形式） / none (made before migrations)"
        if state.before_migrations
        else "なし（空） / none (empty)"
    )
    out.write(
        f"データベース / database: {_database_text(app)}\n"
        f"現在の版 / revision: {revision}\n"
        f"このプログラムの最新版 / this program's newest: {head()}\n"
    )
    if not state.known:
        out.write("データベースの方が新しい版です / the database is newer than this program\n")
        return 0
    if state.pending:
        out.write(
            f"未適用 / pending: {'、'.join(state.pending)} — `kyosai db upgrade` で適用します（先にバックアップを）\n"
        )
        return EXIT_ERRORS
    out.write("最新です / up to date\n")
    return 0


def cmd_token_create(args, out) -> int:
    from .service.auth import AgencyMismatch, create_token

    app = _service_app()
    try:
        token, row = create_token(app.extensions["kyosai"].engine, args.agency, is_hq=args.hq, expires_at=args.expires)
    except (AgencyMismatch, ValueError) as error:
        what = "本部" if args.hq else "代理店"
        sys.stderr.write(
            f"エラー: 「{args.agency.strip()}」は{'代理店' if args.hq else '本部'}として登録済みです"
            f"（{what}のトークンは作れません）。\n"
            f"Error: agency {str(error)!r} exists with the other --hq setting.\n"
            if isinstance(error, AgencyMismatch)
            else "エラー: 代理店名が空です。\nError: the agency name is empty.\n"
        )
        return EXIT_UNREADABLE
    out.write(token + "\n")
    sys.stderr.write(
        f"{'本部' if args.hq else '代理店'}「{row.agency.name}」のトークン（ID {row.id}）を作りました。"
        "このトークンは二度と表示されません。安全に渡してください。\n"
        f"Token {row.id} for {'headquarters ' if args.hq else ''}{row.agency.name!r} created; "
        "it is stored hashed and will not be shown again.\n"
    )
    if row.expires_at is not None:
        from .service.auth import in_japan

        sys.stderr.write(f"有効期限: {in_japan(row.expires_at)} / expires {row.expires_at:%Y-%m-%d %H:%M} UTC\n")
    return 0


def _expiry_arg(text: str):
    """``--expires``: a period (90d, 12w, 3m) or a date, as the moment the token expires (UTC)."""
    from .service.auth import InvalidExpiry, parse_expiry

    try:
        return parse_expiry(text)
    except InvalidExpiry as error:
        raise argparse.ArgumentTypeError(f"{error.message_ja}\n{error.message_en}") from None


def cmd_token_list(args, out) -> int:
    from sqlalchemy import select

    from .service.db import Token, read_session, utcnow

    app = _service_app()

    def moment(value) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else "-"

    now = utcnow()
    table: list[tuple[object, ...]] = [("ID", "状態", "作成(UTC)", "有効期限(UTC)", "最終使用(UTC)", "代理店")]
    with read_session(app.extensions["kyosai"].engine) as session:
        for row in session.scalars(select(Token).order_by(Token.id)):
            state = (
                "失効"
                if row.revoked_at
                else "期限切れ"
                if row.expires_at is not None and row.expires_at <= now
                else "有効"
            )
            table.append(
                (
                    row.id,
                    state,
                    moment(row.created_at),
                    moment(row.expires_at) if row.expires_at else "なし",
                    moment(row.last_used_at),
                    row.agency.name + (" [本部]" if row.agency.is_hq else ""),
                )
            )
    out.writelines(line + "\n" for line in format_table(table, "><<<<<"))
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
    except RuntimeError as error:  # a bad KEEP_*_DAYS setting
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

    verb_ja, verb_en = (
        ("削除対象（試行のみ、何も削除していません）", "would remove (dry run, nothing removed)")
        if args.dry_run
        else ("削除しました", "removed")
    )
    out.write(
        f"保存期間 / kept: 未提出 {kept(retention.unsubmitted_days)}、提出済み {kept(retention.submitted_days)}\n"
        f"{verb_ja}: 未提出の検査 {done.unsubmitted:,}件、提出 {done.submitted:,}件、"
        f"記録のないファイル {done.orphans:,}件（{done.bytes / 1e6:,.1f} MB）\n"
        f"{verb_en}: {done.unsubmitted:,} unsubmitted validations, {done.submitted:,} submissions, "
        f"{done.orphans:,} files without a row ({done.bytes / 1e6:,.1f} MB)\n"
    )
    return 0


def _days_arg(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"日数は0以上の整数です（0: 無期限） / days: a whole number, 0 keeps for good: {text!r}"
        )
    return int(text)


def _gunicorn_has(setting: str) -> bool:
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:  # pragma: no cover - gunicorn is in the 'full' extra
        return False
    return any(s.name == setting for s in KNOWN_SETTINGS)


def gunicorn_argv(host: str, port: int, workers: int, timeout: int, threads: int = 8) -> list[str]:
    """The gunicorn command line of ``kyosai serve``: the app factory, threaded workers, access log
    without query strings."""
    # Recent gunicorn opens a control socket at ~/.gunicorn/gunicorn.ctl: one per user, so a second
    # server (tests, a demo beside production) would fight over it. We do not use it.
    extra = ["--no-control-socket"] if _gunicorn_has("control_socket_disable") else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        *extra,
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        # gthread: a request waiting for a child (a reading, a report's render) holds one thread,
        # not the worker, so other agencies' requests are answered meanwhile (docs/service.md)
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "30",
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        # path only (ids, never a query string), status, bytes, milliseconds
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "validator.service:create_app()",
    ]


DEMO_AS_OF = "2025-03-31"  # the day the sample batches are written for
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
    text = (
        f"# kyosai demo tokens ({datetime.datetime.now():%Y-%m-%d %H:%M}); make run makes new ones each time\n"
        f"agency (デモ代理店): {agency}\n"
        f"headquarters (本部): {hq}\n"
    )
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
    from .service.migrate import DatabaseBehind, require_current

    app = _service_app(migrate=False)  # checks the settings; the schema is handled here, once
    if args.no_upgrade:
        try:
            require_current(app.extensions["kyosai"].engine)
        except DatabaseBehind as error:
            sys.stderr.write(f"エラー / Error: {error}\n")
            return EXIT_UNREADABLE
    elif not _upgrade(app, sys.stderr):
        return EXIT_UNREADABLE
    # the workers only check the schema: this process has upgraded it (or was told not to)
    os.environ["KYOSAI_UPGRADE_DATABASE"] = "false"
    if args.demo:
        _demo_setup(app, args, out)
    timeout = args.timeout or int(app.config["READ_SECONDS"]) + 60
    app.extensions["kyosai"].engine.dispose()
    argv = gunicorn_argv(args.host, args.port, args.workers, timeout, args.threads)
    sys.stderr.write(
        f"kyosai: http://{args.host}:{args.port}/ (gunicorn, {args.workers} workers × "
        f"{args.threads} threads, {_database_text(app)}, files: {app.extensions['kyosai'].store.kind})\n"
    )
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # gunicorn in the foreground, in this process
    return 0  # pragma: no cover


def _service_commands(sub) -> None:
    p = sub.add_parser("serve", help="検査サービスを起動する（gunicorn） / run the service under gunicorn")
    p.add_argument("--host", default=os.environ.get("KYOSAI_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("KYOSAI_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("KYOSAI_WORKERS", "2")))
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("KYOSAI_THREADS", "8")),
        help="threads per worker (gthread) / ワーカーごとのスレッド数",
    )
    p.add_argument("--timeout", type=int, default=None, help="gunicorn worker timeout (秒)")
    p.add_argument(
        "--demo", action="store_true", help=f"デモ: トークンを作って表示し、基準日 {DEMO_AS_OF} で起動する（make run）"
    )
    p.add_argument(
        "--no-upgrade",
        action="store_true",
        help="データベースを更新しない（最新でなければ起動しない） / do not upgrade the database "
        "(refuse to start when it is behind)",
    )
    p.set_defaults(handler=cmd_serve, returns_status=True)

    p = sub.add_parser("token", help="代理店・本部のトークン / agency tokens")
    tokens = p.add_subparsers(dest="token_command", required=True)
    t = tokens.add_parser("create", help="新しいトークンを作る（一度だけ表示）")
    t.add_argument("--agency", required=True, metavar="NAME", help="代理店名（なければ登録）")
    t.add_argument("--hq", action="store_true", help="本部（全代理店の提出を見られる）")
    t.add_argument(
        "--expires",
        type=_expiry_arg,
        metavar="期間|日付",
        help="有効期限: 90d（日）・12w（週）・3m（月）または日付 2026-03-31（その日の終わりまで）。"
        "省略: 失効させるまで有効 / expiry: 90d, 12w, 3m or a date",
    )
    t.set_defaults(handler=cmd_token_create, returns_status=True)
    t = tokens.add_parser("list", help="トークンの一覧（トークン自体は表示しない）")
    t.set_defaults(handler=cmd_token_list, returns_status=True)
    t = tokens.add_parser("revoke", help="トークンを失効させる")
    t.add_argument("id", type=int)
    t.set_defaults(handler=cmd_token_revoke, returns_status=True)

    p = sub.add_parser(
        "purge", help="保存期間を過ぎた検査結果・提出・ファイルを削除する / remove what is past its retention"
    )
    p.add_argument("--dry-run", action="store_true", help="件数を表示するだけで削除しない / only count")
    p.add_argument(
        "--unsubmitted-days",
        type=_days_arg,
        metavar="N",
        help="未提出の検査を残す日数（既定: KEEP_UNSUBMITTED_DAYS、0: 無期限）",
    )
    p.add_argument(
        "--submitted-days", type=_days_arg, metavar="N", help="提出を残す日数（既定: KEEP_SUBMITTED_DAYS、0: 無期限）"
    )
    p.set_defaults(handler=cmd_purge, returns_status=True)

    p = sub.add_parser("db", help="データベース / database")
    dbs = p.add_subparsers(dest="db_command", required=True)
    for name in ("upgrade", "init"):  # init: the name from before migrations, the same command
        d = dbs.add_parser(
            name, help="データベースを最新の形式にする（移行を適用） / upgrade the database to the newest schema"
        )
        d.set_defaults(handler=cmd_db_upgrade, returns_status=True)
    d = dbs.add_parser("status", help="データベースの版と未適用の移行 / the database's revision and pending migrations")
    d.set_defaults(handler=cmd_db_status, returns_status=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyosai", description="小規模企業共済・経営セーフティ共済: ルールとバッチ検査"
    )
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
    except SystemExit as exit_:  # argparse's usage errors exit 2 already
        return int(exit_.code or 0)
    if args.handler is cmd_validate or getattr(args, "returns_status", False):
        return args.handler(args, sys.stdout)
    return run(args)


def command() -> None:
    """The installed ``kyosai`` command: :func:`main`. After ``kyosai validate`` the process ends at
    once, its reports written and its output flushed: what it holds (polars, the registries, the
    holiday calendars) is left to the operating system rather than freed object by object, which
    took ~0.2 s after a 100,000-row check (bench/RESULTS.md). Other commands (the database's) exit
    as usual, closing what they opened."""
    argv = sys.argv[1:]
    status = main(argv)
    if argv[:1] == ["validate"]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    command()
