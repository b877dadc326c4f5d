"""Reports of a stored validation (検査結果の帳票): rendered like uploads are read — in a capped child
process, once — and then read from the store.

``GET /api/v1/validations/<id>.html`` and ``.xlsx`` answer the report stored at the check, shown with
the clerk's file: the HTML page with a grid of the file's cells, the clerk's workbook annotated
(``.csv`` and ``.json`` are the stored report alone, written out in the worker: at most
:data:`validator.report.MAX_FINDINGS` findings, no file read). Showing it with the file means
reading the clerk's file again; the annotated workbook opens it with openpyxl, which for a
15,000-row file took 19–32 s and 110 MB. Done inside a gunicorn worker (with the file checked
again), four of them by one agency held both workers and another agency's ``GET /me`` waited 110 s.
So:

1. **Once.** A report is stored beside its validation (``files/<id>.report.<format>``, in the same
   store as the upload, :mod:`.storage`) and the next request for it is a read. It shows the
   report as stored (:meth:`validator.report.Report.from_dict`) — the verdict the hand-in goes by,
   also after the rules change — and goes with its validation.
2. **In a capped child** (:mod:`validator.sandbox`, as the reading of an upload): the child reads the
   stored file and renders within ``RENDER_MEMORY_MB`` and ``RENDER_SECONDS``; a crafted file costs
   that child, not the worker. The modules it needs (:data:`WARM`, polars among them) are imported
   in the child after the fork (never in a process that forks: :mod:`validator.sandbox`).
3. **Never queued.** The request's thread waits for the child; under gunicorn's ``gthread`` workers
   (``kyosai serve``) a waiting thread holds neither its worker process nor Python's lock, so the
   worker's other threads answer other requests meanwhile. What could still fill the threads is
   bounded and refused at once, with ``Retry-After``, rather than made to wait: an agency renders at
   most ``RENDERS_PER_AGENCY`` reports at a time (**429** ``too-many-renders``), a host at most
   ``RENDERS_PER_HOST`` (**503** ``server-busy``), and a report already being rendered is not
   rendered a second time (**429** ``report-in-progress``: it is stored in a moment). Every render
   counts as one of the agency's uploads in ``UPLOADS_PER_MINUTE`` (it costs as much as one; **429**
   ``too-many-uploads``); a report read from the store counts nothing.

The reports being rendered are rows of ``render_jobs``, shared by every worker and host through the
database; a claim takes a lock first (PostgreSQL: an advisory lock; SQLite: the write lock), so two
claims never both take the last place. A row whose worker died (on this host) or older than the
render's time limit is ignored and removed by the next claim.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .. import sandbox
from ..output import render_stored
from .config import whole_number_or_none
from .db import RenderJob, Validation, utcnow, write_session
from .errors import ServiceError
from .storage import report_name
from .throttle import count_upload

__all__ = ["RenderLimits", "render_limits_from", "report_suffix", "stored_report", "render_report", "WARM", "HOST"]

log = logging.getLogger("kyosai.service")

# What the rendering child imports after the fork: the reader and the renderers (polars, whose
# threads make a process unsafe to fork, is never imported before). Not the checker: a report is
# shown as it was stored.
WARM = ("fastexcel", "polars", "validator.output")
# This host in render_jobs (the per-host limit, and telling a dead worker's rows)
HOST = socket.gethostname()[:255] or "localhost"
# PostgreSQL's advisory lock of a claim: any number, the same in every process ("kyosar" in ASCII)
_PG_LOCK = 0x6B796F736172
# Seconds a refused request is told to wait: a report is usually made within seconds
_RETRY_SECONDS = 5


@dataclass(frozen=True)
class RenderLimits:
    """What rendering one report may cost, and how many may run at once (None: no limit)."""

    memory_mb: int = 2048
    seconds: int = 300
    per_agency: int | None = 2
    per_host: int | None = None


def render_limits_from(config) -> RenderLimits:
    """The render settings of a config; a bad value stops the start-up.

    >>> render_limits_from({"RENDER_MEMORY_MB": 512, "RENDER_SECONDS": 60, "RENDERS_PER_AGENCY": 1,
    ...                     "RENDERS_PER_HOST": 4})
    RenderLimits(memory_mb=512, seconds=60, per_agency=1, per_host=4)
    """
    memory_mb = whole_number_or_none(config, "RENDER_MEMORY_MB")
    seconds = whole_number_or_none(config, "RENDER_SECONDS")
    if memory_mb is None or seconds is None:
        raise RuntimeError("KYOSAI_RENDER_MEMORY_MB and KYOSAI_RENDER_SECONDS must be whole numbers above 0")
    per_host = (
        whole_number_or_none(config, "RENDERS_PER_HOST")
        if config.get("RENDERS_PER_HOST") is not None
        else os.cpu_count() or 2
    )
    return RenderLimits(memory_mb, seconds, whole_number_or_none(config, "RENDERS_PER_AGENCY"), per_host)


def report_suffix(fmt: str, source_format: str | None) -> str:
    """The report's extension: the format's, except that an .xlsm's annotated workbook stays an .xlsm.

    >>> report_suffix("xlsx", "xlsm"), report_suffix("xlsx", "csv"), report_suffix("html", "xlsm")
    ('.xlsm', '.xlsx', '.html')
    """
    return ".xlsm" if fmt == "xlsx" and source_format == "xlsm" else f".{fmt}"


# ------------------------------------------------------------------------------------------ the child

# What the child runs: the stored report and the stored file in a format, written to a file. It
# lives outside the service so that the child imports the renderers only (unpickling a function of
# this module would import Flask, SQLAlchemy and the rest: 0.4 s a render).
render_report = render_stored


# ------------------------------------------------------------------------------------------ claims


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process by now: not our worker, but leave it to age
        return True
    return True


def _claim(engine: Engine, agency_id: int, vid: str, fmt: str, limits: RenderLimits) -> str:
    """A row in render_jobs for this render, or the refusal (ServiceError) when it may not start now."""
    stale = utcnow() - datetime.timedelta(seconds=limits.seconds + 60)
    refused = None
    with write_session(engine) as session:
        if engine.dialect.name == "postgresql":  # (SQLite: write_session began with the write lock)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        jobs = session.scalars(select(RenderJob)).all()  # a few rows: what runs now
        gone = {j.id for j in jobs if j.started_at < stale or (j.host == HOST and not _alive(j.pid))}
        if gone:
            session.execute(delete(RenderJob).where(RenderJob.id.in_(gone)))
        running = [j for j in jobs if j.id not in gone]
        if any(j.validation_id == vid and j.format == fmt for j in running):
            refused = ServiceError(
                429,
                "report-in-progress",
                "この検査結果のファイルは作成中です。",
                "This report is being made.",
                f"{_RETRY_SECONDS}秒ほど待ってから、もう一度お試しください。",
                retry_after=_RETRY_SECONDS,
            )
        elif limits.per_agency and sum(j.agency_id == agency_id for j in running) >= limits.per_agency:
            refused = ServiceError(
                429,
                "too-many-renders",
                f"検査結果のファイルを同時に作れるのは{limits.per_agency}件までです。",
                f"At most {limits.per_agency} reports are made at once per agency.",
                "作成中のものが終わってから、もう一度お試しください。",
                retry_after=_RETRY_SECONDS,
            )
        elif limits.per_host and sum(j.host == HOST for j in running) >= limits.per_host:
            refused = ServiceError(
                503,
                "server-busy",
                "ただいま混み合っています。",
                "The service is busy making other reports.",
                f"{2 * _RETRY_SECONDS}秒ほど待ってから、もう一度お試しください。",
                retry_after=2 * _RETRY_SECONDS,
            )
        else:
            job = RenderJob(
                id=uuid.uuid4().hex,
                agency_id=agency_id,
                validation_id=vid,
                format=fmt,
                host=HOST,
                pid=os.getpid(),
                started_at=utcnow(),
            )
            session.add(job)
    if refused is not None:
        log.info("report refused validation=%s format=%s agency=%s code=%s", vid, fmt, agency_id, refused.code)
        raise refused
    return job.id


def _release(engine: Engine, job_id: str) -> None:
    try:
        with write_session(engine) as session:
            session.execute(delete(RenderJob).where(RenderJob.id == job_id))
    except SQLAlchemyError as error:  # the row ages out instead (see _claim)
        log.warning("render job not released id=%s error=%s", job_id, type(error).__name__)


# ------------------------------------------------------------------------------------------ serving


def stored_report(svc, v: Validation, fmt: str, agency_id: int) -> BinaryIO:
    """The report of ``v`` in ``fmt`` (html, xlsx) to read: from the store, or rendered now in a
    child and stored first. Raises :class:`ServiceError` for the refusals above, for a stored file
    gone missing (404) and for a report the child could not make within its limits (503)."""
    source_format = (v.report.get("source") or {}).get("format")
    name = report_name(v.id, report_suffix(fmt, source_format))
    found = svc.store.open(name)
    if found is not None:
        log.info("report read id=%s format=%s", v.id, fmt)
        return found
    job = _claim(svc.engine, agency_id, v.id, fmt, svc.render)
    try:
        found = svc.store.open(name)  # made by a render that ended between the look and the claim
        if found is None:
            wait = count_upload(svc.engine, agency_id, svc.uploads_per_minute)
            if wait is not None:
                raise ServiceError(
                    429,
                    "too-many-uploads",
                    f"アップロードと検査結果のファイル作成が多すぎます（合わせて1分間に{svc.uploads_per_minute}件まで）。",
                    f"Too many uploads and reports made: at most {svc.uploads_per_minute} a minute per agency.",
                    f"{wait}秒ほど待ってから、もう一度お試しください。",
                    retry_after=wait,
                )
            _render(svc, v, fmt, name)
            found = svc.store.open(name)
    finally:
        _release(svc.engine, job)
    if found is None:  # its validation was removed (retention) while it was made
        raise ServiceError(
            404,
            "validation-not-found",
            "検査結果が見つかりません。",
            "No such validation.",
            "検査IDを確認してください。",
        )
    return found


def _render(svc, v: Validation, fmt: str, name: str) -> None:
    started = time.monotonic()
    limits = svc.render
    try:
        with svc.store.local(v.file_path) as original:
            staged: Path = svc.store.staging(Path(name).suffix)
            try:
                args = (str(original), fmt, v.report, v.kind, v.filename, svc.limits, str(staged))
                if svc.isolated:
                    size = sandbox.run(
                        render_report, *args, memory_mb=limits.memory_mb, seconds=limits.seconds, warm=WARM
                    )
                else:  # tests only (ISOLATED off): in this process
                    size = render_report(*args)
                svc.store.put(name, v.id, staged)
            finally:
                staged.unlink(missing_ok=True)
    except FileNotFoundError:
        log.error("stored file missing validation=%s", v.id)
        raise ServiceError(
            404,
            "stored-file-missing",
            "保存されたファイルが見つかりません。",
            "The stored file is missing.",
            "もう一度アップロードして検査してください。",
        ) from None
    except sandbox.ChildFailure as failure:
        log.warning(
            "report failed id=%s format=%s reason=%s ms=%.0f",
            v.id,
            fmt,
            failure.reason,
            (time.monotonic() - started) * 1000,
        )
        raise ServiceError(
            503,
            "report-failed",
            "検査結果のファイルを作れませんでした。",
            f"The report could not be made within the service's limits ({failure.detail_en})",
            f"{failure.detail_ja}指摘の一覧は検査結果（CSV、JSON）で確認できます。"
            "ファイルを分割すると作れることがあります。",
        ) from None
    log.info("report rendered id=%s format=%s bytes=%d ms=%.0f", v.id, fmt, size, (time.monotonic() - started) * 1000)
