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
    monkeypatch.setenv("KYOSAI_MAX_ROWS", "9")                   # the environment wins over the file
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
    assert database_url({"DATABASE_URL": "postgresql://u:p@db/kyosai"}, tmp_path) == "postgresql+psycopg://u:p@db/kyosai"


# ------------------------------------------------------------------------------------------ pages

@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "AS_OF": "2025-03-31",
                      "DEMO": True})
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
    assert "<script>" not in page                         # our script is a file: the policy forbids inline ones
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_script_keeps_the_token_in_session_storage_and_sends_it_as_a_header(app):
    script = app.test_client().get("/static/kyosai.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    assert "sessionStorage" in text and '"Authorization", "Bearer "' in text and 'credentials: "omit"' in text
    assert "innerHTML" not in text                        # data from files goes in as text only
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

    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "ISOLATED": False})       # not TESTING
    try:
        token, _ = create_token(app.extensions["kyosai"].engine, "代理店A")

        def boom(*args, **kwargs):
            raise KeyError("佐藤花子")
        monkeypatch.setattr(api, "validate_file", boom)
        response = app.test_client().post("/api/v1/validations", headers={"Authorization": f"Bearer {token}"},
                                          data={"file": (SAMPLE.open("rb"), "a.xlsx")})
        assert response.status_code == 500
        body = response.get_json()
        assert body["code"] == "internal-error" and body["message_ja"] and body["message_en"]
        assert "KeyError" in caplog.text and "佐藤" not in caplog.text
        assert list((Path(app.instance_path) / "files").iterdir()) == []
    finally:
        _dispose(app)


# ------------------------------------------------------------------------------------------ command line

def test_db_init(env_instance, capsys):
    assert cli.main(["db", "init"]) == 0
    assert "kyosai.sqlite3" in capsys.readouterr().out
    assert (env_instance / "kyosai.sqlite3").is_file()


def test_token_create_prints_only_the_token_which_is_stored_hashed(env_instance, capsys):
    assert cli.main(["token", "create", "--agency", "中央代理店"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)                   # secrets.token_urlsafe(32)
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
            body = client.post("/api/v1/validations", headers={"Authorization": f"Bearer {token}"},
                               data={"file": (SAMPLE.open("rb"), SAMPLE.name)}, content_type="multipart/form-data")
            assert body.status_code == 200
        with write_session(app.extensions["kyosai"].engine) as session:
            session.execute(update(Validation).values(created_at=utcnow() - datetime.timedelta(days=10)))
    finally:
        _dispose(app)
    files = env_instance / "files"
    assert cli.main(["purge", "--dry-run"]) == 0                       # default: 30 days
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


def test_serve_runs_gunicorn_with_the_app_factory(env_instance, monkeypatch, capsys):
    seen = {}

    def fake_exec(path, argv):
        seen["argv"] = argv
        raise SystemExit(0)
    monkeypatch.setattr(os, "execv", fake_exec)
    with pytest.raises(SystemExit):
        cli.main(["serve", "--host", "0.0.0.0", "--port", "9999", "--workers", "3"])
    argv = seen["argv"]
    assert argv[1:3] == ["-m", "gunicorn"] and argv[-1] == "validator.service:create_app()"
    assert "0.0.0.0:9999" in argv and argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--timeout") + 1] == "180"                 # reading's 120 s and some
    assert "%(U)s" in argv[argv.index("--access-logformat") + 1]      # never the query string
    assert (env_instance / "kyosai.sqlite3").is_file()                # tables made before the workers start


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
    process = subprocess.Popen([sys.executable, "-m", "validator.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", str(workers)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
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
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/validations", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
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
