"""How many files an agency may upload a minute (アップロード数の上限).

Checking a file costs a worker and a reading child for up to ``READ_SECONDS``; a script gone wrong or
a stolen token sending files in a loop would take every worker and make the other agencies wait.
So each agency may start ``UPLOADS_PER_MINUTE`` uploads (default 60, far above what a clerk or an
agency's bulk upload needs; 0 or empty: no limit) per calendar minute; beyond that the upload is
refused with **429** before its body is read, with ``Retry-After`` (the seconds to the next minute)
and the same JSON error shape as every other refusal. Every upload counts, also one that turns out
unreadable: it cost the reading all the same. A fixed window is simple and shared by all gunicorn
workers through the database (the ``upload_counts`` table); at a minute's turn an agency may send
up to twice the limit in a short time, which is acceptable for the purpose.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .config import whole_number_or_none
from .db import UploadCount, write_session

__all__ = ["uploads_per_minute_from", "count_upload"]


def _now() -> float:
    return time.time()


def uploads_per_minute_from(config) -> int | None:
    """The limit of a config (None: no limit); a bad value stops the start-up.

    >>> uploads_per_minute_from({"UPLOADS_PER_MINUTE": 60}), uploads_per_minute_from({"UPLOADS_PER_MINUTE": 0})
    (60, None)
    """
    return whole_number_or_none(config, "UPLOADS_PER_MINUTE")


def count_upload(engine: Engine, agency_id: int, limit: int | None) -> int | None:
    """Count one upload of the agency in the current minute. None when it is within ``limit``;
    otherwise the seconds until the next minute, when it may upload again."""
    if limit is None:
        return None
    now = _now()
    minute = int(now // 60)
    for attempt in range(2):  # two first uploads of a minute racing on PostgreSQL: the loser counts again
        try:
            with write_session(engine) as session:
                row = session.get(UploadCount, (agency_id, minute), with_for_update=True)
                if row is None:
                    session.execute(
                        delete(UploadCount).where(UploadCount.agency_id == agency_id, UploadCount.minute < minute)
                    )
                    row = UploadCount(agency_id=agency_id, minute=minute, count=0)
                    session.add(row)
                row.count += 1
                count = row.count
            break
        except IntegrityError:
            if attempt:
                raise
    if count <= limit:
        return None
    return max(1, math.ceil((minute + 1) * 60 - now))
