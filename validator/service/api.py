"""The JSON API under ``/api/v1`` (every call needs ``Authorization: Bearer <token>``).

=======================================  =============================================================
``GET  /api/v1/me``                      who the token belongs to
``POST /api/v1/validations``             multipart ``file`` (+ ``kind``): check it → 200 report + id;
                                         400 unreadable / 413 too large / 415 unsupported (not stored)
``GET  /api/v1/validations/<id>``        the stored report
``GET  /api/v1/validations/<id>.<fmt>``  ``html`` / ``xlsx``: the stored report shown with the stored
                                         file, made once in a capped child (:mod:`.reports`);
                                         ``csv`` / ``json``: the stored report written out
``POST /api/v1/submissions``             JSON ``{"validation_id": …}``: 201 new, 200 already handed in
                                         (same agency, same file), 422 the batch has errors
``GET  /api/v1/submissions``             the caller's (headquarters: everyone's), newest first
``GET  /api/v1/submissions/<id>``        one submission
``GET  /api/v1/submissions/<id>/file``   the original file, named by its stem and the format found
                                         in its bytes (:mod:`.originals`)
``GET  /api/v1/openapi.json``            this API's OpenAPI 3.1 description, no token needed
                                         (:mod:`.openapi`; ``openapi.yaml`` describes every route here)
=======================================  =============================================================

An agency sees only its own validations and submissions: another agency's id answers 404, exactly
as an id that does not exist. Headquarters sees everyone's.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import unicodedata
import uuid
from pathlib import PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from flask import Blueprint, current_app, g, jsonify, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BaseConverter

from schemas.batches import KINDS

from ..check import validate_file
from ..output import FORMATS
from ..reading import ReadFailure
from ..render import render_csv_bytes
from ..report import Report
from . import originals, reports
from .auth import Caller, TokenExpired, authenticate, bearer_token, in_japan
from .context import service
from .db import Submission, Validation, read_session, write_session
from .errors import ServiceError, read_failure_status, too_large
from .storage import TooLarge, upload_name
from .throttle import count_upload

__all__ = ["bp", "content_disposition", "clean_filename"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("kyosai.service")


class HexId(BaseConverter):
    """The ids the service generates: 32 lower-case hex digits (uuid4().hex); ``<hexid:…>`` in the
    paths below (``create_app`` registers it)."""

    regex = "[0-9a-f]{32}"


XLSM_MEDIA_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"
# The ids the service makes (the paths' pattern, uuid4 hex): anything else is not one, and never
# reaches a query (a NUL byte makes PostgreSQL refuse the statement)
ID = re.compile(HexId.regex)
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
# An upload is checked in the worker once its reading child has answered: one at a time per worker
# process, as under sync workers. The check holds Python's lock, so a second at once would not finish
# sooner, and would add its memory to the worker's; a thread waiting here leaves the worker's other
# threads to other requests (the renders of reports run in children: .reports).
_checking = threading.BoundedSemaphore(1)


@bp.before_request
def _authenticate():
    try:
        caller = authenticate(service().engine, bearer_token(request.headers.get("Authorization")))
    except TokenExpired as expired:
        raise ServiceError(
            401,
            "token-expired",
            f"トークンの有効期限が切れています（期限: {in_japan(expired.expired_at)}）。",
            f"The token expired at {_iso(expired.expired_at)}.",
            "本部に新しいトークンの発行を依頼してください。",
        ) from None
    if caller is None:
        raise ServiceError(401)
    g.caller = caller


# --------------------------------------------------------------------------------------- helpers


def clean_filename(name: str | None) -> str:
    """The uploaded name as shown back to the clerk: its last path part, without control characters,
    NFC, at most 255 characters (the extension kept).

    >>> clean_filename("C:\\\\Users\\\\佐藤\\\\申込.xlsx"), clean_filename("../../a\\x00b.csv"), clean_filename(None)
    ('申込.xlsx', 'ab.csv', '')
    """
    if not name:
        return ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".") or ""
    if len(name) > 255:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 255 - len(suffix)] + suffix
    return name


def content_disposition(name: str, disposition: str = "attachment", fallback: str = "download") -> str:
    """A Content-Disposition header with the name in RFC 5987 form (``filename*=UTF-8''…``) for
    Japanese names, and a plain ASCII ``filename`` for old clients.

    >>> content_disposition("申込.report.xlsx", fallback="report.xlsx")
    'attachment; filename="report.xlsx"; filename*=UTF-8\\'\\'%E7%94%B3%E8%BE%BC.report.xlsx'
    >>> content_disposition('a"b.csv')
    'attachment; filename="a_b.csv"; filename*=UTF-8\\'\\'a%22b.csv'
    """
    plain = name if name.isascii() else fallback
    plain = "".join(ch if ch.isprintable() and ch not in '"\\;' else "_" for ch in plain) or "download"
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _iso(moment) -> str:
    return moment.isoformat() + "Z"


def _visible(statement, model, caller: Caller):
    return statement if caller.is_hq else statement.where(model.agency_id == caller.agency_id)


def _validation(session, vid: str, caller: Caller) -> Validation:
    if not ID.fullmatch(vid):
        raise _validation_not_found()
    found = session.scalar(_visible(select(Validation).where(Validation.id == vid), Validation, caller))
    if found is None:
        raise _validation_not_found()
    return found


def _kept_for(*, unsubmitted: bool) -> tuple[str, str]:
    """What a 404 adds about retention (保存期間): Japanese sentences, an English clause."""
    retention = service().retention
    said = []
    if unsubmitted and retention.unsubmitted_days:
        said.append(
            (
                f"提出しなかった検査結果は{retention.unsubmitted_days}日後に削除されます。",
                f"; a validation not handed in is removed after {retention.unsubmitted_days} days",
            )
        )
    if retention.submitted_days:
        said.append(
            (
                f"提出したものは{retention.submitted_days}日後に削除されます。",
                f"; a submission is removed after {retention.submitted_days} days",
            )
        )
    return "".join(ja for ja, _ in said), "".join(en for _, en in said)


def _validation_not_found() -> ServiceError:
    """404 for a validation that is not the caller's, never was, or was removed past its retention."""
    kept_ja, kept_en = _kept_for(unsubmitted=True)
    return ServiceError(
        404,
        "validation-not-found",
        "検査結果が見つかりません。",
        f"No such validation{kept_en}.",
        f"検査IDを確認してください。{kept_ja}",
    )


def _submission(session, sid: str, caller: Caller) -> Submission:
    found = None
    if ID.fullmatch(sid):
        found = session.scalar(_visible(select(Submission).where(Submission.id == sid), Submission, caller))
    if found is None:
        kept_ja, kept_en = _kept_for(unsubmitted=False)
        raise ServiceError(
            404,
            "submission-not-found",
            "提出が見つかりません。",
            f"No such submission{kept_en}.",
            f"提出IDを確認してください。{kept_ja}",
        )
    return found


def source_format(v: Validation) -> str | None:
    """The format the reader found in the stored file's bytes: xlsx, xlsm or csv."""
    return (v.report.get("source") or {}).get("format")


def validation_body(v: Validation) -> dict:
    return {
        "id": v.id,
        "created_at": _iso(v.created_at),
        "agency": v.agency.name,
        "filename": v.filename,
        "sha256": v.sha256,
        "size": v.size,
        "kind": v.kind,
        "as_of": v.as_of.isoformat(),
        "valid": v.valid,
        "format": source_format(v),
        "macros": v.macros,
        "report": v.report,
        "links": {
            "self": url_for("api.get_validation", vid=v.id),
            **{fmt: url_for("api.get_validation_rendered", vid=v.id, fmt=fmt) for fmt in ("html", "xlsx", "csv")},
            "submit": url_for("api.create_submission"),
        },
    }


def submission_body(s: Submission) -> dict:
    v = s.validation
    return {
        "id": s.id,
        "created_at": _iso(s.created_at),
        "agency": s.agency.name,
        "validation_id": s.validation_id,
        "sha256": s.sha256,
        "filename": v.filename,
        "size": v.size,
        "kind": v.kind,
        "records": v.records,
        "warnings": v.warnings,
        "format": source_format(v),
        "macros": v.macros,
        "links": {
            "self": url_for("api.get_submission", sid=s.id),
            "file": url_for("api.get_submission_file", sid=s.id),
            "validation": url_for("api.get_validation", vid=s.validation_id),
        },
    }


# --------------------------------------------------------------------------------------- who am I


@bp.get("/me")
def me():
    caller: Caller = g.caller
    return jsonify(agency=caller.agency, is_hq=caller.is_hq)


# --------------------------------------------------------------------------------------- validations


@bp.post("/validations")
def create_validation():
    svc, caller = service(), g.caller
    wait = count_upload(svc.engine, caller.agency_id, svc.uploads_per_minute)  # before the body is read
    if wait is not None:
        log.info("validation refused agency=%s code=too-many-uploads status=429", caller.agency_id)
        raise ServiceError(
            429,
            "too-many-uploads",
            f"アップロードが多すぎます（1分間に{svc.uploads_per_minute}件まで）。",
            f"Too many uploads: at most {svc.uploads_per_minute} a minute per agency.",
            f"{wait}秒ほど待ってから、もう一度アップロードしてください。",
            retry_after=wait,
        )
    kind = (request.form.get("kind") or "").strip() or None  # reading the form may answer 413
    if kind is not None and kind not in KINDS:
        raise ServiceError(
            400,
            "bad-kind",
            f"申込の種類の指定が正しくありません（{'、'.join(KINDS)}）。",
            f"kind must be one of {', '.join(KINDS)}.",
            "種類は「自動判定」のままでも構いません。",
        )
    upload = request.files.get("file")
    if upload is None:
        raise ServiceError(
            400,
            "file-missing",
            "ファイルが選択されていません。",
            "No file was sent (multipart field 'file').",
            "ファイルを選んでから検査してください。",
        )
    filename = clean_filename(upload.filename) or "upload"
    vid = uuid.uuid4().hex
    started = time.monotonic()
    try:
        received = svc.store.receive(upload.stream, vid, svc.limits.max_bytes)
    except TooLarge:
        log.info(
            "validation rejected agency=%s code=file-too-large status=413 size>%d",
            caller.agency_id,
            svc.limits.max_bytes,
        )
        raise too_large(svc.limits.max_bytes) from None
    try:
        as_of = svc.today()
        with _checking:
            checked = validate_file(
                received.path, kind, filename=filename, as_of=as_of, limits=svc.limits, isolated=svc.isolated
            )
    except ReadFailure as failure:
        svc.store.discard(received)
        log.info(
            "validation rejected agency=%s sha256=%s size=%d code=%s status=%d",
            caller.agency_id,
            received.sha256[:12],
            received.size,
            failure.finding.code,
            read_failure_status(failure),
        )
        raise
    except BaseException:
        svc.store.discard(received)
        raise
    report = checked.report
    try:
        macros = originals.holds_macros(received.path, report.source.format)
        name = upload_name(vid, report.source.format)
        with write_session(svc.engine) as session:
            session.add(
                Validation(
                    id=vid,
                    agency_id=caller.agency_id,
                    filename=filename,
                    sha256=received.sha256,
                    size=received.size,
                    kind=report.source.kind,
                    valid=report.valid,
                    records=report.records,
                    errors=report.errors,
                    warnings=report.warnings,
                    as_of=as_of,
                    report=report.to_dict(),
                    macros=macros,
                    file_path=name,
                )
            )
            svc.store.keep(received, name, session)  # the file with its row, in one transaction
        received.path.unlink(missing_ok=True)  # the copy received (the database's store holds the bytes now)
    except BaseException:
        svc.store.discard(received)  # no row, no file: nothing half-written
        raise
    log.info(
        "validation stored id=%s agency=%s sha256=%s size=%d kind=%s valid=%s records=%d errors=%d warnings=%d ms=%.0f",
        vid,
        caller.agency_id,
        received.sha256[:12],
        received.size,
        report.source.kind,
        report.valid,
        report.records,
        report.errors,
        report.warnings,
        (time.monotonic() - started) * 1000,
    )
    with read_session(svc.engine) as session:
        return jsonify(validation_body(_validation(session, vid, caller))), 200


@bp.get("/validations/<hexid:vid>")
def get_validation(vid: str):
    with read_session(service().engine) as session:
        return jsonify(validation_body(_validation(session, vid, g.caller)))


@bp.get("/validations/<hexid:vid>.<any(json, html, xlsx, csv):fmt>")
def get_validation_rendered(vid: str, fmt: str):
    svc = service()
    with read_session(svc.engine) as session:
        v = _validation(session, vid, g.caller)
    body: BinaryIO
    if fmt == "json":  # the report as stored at the check (render_json's form)
        body = io.BytesIO(json.dumps(v.report, ensure_ascii=False, indent=2).encode("utf-8"))
    elif fmt == "csv":  # the stored report's findings (at most MAX_FINDINGS): no file read
        body = io.BytesIO(render_csv_bytes(Report.from_dict(v.report)))
    else:  # shown with the file: made once, in a capped child (.reports)
        body = reports.stored_report(svc, v, fmt, g.caller.agency_id)
    suffix = reports.report_suffix(fmt, source_format(v))
    media_type = XLSM_MEDIA_TYPE if suffix == ".xlsm" else FORMATS[fmt].media_type
    name = f"{PurePosixPath(v.filename).stem}.report{suffix}"
    response = send_file(body, mimetype=media_type, conditional=False, etag=False, max_age=0)
    response.headers["Content-Type"] = media_type  # the type as it is: one charset
    disposition = "inline" if fmt in ("html", "json") else "attachment"
    response.headers["Content-Disposition"] = content_disposition(name, disposition, f"report-{v.id[:8]}{suffix}")
    if fmt == "html":
        response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


# --------------------------------------------------------------------------------------- submissions


def _find_submission(session, agency_id: int, sha256: str) -> str | None:
    return session.scalar(select(Submission.id).where(Submission.agency_id == agency_id, Submission.sha256 == sha256))


def _submit(engine, v: Validation) -> tuple[str, bool]:
    """The id of the agency's submission of this file, and whether it is new.

    The unique constraint (agency, sha256) decides a race: the loser's insert fails and it returns
    the winner's row — or, when the winner's row was purged in between, tries once more.
    """
    retried = False
    while True:
        try:
            with write_session(engine) as session:
                existing = _find_submission(session, v.agency_id, v.sha256)
                if existing is not None:
                    return existing, False
                sid = uuid.uuid4().hex
                session.add(Submission(id=sid, agency_id=v.agency_id, validation_id=v.id, sha256=v.sha256))
                session.flush()
            return sid, True
        except IntegrityError:
            with read_session(engine) as session:
                existing = _find_submission(session, v.agency_id, v.sha256)
                gone = existing is None and session.get(Validation, v.id) is None
            if gone:  # purged past its retention while being handed in (its foreign key refused)
                raise _validation_not_found() from None
            if existing is not None:
                return existing, False
            if retried:  # neither a winner nor a purge explains it
                raise
            retried = True


@bp.post("/submissions")
def create_submission():
    svc, caller = service(), g.caller
    data = request.get_json(silent=True)
    vid = data.get("validation_id") if isinstance(data, dict) else None
    if not isinstance(vid, str) or not vid:
        raise ServiceError(
            400,
            "validation-id-missing",
            "検査ID（validation_id）がありません。",
            'Send JSON {"validation_id": "<id>"} with Content-Type: application/json.',
            "先にファイルを検査し、その検査IDで提出してください。",
        )
    if not ID.fullmatch(vid):
        raise _validation_not_found()
    with read_session(svc.engine) as session:
        # Only the agency that checked a file hands it in (headquarters too: its own uploads).
        v = session.scalar(select(Validation).where(Validation.id == vid, Validation.agency_id == caller.agency_id))
    if v is None:
        raise _validation_not_found()
    if not v.valid:
        log.info("submission refused validation=%s agency=%s errors=%d", v.id, caller.agency_id, v.errors)
        raise ServiceError(
            422,
            "submission-has-errors",
            "エラーのあるファイルは提出できません。",
            "A batch with errors cannot be submitted.",
            "エラーをすべて直して、もう一度検査してから提出してください。",
            validation_id=v.id,
            report=v.report,
        )
    if v.macros and not current_app.config.get("ALLOW_MACROS"):
        # headquarters takes data, not code (docs/service.md, "Macros"); the file itself is left as sent
        log.info("submission refused validation=%s agency=%s code=workbook-has-macros", v.id, caller.agency_id)
        raise ServiceError(
            422,
            "workbook-has-macros",
            "マクロを含むブックは提出できません。",
            "A workbook with macros cannot be handed in: save it as .xlsx and check it again.",
            "Excelの「名前を付けて保存」でファイルの種類を「Excel ブック (*.xlsx)」にして保存し直し"
            "（マクロは外れます）、もう一度検査してから提出してください。",
            validation_id=v.id,
        )
    sid, created = _submit(svc.engine, v)
    with read_session(svc.engine) as session:
        body = submission_body(_submission(session, sid, caller))
    log.info(
        "submission %s id=%s validation=%s agency=%s sha256=%s",
        "created" if created else "repeated",
        sid,
        v.id,
        caller.agency_id,
        v.sha256[:12],
    )
    response = jsonify(body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = body["links"]["self"]
    return response


def _page_arg(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = lowest - 1
    if not lowest <= value <= highest:
        raise ServiceError(
            400,
            "bad-page",
            f"{name} は {lowest}〜{highest} の整数で指定してください。",
            f"{name} must be an integer from {lowest} to {highest}.",
            "",
        )
    return value


@bp.get("/submissions")
def list_submissions():
    svc, caller = service(), g.caller
    limit = _page_arg("limit", 100, 1, int(current_app.config["PAGE_MAX"]))
    offset = _page_arg("offset", 0, 0, 10**9)
    with read_session(svc.engine) as session:
        total = session.scalar(_visible(select(func.count(Submission.id)), Submission, caller))
        rows = session.scalars(
            _visible(select(Submission), Submission, caller)
            .order_by(Submission.created_at.desc(), Submission.id)
            .limit(limit)
            .offset(offset)
        )
        items = [submission_body(s) for s in rows]
    return jsonify(submissions=items, total=total, limit=limit, offset=offset, all_agencies=caller.is_hq)


@bp.get("/submissions/<hexid:sid>")
def get_submission(sid: str):
    with read_session(service().engine) as session:
        return jsonify(submission_body(_submission(session, sid, g.caller)))


@bp.get("/submissions/<hexid:sid>/file")
def get_submission_file(sid: str):
    svc = service()
    with read_session(svc.engine) as session:
        s = _submission(session, sid, g.caller)
        v = s.validation
    body = svc.store.open(v.file_path)
    if body is None:
        log.error("stored file missing submission=%s validation=%s", s.id, v.id)
        raise ServiceError(
            404,
            "stored-file-missing",
            "保存されたファイルが見つかりません。",
            "The stored file is missing.",
            "本部に連絡してください。",
        )
    fmt = source_format(v) or PurePosixPath(v.file_path).suffix.lstrip(".") or "xlsx"
    response = send_file(body, mimetype="application/octet-stream", conditional=False, etag=False, max_age=0)
    # set as it is (send_file would add a second charset to a CSV's)
    response.headers["Content-Type"] = originals.media_type(fmt, (v.report.get("source") or {}).get("encoding"))
    # named by what it is, whatever extension the clerk typed (clean.txt → clean.xlsx)
    name = originals.download_name(v.filename, fmt)
    response.headers["Content-Disposition"] = content_disposition(name, "attachment", f"submission-{s.id[:8]}.{fmt}")
    log.info("submission file sent id=%s bytes=%d", s.id, v.size)
    return response
