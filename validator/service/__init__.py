"""The validation service (検査サービス): clerks upload a batch, see what is wrong, and submit it.

``create_app(test_config=None)`` builds the Flask application (the factory of Flask's tutorial):

- settings: :mod:`.config` (defaults, ``<instance>/config.py``, ``KYOSAI_*``; a test mapping
  replaces the last two);
- storage: :mod:`.db` (SQLAlchemy: SQLite in the instance folder, or PostgreSQL by URL), its tables
  made and changed by :mod:`.migrate` (Alembic), and :mod:`.storage` (the uploaded files and their
  reports, under generated ids: in the instance folder, or in the database for several hosts);
- :mod:`.reports`: a stored validation's reports, rendered once in a capped child and then read;
- blueprints: :mod:`.api` (the JSON API under ``/api/v1``, bearer tokens), :mod:`.openapi` (its
  OpenAPI description at ``/api/v1/openapi.json``, no token) and :mod:`.pages` (the Japanese upload
  page at ``/``);
- :mod:`.errors`: every error answer, in one place.

Production runs it under gunicorn: ``kyosai serve`` (``gunicorn 'validator.service:create_app()'``).
Nothing personal is logged: ids, sizes, sha256 prefixes, codes and counts — never a file's contents
or its name (a file name often carries a customer's name).
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.engine import Engine
from werkzeug.routing import BaseConverter

from kyosai import calendar

from ..reading import Limits
from . import errors
from .config import DEFAULTS, as_of_from, database_url, limits_from
from .db import make_engine
from .migrate import require_current, upgrade_database
from .retention import Retention, retention_from
from .throttle import uploads_per_minute_from
from .reports import RenderLimits, render_limits_from
from .storage import DatabaseStore, FileStore, store_from

__all__ = ["create_app", "Service", "service"]

log = logging.getLogger("kyosai.service")

# The page's Content-Security-Policy: our own script only; the report's inline <style> is allowed
# (it is shown in a sandboxed iframe without scripts, which inherits this policy).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass
class Service:
    """What the views share: the database engine, the file store, the reading limits, the as-of day,
    how long uploads are kept, how many an agency may start a minute, what rendering a report may cost."""

    engine: Engine
    store: FileStore
    limits: Limits
    as_of: datetime.date | None
    isolated: bool
    retention: Retention
    uploads_per_minute: int | None
    render: RenderLimits = RenderLimits()

    def today(self) -> datetime.date:
        return self.as_of or calendar.today()


def service() -> Service:
    """The service of the current app."""
    return current_app.extensions["kyosai"]


class HexId(BaseConverter):
    """The ids the service generates: 32 lower-case hex digits (uuid4().hex)."""

    regex = "[0-9a-f]{32}"


def create_app(test_config: dict | None = None, *, migrate: bool | None = None) -> Flask:
    """The Flask application; ``test_config`` replaces the instance config and the environment.

    The database schema: with ``migrate=None`` the setting ``UPGRADE_DATABASE`` decides — on, the
    database is brought to the newest revision; off, the app refuses to start on a database that is
    behind (:class:`.migrate.DatabaseBehind`). ``migrate=False`` leaves it alone: the command line's
    ``db`` commands and ``serve`` handle it themselves and say what they did.
    """
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("KYOSAI_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance) if instance else None)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KYOSAI")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.converters["hexid"] = HexId
    _logging(app)

    engine = make_engine(database_url(app.config, app.instance_path))
    if migrate is None:
        migrate = bool(app.config["UPGRADE_DATABASE"])
        if not migrate:
            require_current(engine)
    if migrate:
        upgrade_database(engine)
    store = store_from(app.config, engine, app.instance_path)
    if migrate and isinstance(store, DatabaseStore):
        store.move_from_disk()           # files an older version kept in this host's folder
    store.sweep()
    app.extensions["kyosai"] = Service(engine=engine, store=store, limits=limits_from(app.config),
                                       as_of=as_of_from(app.config), isolated=bool(app.config["ISOLATED"]),
                                       retention=retention_from(app.config),
                                       uploads_per_minute=uploads_per_minute_from(app.config),
                                       render=render_limits_from(app.config))

    errors.register(app)
    from . import api, openapi, pages
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)

    @app.get("/healthz")
    def healthz():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return jsonify(status="ok")

    @app.before_request
    def _start():
        g.started = time.monotonic()

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", PAGE_CSP)
        # Every answer carries a clerk's or an agency's data, or is the page that holds a token: no
        # cache (a browser's, a proxy's) keeps any of it, downloads included
        headers["Cache-Control"] = "no-store"
        caller = g.get("caller")
        ms = (time.monotonic() - g.started) * 1000 if "started" in g else 0
        # ids and numbers only: the endpoint name, never the path's or the form's contents
        log.info("request method=%s endpoint=%s status=%d ms=%.0f agency=%s", request.method,
                 request.endpoint or "-", response.status_code, ms, caller.agency_id if caller else "-")
        return response

    return app


def _logging(app: Flask) -> None:
    """Our log lines go to standard error (gunicorn's too) unless the host configured logging."""
    logger = logging.getLogger("kyosai.service")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        logger.addHandler(handler)
