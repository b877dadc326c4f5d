"""The service's settings, pages, error pages, command line (`kyosai serve|token|db`) and gunicorn."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from validator import cli
from validator.service import create_app
from validator.service.auth import hash_token
from validator.service.db import Token, read_session

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "samples" / "sky-application_sample.xlsx"


@pytest.fixture
def env_instance(tmp_path, monkeypatch):
    """The environment of a deployment: only KYOSAI_* settings, no test mapping."""
    for name in list(os.environ):
        if name.startswith("KYOSAI_") and name != "KYOSAI_PARAMETERS":
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    monkeypatch.setenv("KYOSAI_INSTANCE_PATH", str(folder))
    return folder


def _dispose(app):
    app.extensions["kyosai"].engine.dispose()


# ------------------------------------------------------------------------------------------ settings


def test_by_default_the_database_is_sqlite_in_the_instance_folder(env_instance):
    app = create_app()
    try:
        assert Path(app.instance_path) == env_instance
        engine = app.extensions["kyosai"].engine
        assert str(engine.url) == f"sqlite:///{env_instance / 'kyosai.sqlite3'}"
        assert set(inspect(engine).get_table_names()) >= {"agencies", "tokens", "validations", "submissions"}
        assert (env_instance / "files").is_dir()
        assert app.extensions["kyosai"].as_of is None and app.extensions["kyosai"].isolated
    finally:
        _dispose(app)


def test_settings_come_from_the_environment(env_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("KYOSAI_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.setenv("KYOSAI_MAX_CONTENT_LENGTH", "1048576")
    monkeypatch.setenv("KYOSAI_MAX_ROWS", "500")
    monkeypatch.setenv("KYOSAI_AS_OF", "2025-03-31")
    app = create_app()
    try:
        svc = app.extensions["kyosai"]
        assert app.config["MAX_CONTENT_LENGTH"] == 1048576
        assert svc.limits.max_bytes == 1048576 and svc.limits.max_rows == 500
        assert svc.as_of.isoformat() == "2025-03-31"
        assert svc.engine.url.database == str(tmp_path / "other.db")
    finally:
        _dispose(app)


def test_settings_come_from_the_instance_config_file(env_instance, monkeypatch):
    env_instance.mkdir(parents=True)
    (env_instance / "config.py").write_text("MAX_ROWS = 7\nAS_OF = '令和7年3月31日'\n", encoding="utf-8")
    monkeypatch.setenv("KYOSAI_MAX_ROWS", "9")  # the environment wins over the file
    app = create_app()
    try:
        assert app.extensions["kyosai"].limits.max_rows == 9
        assert app.extensions["kyosai"].as_of.isoformat() == "2025-03-31"
    finally:
        _dispose(app)


def test_a_test_mapping_replaces_file_and_environment(env_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("KYOSAI_MAX_ROWS", "9")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "mapped"), "MAX_ROWS": 3})
    try:
        assert app.extensions["kyosai"].limits.max_rows == 3 and app.instance_path == str(tmp_path / "mapped")
    finally:
        _dispose(app)


def test_a_bad_as_of_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="AS_OF"):
        create_app({"INSTANCE_PATH": str(tmp_path), "AS_OF": "someday"})


def test_postgres_urls_use_psycopg3(tmp_path):
    from validator.service.config import database_url

    assert (
        database_url({"DATABASE_URL": "postgresql://u:p@db/kyosai"}, tmp_path) == "postgresql+psycopg://u:p@db/kyosai"
    )


# ------------------------------------------------------------------------------------------ pages


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "AS_OF": "2025-03-31", "DEMO": True}
    )
    yield app
    _dispose(app)


def test_the_upload_page_is_japanese_and_takes_a_token(app):
    response = app.test_client().get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="ja">' in page and "トークン" in page and "検査する" in page and "提出する" in page
    assert 'value="sky-application">小規模企業共済 契約申込' in page
    assert "基準日 2025-03-31" in page and "instance/demo-tokens.txt" in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page  # our script is a file: the policy forbids inline ones
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_login_form_posts_and_names_no_field_so_a_token_never_lands_in_a_url(app):
    """Submitted before the script has loaded (a slow line, a script blocked), a form without a
    method sends its named fields as ``GET /?token=…``: into the browser's history, the proxy's log.
    The form posts, and the token field has no name, so it is not sent at all; the script reads it
    by its id."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        form, fields = None, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == "login-form":
                self.form = attrs
            elif tag == "input" and self.form is not None and not self.fields:
                self.fields.append(attrs)

    page = Form()
    page.feed(app.test_client().get("/").get_data(as_text=True))
    assert page.form["method"] == "post"
    assert page.fields[0]["id"] == "token" and "name" not in page.fields[0]
    script = app.test_client().get("/static/kyosai.js").get_data(as_text=True)
    assert '$("token").value' in script
    # submitted without the script: nothing of the token goes anywhere, the answer is the usual page
    refused = app.test_client().post("/", data={})
    assert refused.status_code == 405 and refused.headers["Cache-Control"] == "no-store"


def test_the_page_script_keeps_the_token_in_session_storage_and_sends_it_as_a_header(app):
    script = app.test_client().get("/static/kyosai.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    assert "sessionStorage" in text and '"Authorization", "Bearer "' in text and 'credentials: "omit"' in text
    assert "innerHTML" not in text  # data from files goes in as text only
    assert app.test_client().get("/static/kyosai.css").status_code == 200


def test_errors_outside_the_api_are_a_japanese_page(app):
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "見つかりません" in page and "アップロード画面へ戻る" in page and "HTTP 404" in page
    response = app.test_client().post("/")
    assert response.status_code == 405 and "この操作はできません" in response.get_data(as_text=True)


def test_health(app):
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_an_unexpected_error_is_500_json_and_logged_by_type_only(tmp_path, monkeypatch, caplog):
    from validator.service import api
    from validator.service.auth import create_token

    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "ISOLATED": False})  # not TESTING
    try:
        token, _ = create_token(app.extensions["kyosai"].engine, "代理店A")

        def boom(*args, **kwargs):
            raise KeyError("佐藤花子")

        monkeypatch.setattr(api, "validate_file", boom)
        response = app.test_client().post(
            "/api/v1/validations",
            headers={"Authorization": f"Bearer {token}"},
            data={"file": (SAMPLE.open("rb"), "a.xlsx")},
        )
        assert response.status_code == 500
        body = response.get_json()
        assert body["code"] == "internal-error" and body["message_ja"] and body["message_en"]
        assert "KeyError" in caplog.text and "佐藤" not in caplog.text
        assert list((Path(app.instance_path) / "files").iterdir()) == []
    finally:
        _dispose(app)


# ------------------------------------------------------------------------------------------ command line


def test_db_init(env_instance, capsys):
    assert cli.main(["db", "init"]) == 0  # the name from before migrations: db upgrade
    out = capsys.readouterr().out
    assert "kyosai.sqlite3" in out and "データベースを更新しました" in out and "0001" in out
    assert (env_instance / "kyosai.sqlite3").is_file()


def _legacy_database(env_instance):
    """instance/kyosai.sqlite3 as the service made it before migrations, with an agency's token."""
    from test_service_migrations import make_schema_before_migrations
    from validator.service.db import make_engine

    env_instance.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{env_instance / 'kyosai.sqlite3'}")
    make_schema_before_migrations(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO agencies (name, is_hq, created_at) VALUES ('中央代理店', 0, '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO tokens (agency_id, token_sha256, created_at) "
            f"VALUES (1, '{hash_token('old-token')}', '2025-01-01')"
        )
    engine.dispose()


def test_db_upgrade_recognises_a_database_made_before_migrations_and_status_tells_where_it_stands(env_instance, capsys):
    from validator.service.migrate import head

    _legacy_database(env_instance)
    assert cli.main(["db", "status"]) == 1  # an upgrade is pending
    out = capsys.readouterr().out
    assert "移行導入前" in out and "0001、0002、0003" in out and "kyosai db upgrade" in out
    assert cli.main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert (
        "移行（マイグレーション）導入前に作られたデータベースを認識しました" in out and "made before migrations" in out
    )
    assert f"版 なし → {head()}" in out
    assert cli.main(["db", "upgrade"]) == 0
    assert "最新です" in capsys.readouterr().out
    assert cli.main(["db", "status"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert cli.main(["token", "list"]) == 0  # the old token, kept
    assert "中央代理店" in capsys.readouterr().out


def test_token_create_prints_only_the_token_which_is_stored_hashed(env_instance, capsys):
    assert cli.main(["token", "create", "--agency", "中央代理店"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # secrets.token_urlsafe(32)
    assert "二度と表示されません" in err and token not in err
    assert cli.main(["token", "create", "--agency", "本部", "--hq"]) == 0
    hq = capsys.readouterr().out.strip()
    app = create_app()
    try:
        with read_session(app.extensions["kyosai"].engine) as session:
            rows = {t.token_sha256: (t.agency.name, t.agency.is_hq) for t in session.scalars(select(Token))}
        assert rows == {hash_token(token): ("中央代理店", False), hash_token(hq): ("本部", True)}
        client = app.test_client()
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {hq}"}).get_json()["is_hq"] is True
    finally:
        _dispose(app)
    db_bytes = (env_instance / "kyosai.sqlite3").read_bytes()
    assert token.encode() not in db_bytes


def test_token_create_refuses_to_turn_an_agency_into_headquarters(env_instance, capsys):
    assert cli.main(["token", "create", "--agency", "中央代理店"]) == 0
    assert cli.main(["token", "create", "--agency", "中央代理店", "--hq"]) == 2
    assert "登録済み" in capsys.readouterr().err
    assert cli.main(["token", "create", "--agency", "  "]) == 2


def test_purge_counts_on_a_dry_run_then_removes_what_is_past_its_days(env_instance, capsys, monkeypatch):
    import datetime

    from sqlalchemy import update

    from validator.service.db import Validation, utcnow, write_session

    cli.main(["token", "create", "--agency", "中央代理店"])
    token = capsys.readouterr().out.strip()
    app = create_app()
    try:
        client = app.test_client()
        for _ in range(2):
            body = client.post(
                "/api/v1/validations",
                headers={"Authorization": f"Bearer {token}"},
                data={"file": (SAMPLE.open("rb"), SAMPLE.name)},
                content_type="multipart/form-data",
            )
            assert body.status_code == 200
        with write_session(app.extensions["kyosai"].engine) as session:
            session.execute(update(Validation).values(created_at=utcnow() - datetime.timedelta(days=10)))
    finally:
        _dispose(app)
    files = env_instance / "files"
    assert cli.main(["purge", "--dry-run"]) == 0  # default: 30 days
    out = capsys.readouterr().out
    assert "未提出 30日" in out and "未提出の検査 0件" in out
    assert cli.main(["purge", "--dry-run", "--unsubmitted-days", "7"]) == 0
    out = capsys.readouterr().out
    assert "削除対象" in out and "未提出の検査 2件" in out and len(list(files.iterdir())) == 2
    monkeypatch.setenv("KYOSAI_KEEP_UNSUBMITTED_DAYS", "7")
    assert cli.main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "削除しました: 未提出の検査 2件" in out and "2 unsubmitted validations" in out
    assert list(files.iterdir()) == []
    assert cli.main(["purge", "--unsubmitted-days", "a week"]) == 2
    assert "日数" in capsys.readouterr().err
    monkeypatch.setenv("KYOSAI_KEEP_SUBMITTED_DAYS", "-1")
    assert cli.main(["purge"]) == 2
    assert "KEEP_SUBMITTED_DAYS" in capsys.readouterr().err


def test_token_list_and_revoke(env_instance, capsys):
    cli.main(["token", "create", "--agency", "中央代理店"])
    token = capsys.readouterr().out.strip()
    assert cli.main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "中央代理店" in listing and "有効" in listing and token not in listing
    assert cli.main(["token", "revoke", "1"]) == 0
    assert cli.main(["token", "revoke", "1"]) == 2
    cli.main(["token", "list"])
    assert "失効" in capsys.readouterr().out


def test_token_create_with_an_expiry_and_the_list_shows_expiry_and_last_use(env_instance, capsys, monkeypatch):
    import datetime

    from sqlalchemy import update

    from validator.service.db import utcnow, write_session

    assert cli.main(["token", "create", "--agency", "中央代理店", "--expires", "90d"]) == 0
    token, err = capsys.readouterr()
    assert "有効期限" in err and "日本時間" in err and "expires" in err
    next_year = f"{datetime.date.today() + datetime.timedelta(days=400):%Y-%m-%d}"
    assert cli.main(["token", "create", "--agency", "北代理店", "--expires", next_year]) == 0
    capsys.readouterr()
    app = create_app()
    try:
        me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token.strip()}"})
        assert me.status_code == 200
        with write_session(app.extensions["kyosai"].engine) as session:  # the second one's day has come
            an_hour_ago = utcnow() - datetime.timedelta(hours=1)
            session.execute(update(Token).where(Token.id == 2).values(expires_at=an_hour_ago))
    finally:
        _dispose(app)
    assert cli.main(["token", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "状態", "作成(UTC)", "有効期限(UTC)", "最終使用(UTC)", "代理店"]
    first, second = lines[1].split(), lines[2].split()
    in_90_days = utcnow() + datetime.timedelta(days=90)
    assert first[1] == "有効" and first[4] == f"{in_90_days:%Y-%m-%d}" and first[6] == f"{utcnow():%Y-%m-%d}"
    assert second[1] == "期限切れ" and second[-2] == "-" and second[-1] == "北代理店"  # never used


@pytest.mark.parametrize(
    "given,says,says_en",
    [
        ("90", "単位が必要", "needs a unit"),
        ("0d", "1以上", "at least 1"),
        ("yesterday", "読めません", "is not an expiry"),
        ("2020-01-01", "過去の日付", "in the past"),
        ("100000d", "長すぎ", "too long"),
        ("11y", "読めません", "is not an expiry"),
    ],
)
def test_a_bad_expiry_is_refused_in_japanese_and_english(env_instance, capsys, given, says, says_en):
    assert cli.main(["token", "create", "--agency", "中央代理店", "--expires", given]) == 2
    out, err = capsys.readouterr()
    assert out == "" and says in err and says_en in err and "--expires" in err and "Traceback" not in err


def test_serve_runs_gunicorn_with_the_app_factory(env_instance, monkeypatch, capsys):
    seen = {}

    def fake_exec(path, argv):
        seen["argv"] = argv
        seen["upgrade in workers"] = os.environ.get("KYOSAI_UPGRADE_DATABASE")
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", fake_exec)
    monkeypatch.setenv("KYOSAI_UPGRADE_DATABASE", "true")  # (serve changes it: undone after the test)
    with pytest.raises(SystemExit):
        cli.main(["serve", "--host", "0.0.0.0", "--port", "9999", "--workers", "3"])
    argv = seen["argv"]
    assert argv[1:3] == ["-m", "gunicorn"] and argv[-1] == "validator.service:create_app()"
    assert "0.0.0.0:9999" in argv and argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--timeout") + 1] == "180"  # reading's 120 s and some
    # threaded workers: a request waiting for a child holds a thread, not the worker (docs/service.md)
    assert argv[argv.index("--worker-class") + 1] == "gthread" and argv[argv.index("--threads") + 1] == "8"
    assert "%(U)s" in argv[argv.index("--access-logformat") + 1]  # never the query string
    assert (env_instance / "kyosai.sqlite3").is_file()  # tables made before the workers start
    assert seen["upgrade in workers"] == "false"  # upgraded once, here: the workers check
    assert "データベースを更新しました" in capsys.readouterr().err


def test_serve_upgrades_a_database_made_before_migrations_unless_told_not_to(env_instance, monkeypatch, capsys):
    from validator.service.migrate import schema_state

    execs = []
    monkeypatch.setattr(os, "execv", lambda path, argv: (execs.append(argv), (_ for _ in ()).throw(SystemExit(0))))
    monkeypatch.setenv("KYOSAI_UPGRADE_DATABASE", "true")
    _legacy_database(env_instance)
    assert cli.main(["serve", "--no-upgrade"]) == 2  # behind: refuses, gunicorn never starts
    err = capsys.readouterr().err
    assert "kyosai db upgrade" in err and "移行" in err and execs == []
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    assert "認識しました" in capsys.readouterr().err and len(execs) == 1
    app = create_app()
    try:
        assert schema_state(app.extensions["kyosai"].engine).current
    finally:
        _dispose(app)
    with pytest.raises(SystemExit):
        cli.main(["serve", "--no-upgrade"])  # at head: starts
    assert len(execs) == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(instance: Path, port: int, log_path: Path, workers: int = 2, **settings) -> subprocess.Popen:
    """`kyosai serve` (gunicorn) on a loopback port, for the tests; waits until /healthz answers.
    ``settings`` become ``KYOSAI_*`` variables (``UPLOADS_PER_MINUTE=0``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSAI_") or k == "KYOSAI_PARAMETERS"}
    env.update(KYOSAI_INSTANCE_PATH=str(instance), KYOSAI_AS_OF="2025-03-31")
    env.update({f"KYOSAI_{name}": str(value) for name, value in settings.items()})
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "validator.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kyosai serve exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("kyosai serve did not answer within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _multipart(path: Path, name: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_kyosai_serve_answers_under_gunicorn(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    from validator.service.auth import create_token

    token, _ = create_token(app.extensions["kyosai"].engine, "代理店A")
    _dispose(app)
    port = free_port()
    log_path = tmp_path / "server.log"
    process = start_server(instance, port, log_path)
    try:
        body, content_type = _multipart(SAMPLE, "sample.xlsx")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/validations",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.load(response)
        assert result["valid"] is True and result["as_of"] == "2025-03-31"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/me", timeout=10)
        assert refused.value.code == 401 and json.load(refused.value)["code"] == "unauthorized"
    finally:
        stop_server(process)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Booting worker" in log and '"POST /api/v1/validations" 200' in log
    assert token not in log and "sample.xlsx" not in log
