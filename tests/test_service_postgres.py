"""The service's storage tests again, on a real PostgreSQL server.

Every test of ``test_service.py``, ``test_service_migrations.py`` and ``test_service_reports.py`` runs
here a second time with the ``database_url`` fixture pointing at a fresh database of a throwaway
PostgreSQL cluster that ``scripts/pg_test_server.sh`` starts for the session (unix socket only, in a
temporary folder; as root it runs as the ``postgres`` user). ``make test`` installs Debian's
``postgresql`` package when the server binaries are missing.

Without PostgreSQL the tests are skipped with the reason — except on CI (``CI=true``), where a
missing server is a failure. ``KYOSAI_TEST_DATABASE_URL`` points the tests at a server of your own
instead (each test empties its ``public`` schema: use a database of its own).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update

from test_service import *  # noqa: F403 - every service test, once more on PostgreSQL
from test_service import VALID, WITH_ERRORS, count, race_submissions, upload
from test_service_migrations import *  # noqa: F403 - and every migration test
from test_service_reports import *  # noqa: F403 - and the reports' and stores' tests
from validator.service import create_app
from validator.service.auth import create_token
from validator.service.db import FileBlob, Submission, Validation, read_session, utcnow, write_session

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg_test_server.sh"
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"PostgreSQL is required on CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason} (make test installs it as root)")


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a database on a running PostgreSQL server, for the whole test session."""
    given = os.environ.get("KYOSAI_TEST_DATABASE_URL")
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix="kyosai-pg-")  # short: a unix socket path has ~100 bytes
    result = subprocess.run(["bash", str(SCRIPT), "start", folder], capture_output=True, text=True, timeout=180)
    if result.returncode == 3:
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(result.stderr.strip() or "no initdb/pg_ctl")
    if result.returncode != 0:
        subprocess.run(["bash", str(SCRIPT), "stop", folder], capture_output=True, timeout=120)
        pytest.fail(f"could not start PostgreSQL: {result.stderr.strip()[-2000:]}", pytrace=False)
    try:
        yield result.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", folder], capture_output=True, timeout=120)


@pytest.fixture
def database_url(postgres_server):
    """The server's database with an empty schema for each test (dropping a schema is much faster
    than creating a database)."""
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    return postgres_server


def test_the_service_really_runs_on_postgresql(app, engine):
    assert engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        assert "PostgreSQL" in connection.execute(text("SELECT version()")).scalar()


def test_the_unique_constraint_exists_in_postgresql(engine):
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT conname FROM pg_constraint WHERE conrelid = 'submissions'::regclass AND contype = 'u'")
        ).all()
    assert ("uq_submissions_agency_sha256",) in rows


def test_many_concurrent_identical_submissions_give_one_row(app, engine, tokens):
    """Twelve threads with separate connections race on the constraint (READ COMMITTED: the
    pre-check cannot see uncommitted inserts, so some inserts do collide)."""
    from validator.service.db import Submission

    vids = [upload(app.test_client(), tokens.a, VALID).get_json()["id"] for _ in range(3)]
    results = race_submissions(app, tokens.a, vids, 12)
    assert sorted(s for s, _ in results) == [200] * 11 + [201]
    assert len({sid for _, sid in results}) == 1
    assert count(engine, Submission) == 1


# ------------------------------------------------------------------------------ two hosts, one database


def _call(
    port: int, method: str, path: str, token: str, body: bytes | None = None, content_type: str | None = None
) -> tuple[int, dict, bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _purge(instance: Path, url: str, *args: str) -> str:
    """`kyosai purge` as headquarters' cron runs it on one host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSAI_") or k == "KYOSAI_PARAMETERS"}
    env.update(KYOSAI_INSTANCE_PATH=str(instance), KYOSAI_DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-m", "validator.cli", "purge", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_hosts_on_one_database_serve_each_others_uploads_and_reports(database_url, tmp_path):
    """Two `kyosai serve` with instance folders of their own behind one PostgreSQL, as behind a load
    balancer: what one host took in, the other reads, renders, hands in and downloads; neither keeps
    a file; `kyosai purge` on either host cleans what both serve."""
    from test_service_cli import _multipart, free_port, start_server, stop_server

    setup = create_app({"INSTANCE_PATH": str(tmp_path / "setup"), "DATABASE_URL": database_url})
    engine = setup.extensions["kyosai"].engine
    agency, hq = create_token(engine, "代理店A")[0], create_token(engine, "本部", is_hq=True)[0]
    servers, ports = [], []
    try:
        for name in ("host1", "host2"):
            ports.append(free_port())
            servers.append(
                start_server(
                    tmp_path / name,
                    ports[-1],
                    tmp_path / f"{name}.log",
                    DATABASE_URL=database_url,
                    UPLOADS_PER_MINUTE=0,
                )
            )
        one, two = ports

        status, _, body = _call(one, "POST", "/api/v1/validations", agency, *_multipart(VALID, "申込.xlsx"))
        assert status == 200
        vid = json.loads(body)["id"]
        status, _, body = _call(two, "GET", f"/api/v1/validations/{vid}", agency)
        assert status == 200 and json.loads(body)["valid"] is True
        status, headers, html = _call(two, "GET", f"/api/v1/validations/{vid}.html", agency)
        assert status == 200 and "受付可" in html.decode("utf-8")
        status, _, made = _call(two, "GET", f"/api/v1/validations/{vid}.xlsx", agency)
        assert status == 200 and made[:2] == b"PK"
        status, _, read = _call(one, "GET", f"/api/v1/validations/{vid}.xlsx", hq)  # made on two, read on one
        assert status == 200 and read == made
        status, headers, body = _call(
            two, "POST", "/api/v1/submissions", agency, json.dumps({"validation_id": vid}).encode(), "application/json"
        )
        assert status == 201
        sid = json.loads(body)["id"]
        status, headers, original = _call(one, "GET", f"/api/v1/submissions/{sid}/file", hq)
        assert status == 200 and original == VALID.read_bytes()
        assert headers["Content-Disposition"].endswith("filename*=UTF-8''%E7%94%B3%E8%BE%BC.xlsx")

        # an upload never handed in, with a report, past its 30 days: purged from host two's side
        status, _, body = _call(two, "POST", "/api/v1/validations", agency, *_multipart(WITH_ERRORS, "試し.xlsx"))
        tried = json.loads(body)["id"]
        assert _call(one, "GET", f"/api/v1/validations/{tried}.html", agency)[0] == 200
        for name in ("host1", "host2"):  # a host keeps nothing
            assert list((tmp_path / name / "files").iterdir()) == []
        with write_session(engine) as session:
            session.execute(
                update(Validation)
                .where(Validation.id == tried)
                .values(created_at=utcnow() - datetime.timedelta(days=31))
            )
        assert "未提出の検査 1件" in _purge(tmp_path / "host2", database_url)
        for port in (one, two):
            for suffix in ("", ".html"):
                status, _, body = _call(port, "GET", f"/api/v1/validations/{tried}{suffix}", agency)
                assert (status, json.loads(body)["code"]) == (404, "validation-not-found")
        # a submission past a period headquarters set: purged from host one's side, gone on host two
        with write_session(engine) as session:
            session.execute(
                update(Submission)
                .where(Submission.id == sid)
                .values(created_at=utcnow() - datetime.timedelta(days=400))
            )
        assert "提出 1件" in _purge(tmp_path / "host1", database_url, "--submitted-days", "365")
        status, _, body = _call(two, "GET", f"/api/v1/submissions/{sid}/file", hq)
        assert (status, json.loads(body)["code"]) == (404, "submission-not-found")
        with read_session(engine) as session:
            assert session.scalars(select(FileBlob.name)).all() == []
    finally:
        for server in servers:
            stop_server(server)
        engine.dispose()
    one_log, two_log = (
        (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace") for name in ("host1", "host2")
    )
    assert f"report rendered id={vid} format=xlsx" in two_log and f"report read id={vid} format=xlsx" in one_log
    assert f"report rendered id={vid} format=xlsx" not in one_log  # made once, for both hosts
    assert "files: database" in one_log and "files: database" in two_log
