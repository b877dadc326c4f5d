"""How long the service keeps what clerks upload (保存期間), and removing what is past it.

An uploaded batch carries personal data — names, birth dates, addresses, bank accounts — and so does
its stored report (each finding shows the cell as written). The Act on the Protection of Personal
Information asks a business to erase personal data without delay once it no longer needs it
(個人情報の保護に関する法律 第22条, 平成十五年法律第五十七号; e-Gov 法令検索). What the service keeps,
and for how long (settings in :data:`validator.service.config.DEFAULTS`):

- ``KEEP_UNSUBMITTED_DAYS`` (30): an upload that was never handed in — usually a try that the clerk
  fixed and uploaded again. Its report can be opened for that many days; then its row and its file go.
- ``KEEP_SUBMITTED_DAYS`` (None: kept until headquarters sets a period): a submission, its
  validation and the file headquarters downloads. Headquarters sets it once its own systems hold
  what was handed in.
- a stored file without a row (the process stopped between the file's rename and the database
  commit) goes after a day.

A validation's files — its upload and the reports made from it — go with it: in the database's
store (``FILE_STORE`` ``database``) in the same statement (``ON DELETE CASCADE``), so a purge run on
any host cleans every host; in a folder, right after the rows.

:func:`purge` does it; ``kyosai purge`` runs it (daily, from cron or a systemd timer). Rows go first,
each batch in one short transaction, then their files: a row never points at a missing file, and a
file whose row went but that could not be deleted is an orphan the next run removes. Only the files
of the rows a DELETE says it deleted (``RETURNING``) go. A validation that is handed in while it is
being purged stays, with its file: the delete skips validations with a submission, and should a
submission slip in while the delete runs (PostgreSQL's foreign key refuses it) that batch is done
again row by row.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .config import whole_number_or_none
from .db import Submission, Validation, read_session, utcnow, write_session
from .storage import FileStore, validation_of

__all__ = ["Retention", "Purged", "retention_from", "purge"]

log = logging.getLogger("kyosai.service")

_BATCH = 500
_ORPHAN_SECONDS = 86400  # a file without a row this old was not being stored just now


@dataclass(frozen=True)
class Retention:
    """How many days unsubmitted validations and submissions are kept (None: for good)."""

    unsubmitted_days: int | None = 30
    submitted_days: int | None = None


@dataclass
class Purged:
    """What :func:`purge` removed (or, on a dry run, would remove)."""

    unsubmitted: int = 0  # validations never handed in
    submitted: int = 0  # submissions, each with its validation
    orphans: int = 0  # stored files without a row
    bytes: int = 0  # the files' sizes
    dry_run: bool = False


def retention_from(config) -> Retention:
    """The retention settings of a config; a bad value stops the start-up (as ``AS_OF`` does).

    >>> retention_from({"KEEP_UNSUBMITTED_DAYS": 30, "KEEP_SUBMITTED_DAYS": None})
    Retention(unsubmitted_days=30, submitted_days=None)
    """
    return Retention(
        whole_number_or_none(config, "KEEP_UNSUBMITTED_DAYS"), whole_number_or_none(config, "KEEP_SUBMITTED_DAYS")
    )


def purge(
    engine: Engine,
    store: FileStore,
    retention: Retention,
    *,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
) -> Purged:
    """Remove what ``retention`` no longer keeps: rows first, then their files; returns the counts."""
    now = now or utcnow()
    started = time.monotonic()
    purged = Purged(dry_run=dry_run)
    if retention.unsubmitted_days is not None:
        cutoff = now - datetime.timedelta(days=retention.unsubmitted_days)
        purged.unsubmitted, size = _purge_unsubmitted(engine, store, cutoff, dry_run)
        purged.bytes += size
    if retention.submitted_days is not None:
        cutoff = now - datetime.timedelta(days=retention.submitted_days)
        purged.submitted, size = _purge_submitted(engine, store, cutoff, dry_run)
        purged.bytes += size
    purged.orphans, size = _purge_orphans(engine, store, dry_run)
    purged.bytes += size
    log.info(
        "purge %s unsubmitted=%d submitted=%d orphans=%d bytes=%d ms=%.0f",
        "dry-run" if dry_run else "done",
        purged.unsubmitted,
        purged.submitted,
        purged.orphans,
        purged.bytes,
        (time.monotonic() - started) * 1000,
    )
    return purged


def _unsubmitted():
    return ~exists().where(Submission.validation_id == Validation.id)


def _purge_unsubmitted(engine, store, cutoff, dry_run) -> tuple[int, int]:
    old = (Validation.created_at < cutoff) & _unsubmitted()
    if dry_run:
        with read_session(engine) as session:
            count, size = session.execute(select(func.count(Validation.id), func.sum(Validation.size)).where(old)).one()
        return count, size or 0
    count = size = 0
    while True:
        with read_session(engine) as session:
            ids = session.scalars(select(Validation.id).where(old).order_by(Validation.created_at).limit(_BATCH)).all()
        if not ids:
            return count, size
        removed = _delete_validations(engine, ids)
        if not removed:  # every one of them was handed in meanwhile: they are kept
            return count, size
        for vid, path, n in removed:
            store.remove(vid, path)
            size += n
        count += len(removed)


def _delete_validations(engine, ids) -> list[tuple[str, str, int]]:
    """Delete those of ``ids`` that have no submission; (id, file path, size) of each deleted."""
    try:
        return _delete_unsubmitted_rows(engine, ids)
    except IntegrityError:  # a submission came in between: row by row, keeping the handed-in one
        removed = []
        for vid in ids:
            try:
                removed += _delete_unsubmitted_rows(engine, [vid])
            except IntegrityError:
                continue
        return removed


def _delete_unsubmitted_rows(engine, ids) -> list[tuple[str, str, int]]:
    # one statement that says which rows it deleted: a submission committed after the batch was
    # chosen keeps its row, and so its file (PostgreSQL's READ COMMITTED sees it in the DELETE)
    with write_session(engine) as session:
        return [
            (vid, path, size)
            for vid, path, size in session.execute(
                delete(Validation)
                .where(Validation.id.in_(ids), _unsubmitted())
                .returning(Validation.id, Validation.file_path, Validation.size)
            )
        ]


def _purge_submitted(engine, store, cutoff, dry_run) -> tuple[int, int]:
    old = Submission.created_at < cutoff
    if dry_run:
        with read_session(engine) as session:
            count, size = session.execute(
                select(func.count(Submission.id), func.sum(Validation.size))
                .join(Validation, Submission.validation_id == Validation.id)
                .where(old)
            ).one()
        return count, size or 0
    count = size = 0
    while True:
        with write_session(engine) as session:
            ids = session.execute(
                select(Submission.id, Submission.validation_id).where(old).order_by(Submission.created_at).limit(_BATCH)
            ).all()
            if not ids:
                return count, size
            # what the statements deleted, not what was chosen: another purge may have been first
            gone = session.scalars(
                delete(Submission).where(Submission.id.in_([r[0] for r in ids])).returning(Submission.id)
            ).all()
            files = session.execute(
                delete(Validation)
                .where(Validation.id.in_([r[1] for r in ids]), _unsubmitted())
                .returning(Validation.id, Validation.file_path, Validation.size)
            ).all()
        for vid, path, n in files:
            store.remove(vid, path)
            size += n
        count += len(gone)


def _purge_orphans(engine, store, dry_run) -> tuple[int, int]:
    # the files are listed before the rows are read: a file stored meanwhile is either in the list
    # with its row already committed, or too new to count as an orphan
    files = [f for f in store.stored() if f.age_seconds > _ORPHAN_SECONDS]
    if not files:
        return 0, 0
    with read_session(engine) as session:
        known = set(session.scalars(select(Validation.id)))
    count = size = 0
    for f in files:
        if validation_of(f.relative) in known:  # an upload or a report of a validation still kept
            continue
        if not dry_run:
            store.discard(f.relative)
        count += 1
        size += f.size
    return count, size
