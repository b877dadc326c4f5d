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
- :mod:`.errors`: every error answer, in one place;
- :mod:`.context`: the :class:`Service` the views share and :func:`service`, its accessor.

Production runs it under gunicorn: ``kyosai serve`` (``gunicorn 'validator.service:create_app()'``).
Nothing personal is logged: ids, sizes, sha256 prefixes, codes and counts — never a file's contents
or its name (a file name often carries a customer's name).
"""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import text

from . import api, errors, openapi, pages
from .api import HexId
from .config import DEFAULTS, as_of_from, database_url, limits_from
from .context import EXTENSION, Service, service
from .db import make_engine
from .migrate import require_current, upgrade_database
from .reports import render_limits_from
from .retention import retention_from
from .storage import DatabaseStore, store_from
from .throttle import uploads_per_minute_from

__all__ = ["create_app", "Service", "service", "HexId"]

log = logging.getLogger("kyosai.service")

# The page's Content-Security-Policy: our own script only; the report's inline <style> is allowed
# (it is shown in a sandboxed iframe without scripts, which inherits this policy).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _JSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Japanese as it is
    sort_keys = False  # the keys in the order the code gives them


def create_app(test_config: dict | None = None, *, migrate: bool | None = None) -> Flask:
    """The Flask application; ``test_config`` replaces the instance config and the environment.

    The database schema: with ``migrate=None`` the setting ``UPGRADE_DATABASE`` decides — on, the
    database is brought to the newest revision; off, the app refuses to start on a database that is
    behind (:class:`.migrate.DatabaseBehind`). ``migrate=False`` leaves it alone: the command line's
    ``db`` commands and ``serve`` handle it themselves and say what they did.
    """
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("KYOSAI_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=os.path.abspath(instance) if instance else None)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KYOSAI")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    app.json = _JSONProvider(app)
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
        store.move_from_disk()  # files an older version kept in this host's folder
    store.sweep()
    app.extensions[EXTENSION] = Service(
        engine=engine,
        store=store,
        limits=limits_from(app.config),
        as_of=as_of_from(app.config),
        isolated=bool(app.config["ISOLATED"]),
        retention=retention_from(app.config),
        uploads_per_minute=uploads_per_minute_from(app.config),
        render=render_limits_from(app.config),
    )

    errors.register(app)
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
        log.info(
            "request method=%s endpoint=%s status=%d ms=%.0f agency=%s",
            request.method,
            request.endpoint or "-",
            response.status_code,
            ms,
            caller.agency_id if caller else "-",
        )
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
