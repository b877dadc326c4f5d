"""Storage (保存): seven tables through SQLAlchemy 2 — SQLite by default, PostgreSQL by URL.

- ``agencies``: an agency (代理店) or headquarters (``is_hq``);
- ``tokens``: an agency's bearer tokens, **only their SHA-256** (the token is shown once), when each
  expires (None: never) and when it was last used (recorded at most once a minute);
- ``validations``: one checked upload — who, the original name, sha256, size, kind, the verdict and
  the report as JSON, the as-of date it was checked at, whether the workbook holds macros, and where
  its file lies (relative to the instance folder, under a generated id — never the uploaded name);
- ``submissions``: a validation an agency handed in; ``UNIQUE(agency_id, sha256)`` makes handing in
  the same file twice give the same row, even when two requests race (the constraint decides);
- ``upload_counts``: an agency's uploads in the current minute (the upload limit, :mod:`.throttle`);
- ``stored_files``: the bytes of the uploaded files and of their rendered reports, when the files are
  kept in the database (``FILE_STORE``, :mod:`.storage`: the default on PostgreSQL, so that any
  number of hosts share them); each belongs to a validation and goes with it (``ON DELETE CASCADE``);
- ``render_jobs``: the reports being rendered now, one row a request (:mod:`.reports`: how many an
  agency and a host may render at once, and one render of a report at a time).

The tables are made and changed by migrations (:mod:`.migrate`, Alembic), never by ``create_all``:
a change to a model here needs a revision in ``migrations/versions/`` too (a test compares them).

Sessions are short: :func:`read_session` and :func:`write_session` open one transaction each, so no
transaction stays open while a file is being checked. On SQLite a write transaction starts with
``BEGIN IMMEDIATE`` (it waits for the write lock up front, up to ``busy_timeout``, instead of failing
when it upgrades a read); the database runs in WAL mode so readers never wait.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

__all__ = [
    "Base",
    "Agency",
    "Token",
    "Validation",
    "Submission",
    "UploadCount",
    "FileBlob",
    "RenderJob",
    "make_engine",
    "read_session",
    "write_session",
    "utcnow",
]


def utcnow() -> datetime.datetime:
    """Now in UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    """The tables' common base (SQLAlchemy's declarative mapping)."""


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_hq: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, default=None)
    expires_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, default=None)  # None: never
    last_used_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, default=None)

    agency: Mapped[Agency] = relationship(lazy="joined")


class Validation(Base):
    __tablename__ = "validations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded (never logged)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(String(40))
    valid: Mapped[bool]
    records: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    as_of: Mapped[datetime.date] = mapped_column(Date)  # the day the rules were applied
    report: Mapped[dict] = mapped_column(JSON)
    # VBA or Excel 4.0 macro sheets in the workbook (.originals); the server default lets a host still
    # on the code before this column insert rows while another runs the new code
    macros: Mapped[bool] = mapped_column(default=False, server_default=false())
    file_path: Mapped[str] = mapped_column(String(255))  # relative to the instance folder
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    agency: Mapped[Agency] = relationship(lazy="joined")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("agency_id", "sha256", name="uq_submissions_agency_sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    validation_id: Mapped[str] = mapped_column(ForeignKey("validations.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    agency: Mapped[Agency] = relationship(lazy="joined")
    validation: Mapped[Validation] = relationship(lazy="joined")


class UploadCount(Base):
    """How many files an agency sent in one minute (for the upload limit, :mod:`.throttle`); at
    most one row per agency: its older rows go at its next upload."""

    __tablename__ = "upload_counts"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix time // 60
    count: Mapped[int] = mapped_column(Integer, default=0)


class FileBlob(Base):
    """A stored file's bytes in the database (:class:`.storage.DatabaseStore`): an upload under its
    validation's ``file_path``, or a report rendered from it (``files/<id>.report.<format>``)."""

    __tablename__ = "stored_files"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    # the file goes when its validation goes (retention), in the same statement
    validation_id: Mapped[str] = mapped_column(ForeignKey("validations.id", ondelete="CASCADE"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when asked for


class RenderJob(Base):
    """A report being rendered (:mod:`.reports`): who asked, on which host and worker, since when. The
    row goes when the render ends; one whose worker died, or older than the render's time limit, is
    ignored and removed by the next claim."""

    __tablename__ = "render_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    validation_id: Mapped[str] = mapped_column(ForeignKey("validations.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


# ------------------------------------------------------------------------------------------ engine


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE writes."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged row survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextlib.contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; its transaction ends when the block does."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextlib.contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose one transaction commits at the end of the block (rolls back on an exception)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_immediate": True})
        yield session
