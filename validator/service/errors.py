"""Every error answer in one place (エラー応答): JSON for the API, a Japanese page for the browser.

Whatever goes wrong ends here, as an HTTP status and a code with a Japanese and an English message
and a Japanese hint:

- :class:`~validator.reading.ReadFailure` — a file that cannot be read: its own status (400 broken or
  not a batch, 413 too big, 415 a type we do not take) and its finding;
- Flask's 413 (the body is larger than ``MAX_CONTENT_LENGTH``) — the same ``file-too-large`` finding
  as the reader's own size check, so the two say the same thing;
- :class:`ServiceError` — the service's own refusals (401, 404, 422, …);
- any other HTTP error by its status, and anything unexpected as 500 (logged by type only: an
  exception's text may quote the file).

Under ``/api/`` the body is ``{"status", "code", "message_ja", "message_en", "hint_ja", …}``;
elsewhere the page ``error.html``.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..findings import make
from ..reading import ReadFailure

__all__ = ["ServiceError", "register", "error_response", "too_large", "READ_FAILURE_STATUS", "read_failure_status"]

# The status a file that cannot be read is answered with, by its finding's code: 400 for a file that
# is broken, hostile, empty or not a batch; 413 for one too big (also a reading child that ran out of
# memory or time); 415 for a type we do not take (file-encrypted too: a password-protected workbook is
# an OLE2 container, not an OOXML zip, and the remedy is the same — save it again as a plain .xlsx).
READ_FAILURE_STATUS: dict[str, int] = {
    "file-unreadable": 400,
    "file-suspicious": 400,
    "file-empty": 400,
    "unknown-kind": 400,
    "no-header-row": 400,
    "file-too-large": 413,
    "too-many-rows": 413,
    "file-unsupported": 415,
    "file-old-format": 415,
    "file-encrypted": 415,
}


def read_failure_status(failure: ReadFailure) -> int:
    """The HTTP status of a file that cannot be read (:data:`READ_FAILURE_STATUS`)."""
    return READ_FAILURE_STATUS.get(failure.finding.code, 400)


log = logging.getLogger("kyosai.service")

# Status → (code, message_ja, message_en, hint_ja) for errors without a more specific one.
GENERIC = {
    400: ("bad-request", "リクエストが正しくありません。", "Bad request.", "入力内容を確認してください。"),
    401: (
        "unauthorized",
        "トークンがないか、正しくありません。",
        "A valid bearer token is required.",
        "本部から発行されたトークンを入力してください。",
    ),
    403: ("forbidden", "この操作は許可されていません。", "Forbidden.", ""),
    404: ("not-found", "見つかりません。", "Not found.", "URLやIDを確認してください。"),
    405: ("method-not-allowed", "この操作はできません。", "Method not allowed.", ""),
    409: ("conflict", "処理が競合しました。", "Conflict.", "もう一度お試しください。"),
    413: ("file-too-large", "ファイルが大きすぎます。", "The file is too large.", "ファイルを分割してください。"),
    415: (
        "unsupported-media-type",
        "対応していない形式です。",
        "Unsupported media type.",
        ".xlsx、.xlsm または .csv を使ってください。",
    ),
    422: ("unprocessable", "処理できない内容です。", "Unprocessable content.", ""),
    429: ("too-many-requests", "リクエストが多すぎます。", "Too many requests.", "しばらく待ってからお試しください。"),
    500: (
        "internal-error",
        "サーバー内部でエラーが起きました。",
        "Internal server error.",
        "時間をおいてもう一度お試しください。続く場合は本部に連絡してください。",
    ),
    503: ("unavailable", "ただいま処理できません。", "Service unavailable.", "時間をおいてもう一度お試しください。"),
}


class ServiceError(Exception):
    """A refusal of the service: status, code, messages; ``extra`` goes into the JSON body."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message_ja: str | None = None,
        message_en: str | None = None,
        hint_ja: str | None = None,
        **extra,
    ):
        generic = GENERIC.get(status, GENERIC[400 if status < 500 else 500])
        self.status = status
        self.code = code or generic[0]
        self.message_ja = message_ja or generic[1]
        self.message_en = message_en or generic[2]
        self.hint_ja = generic[3] if hint_ja is None else hint_ja
        self.extra = extra
        super().__init__(self.code)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}MB" if n >= 1024 * 1024 else f"{n:,}バイト"


def too_large(limit: int) -> ServiceError:
    """The 413 of an upload over ``limit`` bytes, worded as the reader's own ``file-too-large``."""
    finding = make("file-too-large", detail_ja=f"上限は{_mb(limit)}です", detail_en=f"the limit is {limit:,} bytes")
    return ServiceError(
        413, finding.code, finding.message_ja, finding.message_en, finding.hint_ja, finding=finding.to_dict()
    )


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(error: ServiceError):
    """The response for a ServiceError: JSON under /api/, a Japanese page elsewhere."""
    if _wants_json():
        body = {
            "status": error.status,
            "code": error.code,
            "message_ja": error.message_ja,
            "message_en": error.message_en,
            "hint_ja": error.hint_ja,
            **error.extra,
        }
        response = jsonify(body)
    else:
        response = current_app.make_response((render_template("error.html", error=error), error.status))
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kyosai"'
    if "retry_after" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _from_read_failure(failure: ReadFailure) -> ServiceError:
    f = failure.finding
    return ServiceError(
        read_failure_status(failure), f.code, f.message_ja, f.message_en, f.hint_ja, finding=f.to_dict()
    )


def _from_http(exc: HTTPException) -> ServiceError:
    status = exc.code or 500
    if status == 413:
        return too_large(int(current_app.config.get("MAX_FILE_BYTES") or current_app.config["MAX_CONTENT_LENGTH"]))
    error = ServiceError(status)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        error.extra["allowed"] = sorted(exc.valid_methods)
    return error


def register(app: Flask) -> None:
    """Install the handlers: the one mapping from whatever went wrong to a status and a message."""

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError):
        return error_response(error)

    @app.errorhandler(ReadFailure)
    def _read(failure: ReadFailure):
        return error_response(_from_read_failure(failure))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_response(_from_http(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        at = f"{where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else "?"
        # The type and the place only: an exception's text may quote the uploaded file.
        log.error("unexpected error %s at %s endpoint=%s", type(exc).__name__, at, request.endpoint)
        if current_app.testing:
            raise exc
        return error_response(ServiceError(500))
