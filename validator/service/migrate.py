"""Migrations (データベースの移行): the service's tables made and changed by Alembic revisions.

The revisions live in ``migrations/versions/`` (shipped with the package): ``0001`` is the schema as
``create_all`` made it before there were migrations, each later one a change. :func:`upgrade_database`
brings a database to the newest revision (``head``); ``kyosai db upgrade`` and ``kyosai serve`` (unless
``--no-upgrade``) call it, and so does :func:`validator.service.create_app` when ``UPGRADE_DATABASE``
is on (the default).

Safety, for a database that holds submissions:

- **one transaction**: the whole upgrade — every revision and the new version number — commits
  together or not at all (PostgreSQL and SQLite both change tables inside a transaction), so a failed
  upgrade leaves the database as it was;
- **one at a time**: the transaction first takes a lock (PostgreSQL: an advisory lock; SQLite:
  ``BEGIN IMMEDIATE``, the write lock) and only then reads the version, so several workers or hosts
  starting at once upgrade once and the others find the database at ``head``;
- **a database made before migrations** (the tables there, no ``alembic_version``) is recognised:
  ``0001`` leaves the tables it has alone and creates the missing ones, then the later revisions run
  as on any other database. No row is rewritten except where a revision says so (``0003`` marks the
  stored ``.xlsm`` workbooks as holding macros).

:func:`schema_state` tells, without changing anything, where a database stands; a service started
with ``UPGRADE_DATABASE`` off refuses to start on a database that is behind (:func:`require_current`).

A new revision: change the models in :mod:`.db`, then write ``migrations/versions/000N_what.py`` (the
previous one is the pattern; ``alembic.command.revision(config(), message=..., rev_id="000N")`` writes
the skeleton). ``tests/test_service_migrations.py`` fails while models and revisions disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "MIGRATIONS",
    "config",
    "head",
    "SchemaState",
    "schema_state",
    "upgrade_database",
    "require_current",
    "DatabaseBehind",
]

log = logging.getLogger("kyosai.service")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL's advisory lock of the upgrade: any number, the same in every process ("kyosai" in ASCII)
_PG_LOCK = 0x6B796F736169
_OUR_TABLES = ("agencies", "tokens", "validations", "submissions", "upload_counts")


class DatabaseBehind(RuntimeError):
    """The database is older than this code (``kyosai db upgrade`` brings it up to date)."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our revisions; ``connection`` is the one the migrations run on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision of this code."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    if revision is None:  # an installation without its migrations/versions/
        raise RuntimeError(f"no migration revisions in {MIGRATIONS}")
    return revision


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None: none recorded), whether it holds the tables of the
    time before migrations, and the revisions an upgrade would apply (oldest first)."""

    revision: str | None
    before_migrations: bool
    pending: tuple[str, ...]
    known: bool = True  # False: a revision this code does not know (a newer host upgraded it)

    @property
    def empty(self) -> bool:
        return self.revision is None and not self.before_migrations

    @property
    def current(self) -> bool:
        return self.known and not self.pending


def _state(connection: Connection) -> SchemaState:
    script = ScriptDirectory.from_config(config())
    revision = MigrationContext.configure(connection).get_current_revision()
    tables = set(inspect(connection).get_table_names())
    before = revision is None and bool(tables & set(_OUR_TABLES))
    try:
        # newest first, down to the one after ``revision`` (an unknown one: an error)
        pending = tuple(reversed([r.revision for r in script.iterate_revisions("head", revision or "base")]))
    except (CommandError, RevisionError):
        return SchemaState(revision, before, (), known=False)
    return SchemaState(revision, before, pending)


def schema_state(engine: Engine) -> SchemaState:
    """Where the database stands; changes nothing."""
    with engine.connect() as connection:
        return _state(connection)


def _locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})


def upgrade_database(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring the database to ``head`` in one locked transaction; returns the state before and after.

    A database already at ``head`` costs one short transaction (the lock, one read). A database of a
    revision this code does not know (a newer version of the service upgraded it) is left alone.
    """
    # SQLite: BEGIN IMMEDIATE (make_engine) takes the write lock before the version is read
    with engine.connect().execution_options(sqlite_immediate=True) as connection, connection.begin():
        _locked(connection)
        before = _state(connection)
        if not before.known:
            log.warning(
                "database revision %s is newer than this code (head %s): left as it is", before.revision, head()
            )
            return before, before
        if before.pending:
            log.info(
                "database upgrade from=%s to=%s before_migrations=%s",
                before.revision or "-",
                before.pending[-1],
                before.before_migrations,
            )
            command.upgrade(config(connection), "head")
        after = _state(connection)
    return before, after


def require_current(engine: Engine) -> SchemaState:
    """The database's state; raises :class:`DatabaseBehind` (Japanese and English) unless it is at
    ``head`` — or at a newer revision than this code knows, which is only logged."""
    state = schema_state(engine)
    if not state.known:
        log.warning("database revision %s is newer than this code (head %s)", state.revision, head())
        return state
    if state.pending:
        if state.empty:
            what_ja, what_en = "データベースにテーブルがありません", "the database has no tables yet"
        elif state.before_migrations:
            what_ja, what_en = (
                "データベースが移行（マイグレーション）導入前の形式です",
                "the database predates migrations",
            )
        else:
            what_ja, what_en = (
                f"データベースの版 {state.revision} が古くなっています（最新 {state.pending[-1]}）",
                f"the database is at revision {state.revision}, this code needs {state.pending[-1]}",
            )
        raise DatabaseBehind(
            f"{what_ja}。`kyosai db upgrade` を実行してください（先にバックアップを取ってください）。\n"
            f"{what_en}: run `kyosai db upgrade` (after a backup)."
        )
    return state
