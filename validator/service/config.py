"""The service's settings (設定): defaults, then the instance folder's ``config.py``, then ``KYOSAI_*``.

Every setting can be given in ``<instance>/config.py`` (Python: ``DATABASE_URL = "..."``) or in the
environment with the ``KYOSAI_`` prefix (``KYOSAI_DATABASE_URL=postgresql://...``; values that parse
as JSON are taken as such, so ``KYOSAI_MAX_ROWS=50000`` is a number). Tests pass a mapping to
``create_app(test_config)`` instead, which replaces both (as in Flask's tutorial).

The instance folder itself (database file, stored files, demo tokens) is ``instance/`` next to the
project by default, or ``KYOSAI_INSTANCE_PATH`` / ``INSTANCE_PATH`` in the test mapping.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import replace
from pathlib import Path

from kyosai.errors import KyosaiError
from kyosai.japanese import parse_date

from ..reading import Limits

__all__ = ["DEFAULTS", "limits_from", "as_of_from", "whole_number_or_none", "database_url", "normalise_database_url"]

DEFAULTS: dict = {
    # SQLAlchemy URL; None: a SQLite file in the instance folder (instance/kyosai.sqlite3).
    "DATABASE_URL": None,
    # The largest request body Flask accepts (413 above it); the file itself is held to
    # MAX_FILE_BYTES, by default the same.
    "MAX_CONTENT_LENGTH": Limits().max_bytes,
    "MAX_FILE_BYTES": None,
    "MAX_ROWS": Limits().max_rows,
    # What reading one untrusted file may cost in its child process (validator.sandbox).
    "READ_MEMORY_MB": Limits().memory_mb,
    "READ_SECONDS": Limits().seconds,
    # Parse uploads in a memory- and time-capped child process (keep True in production).
    "ISOLATED": True,
    # The "today" of the rules (YYYY-MM-DD); None: the real today. For tests and the demo only.
    "AS_OF": None,
    # Bring the database to the newest schema when the app starts (.migrate; `kyosai db upgrade` does
    # it explicitly). Off: the app only checks and refuses to start on a database that is behind.
    "UPGRADE_DATABASE": True,
    # Where uploaded files go, relative to the instance folder (the folder's store; the database's
    # receives uploads there, in passing).
    "FILES_DIR": "files",
    # Where stored files (uploads, rendered reports) live: "disk" (FILES_DIR, one host) or "database"
    # (the stored_files table: every host shares them); None: the database with PostgreSQL, else disk.
    "FILE_STORE": None,
    # What rendering one report of a stored validation (.reports) may cost in its child process, and
    # how many reports an agency, and this host, may render at once (429 / 503 beyond).
    "RENDER_MEMORY_MB": 2048,
    "RENDER_SECONDS": 300,
    "RENDERS_PER_AGENCY": 2,
    "RENDERS_PER_HOST": None,  # None: the host's CPUs
    "LOG_LEVEL": "INFO",
    # The demo of `make run`: the page says where the demo tokens and sample files are.
    "DEMO": False,
    # The longest page of GET /api/v1/submissions.
    "PAGE_MAX": 1000,
    # How long uploads are kept (days; None: for good), see validator.service.retention and
    # `kyosai purge`: an upload never handed in, and a submission with its file.
    "KEEP_UNSUBMITTED_DAYS": 30,
    "KEEP_SUBMITTED_DAYS": None,
    # Uploads an agency may start per minute (429 beyond; 0 or None: no limit), see .throttle.
    "UPLOADS_PER_MINUTE": 60,
    # Workbooks with macros (VBA, Excel 4.0 macro sheets) may be handed in: off, they are checked but
    # refused at hand-in (docs/service.md, "Macros"; .originals).
    "ALLOW_MACROS": False,
}


def limits_from(config) -> Limits:
    """The reading limits (size, rows, child memory and time) of a config."""
    max_bytes = config.get("MAX_FILE_BYTES") or config.get("MAX_CONTENT_LENGTH") or Limits().max_bytes
    return replace(
        Limits(),
        max_bytes=int(max_bytes),
        max_rows=int(config["MAX_ROWS"]),
        memory_mb=int(config["READ_MEMORY_MB"]),
        seconds=int(config["READ_SECONDS"]),
    )


def whole_number_or_none(config, key: str) -> int | None:
    """A setting that is a number of days or uploads, where 0 or empty means none (kept for good, no
    limit); a bad value stops the start-up, as a bad ``AS_OF`` does.

    >>> whole_number_or_none({"X": "30"}, "X"), whole_number_or_none({"X": "00"}, "X")
    (30, None)
    >>> whole_number_or_none({"X": "²"}, "X")
    Traceback (most recent call last):
    ...
    RuntimeError: KYOSAI_X must be a whole number (0 or empty: none), not '²'
    """
    value = config.get(key)
    if value is None or value == "":
        return None
    # only ints and ASCII digits: str.isdigit() says yes to "²", and int() takes "３"
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value)
    if number is None or number < 0:
        raise RuntimeError(f"KYOSAI_{key} must be a whole number (0 or empty: none), not {value!r}")
    return number or None


def as_of_from(config) -> datetime.date | None:
    """The configured as-of date, or None for the real today; a bad value stops the start-up."""
    value = config.get("AS_OF")
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(str(value))
    except KyosaiError as error:
        raise RuntimeError(f"KYOSAI_AS_OF: {error.message_en}") from None


def normalise_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (the driver installed), not psycopg2.

    >>> normalise_database_url("postgres://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> normalise_database_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(config, instance_path: str | os.PathLike) -> str:
    url = config.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'kyosai.sqlite3'}"
    return normalise_database_url(str(url))
