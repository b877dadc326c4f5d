"""The service's migrations (validator/service/migrate.py, Alembic revisions in
validator/service/migrations/): a database made before migrations, with submissions in it, upgraded
without losing a row; the first revision is exactly that old schema; the models and the revisions
agree; a failed upgrade changes nothing; upgrades started together run once; a service told not to
upgrade refuses a database that is behind.

The old schema is the fixed SQL that ``create_all`` made before there were migrations
(tests/fixtures/schema_before_migrations.<dialect>.sql). Here on SQLite; ``test_service_postgres.py``
runs every test again on a real PostgreSQL server (its ``database_url`` fixture).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, bindparam, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from test_service import AS_OF, CSV_CP932, VALID, auth, clean_csv, workbook_with
from validator.check import validate_file
from validator.service import create_app
from validator.service.auth import create_token, hash_token, parse_expiry
from validator.service.config import database_url as url_of
from validator.service.db import Base, Token, make_engine, utcnow, write_session
from validator.service.migrate import DatabaseBehind, config, head, schema_state, upgrade_database

__all__ = [
    "instance_folder",
    "migration_engine",
    "legacy",
    "test_an_upgrade_of_a_database_made_before_migrations_keeps_every_row_and_the_new_columns_work",
    "test_a_database_made_before_a_table_was_added_gets_it",
    "test_revision_0001_is_exactly_the_schema_from_before_migrations",
    "test_the_models_and_the_revisions_agree",
    "test_a_failed_upgrade_changes_nothing",
    "test_upgrades_started_together_run_once",
    "test_a_downgrade_to_0001_gives_the_old_schema_back_with_every_row",
    "test_a_service_told_not_to_upgrade_refuses_a_database_that_is_behind",
    "test_a_database_newer_than_the_code_is_left_alone",
]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OUR_TABLES = ("agencies", "tokens", "upload_counts", "validations", "submissions")
# The columns of the schema before migrations, table by table (what must survive an upgrade)
OLD_COLUMNS = {
    "agencies": "id, name, is_hq, created_at",
    "tokens": "id, agency_id, token_sha256, created_at, revoked_at",
    "upload_counts": "agency_id, minute, count",
    "validations": "id, agency_id, filename, sha256, size, kind, valid, records, errors, warnings, as_of, report, "
    "file_path, created_at",
    "submissions": "id, agency_id, validation_id, sha256, created_at",
}
TOKEN_A, TOKEN_HQ, TOKEN_REVOKED = "agency-token-from-before", "hq-token-from-before", "revoked-token-from-before"


@pytest.fixture
def database_url():
    """None: SQLite in the instance folder. test_service_postgres.py gives a PostgreSQL URL."""
    return None


@pytest.fixture
def instance_folder(tmp_path) -> Path:
    folder = tmp_path / "instance"
    (folder / "files").mkdir(parents=True)
    return folder


@pytest.fixture
def migration_engine(database_url, instance_folder):
    """An engine on the (empty) database the test's service will use."""
    engine = make_engine(url_of({"DATABASE_URL": database_url}, instance_folder))
    yield engine
    engine.dispose()


def make_schema_before_migrations(engine, without: tuple[str, ...] = ()) -> None:
    """The tables exactly as ``create_all`` made them before migrations (the fixed SQL)."""
    sql = (FIXTURES / f"schema_before_migrations.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    statements = [s.strip() for s in sql.split(";") if s.strip()]
    with engine.begin() as connection:
        for statement in statements:
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if any(f"TABLE {name} (" in body or f"ON {name} (" in body for name in without):
                continue
            connection.exec_driver_sql(body)


def _checked(path: Path, name: str) -> dict:
    return validate_file(
        path, None, filename=name, as_of=datetime.date.fromisoformat(AS_OF), isolated=False
    ).report.to_dict()


def put_rows(engine, instance_folder: Path, tmp_path: Path) -> dict[str, str]:
    """Rows as the service before migrations wrote them — agencies, tokens (one revoked), a clean
    xlsx, an xlsm with macros and a CSV with errors (uploaded as 提出.html), two submissions, an upload
    count — and the stored files; returns the validations' ids by format."""
    created = datetime.datetime(2025, 3, 1, 9, 30, 15)
    xlsm = workbook_with(tmp_path, vba=True, enabled_type=True)
    (tmp_path / "in.xlsm").write_bytes(xlsm)
    files = {
        "xlsx": (VALID.read_bytes(), VALID, "申込.xlsx"),
        "xlsm": (xlsm, tmp_path / "in.xlsm", "マクロ付き.xlsm"),
        "csv": (CSV_CP932.read_bytes(), CSV_CP932, "提出.html"),
    }
    ids = {fmt: hashlib.md5(fmt.encode()).hexdigest() for fmt in files}
    # ids as the database numbered them (SERIAL on PostgreSQL), as the service never gave its own
    agency = "(SELECT id FROM agencies WHERE name = :agency)"
    with engine.begin() as connection:
        for name, is_hq in (("代理店A", False), ("本部", True)):
            connection.execute(
                text("INSERT INTO agencies (name, is_hq, created_at) VALUES (:name, :is_hq, :at)"),
                {"name": name, "is_hq": is_hq, "at": created},
            )
        for name, token, revoked in (
            ("代理店A", TOKEN_A, None),
            ("本部", TOKEN_HQ, None),
            ("代理店A", TOKEN_REVOKED, created),
        ):
            connection.execute(
                text(
                    f"INSERT INTO tokens (agency_id, token_sha256, created_at, revoked_at) "
                    f"VALUES ({agency}, :sha256, :at, :revoked)"
                ),
                {"agency": name, "sha256": hash_token(token), "at": created, "revoked": revoked},
            )
        insert = text(
            f"INSERT INTO validations (id, agency_id, filename, sha256, size, kind, valid, records, errors, "
            f"warnings, as_of, report, file_path, created_at) VALUES (:id, {agency}, :filename, :sha256, "
            f":size, :kind, :valid, :records, :errors, :warnings, :as_of, :report, :file_path, :at)"
        ).bindparams(bindparam("report", type_=JSON))
        for fmt, (data, path, name) in files.items():
            report = _checked(path, name)
            (instance_folder / "files" / f"{ids[fmt]}.{fmt}").write_bytes(data)
            connection.execute(
                insert,
                {
                    "id": ids[fmt],
                    "agency": "代理店A",
                    "filename": name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "kind": report["source"]["kind"],
                    "valid": report["valid"],
                    "records": report["summary"]["records"],
                    "errors": report["summary"]["errors"],
                    "warnings": report["summary"]["warnings"],
                    "as_of": datetime.date.fromisoformat(AS_OF),
                    "report": report,
                    "file_path": f"files/{ids[fmt]}.{fmt}",
                    "at": created,
                },
            )
        for n, fmt in enumerate(("xlsx", "xlsm"), start=1):
            connection.execute(
                text(
                    "INSERT INTO submissions (id, agency_id, validation_id, sha256, created_at) "
                    "SELECT :sid, agency_id, id, sha256, :at FROM validations WHERE id = :vid"
                ),
                {"sid": f"{n:032x}", "vid": ids[fmt], "at": created},
            )
        connection.execute(
            text(f"INSERT INTO upload_counts (agency_id, minute, count) VALUES ({agency}, 29000000, 3)"),
            {"agency": "代理店A"},
        )
    return ids


def rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in the columns of the schema before migrations."""
    with engine.connect() as connection:
        return {
            table: [tuple(r) for r in connection.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2"))]
            for table, columns in OLD_COLUMNS.items()
        }


def schema_of(engine) -> dict:
    """Tables, columns (type, nullable, default), keys, unique constraints and indexes, as the
    database itself describes them."""
    found = inspect(engine)
    described = {}
    for table in sorted(set(found.get_table_names()) - {"alembic_version"}):
        columns, unique, indexes = (
            found.get_columns(table),
            found.get_unique_constraints(table),
            found.get_indexes(table),
        )
        described[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in columns],
            "primary key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in found.get_foreign_keys(table)
            ),
            "unique": sorted((u["name"] or "", tuple(u["column_names"])) for u in unique),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes),
        }
    return described


def _app(instance_folder: Path, database_url, **settings):
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_folder),
            "DATABASE_URL": database_url,
            "AS_OF": AS_OF,
            "ISOLATED": False,
            **settings,
        }
    )


@pytest.fixture
def legacy(migration_engine, instance_folder, tmp_path) -> dict[str, str]:
    """A database made before migrations, with rows and stored files in it."""
    make_schema_before_migrations(migration_engine)
    return put_rows(migration_engine, instance_folder, tmp_path)


# ------------------------------------------------------------------------------------------ upgrading


def test_an_upgrade_of_a_database_made_before_migrations_keeps_every_row_and_the_new_columns_work(
    migration_engine, legacy, instance_folder, database_url
):
    before = rows(migration_engine)
    assert schema_state(migration_engine).before_migrations
    assert {table: len(found) for table, found in before.items()} == {
        "agencies": 2,
        "tokens": 3,
        "upload_counts": 1,
        "validations": 3,
        "submissions": 2,
    }
    app = _app(instance_folder, database_url)  # the service upgrades on start (UPGRADE_DATABASE)
    try:
        assert rows(migration_engine) == before  # not one row lost or changed
        state = schema_state(migration_engine)
        assert state.revision == head() and state.current and not state.before_migrations
        client = app.test_client()
        # the old tokens still work (and now have their use recorded); the revoked one is still refused
        assert client.get("/api/v1/me", headers=auth(TOKEN_A)).get_json() == {"agency": "代理店A", "is_hq": False}
        assert client.get("/api/v1/me", headers=auth(TOKEN_REVOKED)).status_code == 401
        with write_session(migration_engine) as session:
            token = session.scalar(select(Token).where(Token.token_sha256 == hash_token(TOKEN_A)))
            assert token.last_used_at is not None and token.expires_at is None
        # the xlsm stored before is marked as holding macros: headquarters' list says so
        listing = client.get("/api/v1/submissions", headers=auth(TOKEN_HQ)).get_json()["submissions"]
        assert sorted((s["format"], s["macros"]) for s in listing) == [("xlsm", True), ("xlsx", False)]
        assert client.get(f"/api/v1/validations/{legacy['csv']}", headers=auth(TOKEN_A)).get_json()["macros"] is False
        # the old submission downloads, named by what it is; handing the same file in again finds it
        old = next(s for s in listing if s["format"] == "xlsx")
        response = client.get(old["links"]["file"], headers=auth(TOKEN_HQ))
        assert response.data == VALID.read_bytes() and response.headers["Content-Disposition"].endswith(
            "filename*=UTF-8''%E7%94%B3%E8%BE%BC.xlsx"
        )
        again = client.post("/api/v1/submissions", headers=auth(TOKEN_A), json={"validation_id": legacy["xlsx"]})
        assert again.status_code == 200 and again.get_json()["id"] == old["id"]
        # a new expiry on an old token, and a new token with one
        with write_session(migration_engine) as session:
            session.get(Token, token.id).expires_at = utcnow() - datetime.timedelta(seconds=1)
        assert client.get("/api/v1/me", headers=auth(TOKEN_A)).get_json()["code"] == "token-expired"
        fresh, row = create_token(migration_engine, "代理店A", expires_at=parse_expiry("90d"))
        assert client.get("/api/v1/me", headers=auth(fresh)).status_code == 200
        assert row.expires_at - utcnow() > datetime.timedelta(days=89)
        # and a new upload records its macros in the new column
        body = client.post(
            "/api/v1/validations", headers=auth(fresh), data={"file": (io.BytesIO(clean_csv()), "new.csv")}
        ).get_json()
        assert body["macros"] is False and body["format"] == "csv"
    finally:
        app.extensions["kyosai"].engine.dispose()
    old_rows = [row for row in rows(migration_engine)["validations"] if row[0] in legacy.values()]
    assert old_rows == before["validations"]  # still there, as they were


def test_a_database_made_before_a_table_was_added_gets_it(migration_engine):
    """upload_counts came after the other tables: a database from before it gets it, and is then the
    same as one made by the revisions from nothing."""
    make_schema_before_migrations(migration_engine, without=("upload_counts",))
    assert "upload_counts" not in inspect(migration_engine).get_table_names()
    upgrade_database(migration_engine)
    assert schema_state(migration_engine).current
    upgraded = schema_of(migration_engine)
    with migration_engine.begin() as connection:
        for table in ("render_jobs", "stored_files", *reversed(OUR_TABLES), "alembic_version"):
            connection.exec_driver_sql(f"DROP TABLE {table}")
    upgrade_database(migration_engine)
    assert upgraded == schema_of(migration_engine) and "upload_counts" in upgraded


def test_revision_0001_is_exactly_the_schema_from_before_migrations(migration_engine):
    """The first revision creates what create_all made: the same columns, types, keys and indexes."""
    make_schema_before_migrations(migration_engine)
    old = schema_of(migration_engine)
    with migration_engine.begin() as connection:
        for table in reversed(OUR_TABLES):
            connection.exec_driver_sql(f"DROP TABLE {table}")
    with migration_engine.connect() as connection, connection.begin():
        command.upgrade(config(connection), "0001")
    assert schema_of(migration_engine) == old
    assert set(old) == set(OUR_TABLES)


def test_the_models_and_the_revisions_agree(migration_engine):
    """What the revisions make at head is what validator/service/db.py describes (Alembic's own
    comparison, the one ``alembic revision --autogenerate`` uses): a model changed without a revision
    fails here."""
    upgrade_database(migration_engine)
    with migration_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_failed_upgrade_changes_nothing(migration_engine, legacy):
    """One transaction: when a revision fails (here the column 0003 adds exists already, as someone
    added it by hand), the revisions before it are undone too and every row is as it was."""
    with migration_engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE validations ADD COLUMN macros BOOLEAN")
    before = rows(migration_engine)
    with pytest.raises(SQLAlchemyError, match="macros"):
        upgrade_database(migration_engine)
    found = inspect(migration_engine)
    assert "alembic_version" not in found.get_table_names()
    assert "expires_at" not in {c["name"] for c in found.get_columns("tokens")}  # 0002 was undone
    assert rows(migration_engine) == before


def test_upgrades_started_together_run_once(migration_engine, database_url, instance_folder):
    """Several workers or hosts starting at once: the first upgrades, the others wait for its lock and
    find the database at head."""
    url = url_of({"DATABASE_URL": database_url}, instance_folder)
    barrier, results, failures = threading.Barrier(4), [], []

    def start():
        engine = make_engine(url)
        try:
            barrier.wait()
            before, after = upgrade_database(engine)
            results.append((before.pending, after.revision))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(results) == [((), head())] * 3 + [(("0001", "0002", "0003", "0004"), head())]


def test_a_downgrade_to_0001_gives_the_old_schema_back_with_every_row(migration_engine, legacy):
    old_schema, before = schema_of(migration_engine), rows(migration_engine)
    upgrade_database(migration_engine)
    with migration_engine.connect() as connection, connection.begin():
        command.downgrade(config(connection), "0001")
    assert schema_of(migration_engine) == old_schema and rows(migration_engine) == before
    upgrade_database(migration_engine)
    assert schema_state(migration_engine).current and rows(migration_engine) == before


# ------------------------------------------------------------------------------------------ refusing to start


def test_a_service_told_not_to_upgrade_refuses_a_database_that_is_behind(
    migration_engine, legacy, instance_folder, database_url
):
    with pytest.raises(DatabaseBehind, match="kyosai db upgrade") as behind:
        _app(instance_folder, database_url, UPGRADE_DATABASE=False)
    assert "移行" in str(behind.value) and "predates migrations" in str(behind.value)
    with migration_engine.connect() as connection, connection.begin():
        command.upgrade(config(connection), "0002")  # an upgrade done half-way: still behind
    with pytest.raises(DatabaseBehind, match="0002"):
        _app(instance_folder, database_url, UPGRADE_DATABASE=False)
    upgrade_database(migration_engine)
    app = _app(instance_folder, database_url, UPGRADE_DATABASE=False)
    app.extensions["kyosai"].engine.dispose()


def test_a_database_newer_than_the_code_is_left_alone(migration_engine, instance_folder, database_url, caplog):
    """A newer version of the service (another host) upgraded it: this one does not touch it, and
    starts (a revision adds, it does not take away)."""
    upgrade_database(migration_engine)
    with migration_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    before, after = upgrade_database(migration_engine)
    assert not before.known and after.revision == "9999"
    for upgrade in (True, False):
        _app(instance_folder, database_url, UPGRADE_DATABASE=upgrade).extensions["kyosai"].engine.dispose()
    assert "newer than this code" in caplog.text
    assert schema_state(migration_engine).revision == "9999"
