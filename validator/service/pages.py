"""The upload page (アップロード画面) at ``/``, in Japanese.

One static page: the clerk enters the token once (kept in the tab's ``sessionStorage``, never in a
URL or a cookie), chooses a file and a kind, and the page's own script (``static/kyosai.js``) calls
the JSON API with ``Authorization: Bearer``. Because no cookie authenticates anything, another site
cannot make the browser act for the clerk (no CSRF). The report is the validator's own HTML report,
shown in a sandboxed iframe without scripts; the annotated workbook downloads through the API; a
batch without errors gets a 「提出する」 button. Headquarters' page lists every agency's submissions.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from schemas.batches import KINDS

from .context import service

__all__ = ["bp"]

bp = Blueprint("pages", __name__)


@bp.get("/")
def upload():
    svc = service()
    limit_mb = svc.limits.max_bytes / (1024 * 1024)
    return render_template(
        "upload.html",
        kinds=[(name, kind.title_ja) for name, kind in KINDS.items()],
        limit_mb=f"{limit_mb:.0f}",
        max_rows=f"{svc.limits.max_rows:,}",
        as_of=svc.as_of.isoformat() if svc.as_of else None,
        demo=bool(current_app.config.get("DEMO")),
        allow_macros=bool(current_app.config.get("ALLOW_MACROS")),
    )
