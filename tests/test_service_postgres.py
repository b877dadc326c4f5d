"""The service's storage tests again, on a real PostgreSQL server.

Every test of ``test_service.py`` and ``test_service_migrations.py`` runs here a second time with the ``database_url`` fixture pointing
at a fresh database of a throwaway PostgreSQL cluster that ``scripts/pg_test_server.sh`` starts for
the session (unix socket only, in a temporary folder; as root it runs as the ``postgres`` user).
``make test`` installs Debian's ``postgresql`` package when the server binaries are missing.

Without PostgreSQL the tests are skipped with the reason — except on CI (``CI=true``), where a
missing server is a failure. ``KYOSAI_TEST_DATABASE_URL`` points the tests at a server of your own
instead (each test empties its ``public`` schema: use a database of its own).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from test_service import *  # noqa: F401,F403 - every service test, once more on PostgreSQL
from test_service_migrations import *  # noqa: F401,F403 - and every migration test
from test_service import VALID, count, race_submissions, submit, upload  # noqa: F401

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_test_server.sh"
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
    folder = tempfile.mkdtemp(prefix="kyosai-pg-")          # short: a unix socket path has ~100 bytes
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
        rows = connection.execute(text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'submissions'::regclass AND contype = 'u'")).all()
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
