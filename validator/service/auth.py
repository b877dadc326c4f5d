"""Agencies and their bearer tokens (認証).

A token is ``secrets.token_urlsafe(32)`` (256 random bits), shown once when it is made; the database
keeps only its SHA-256, so a copy of the database lets no one in. A request carries it as
``Authorization: Bearer <token>``; the caller is then an agency (sees its own validations and
submissions) or headquarters (``is_hq``: sees everyone's).

A token may carry an expiry (``kyosai token create --expires 90d``, :func:`parse_expiry`): past it the
token is refused with its own message (:class:`TokenExpired`), so the clerk knows to ask for a new
one. When a token was last used is recorded at most once a minute (:data:`LAST_USE_EVERY`): one
small write per token and minute, not one per request, and enough for headquarters to see which
tokens are still in use (``kyosai token list``).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kyosai.calendar import JAPAN
from kyosai.errors import KyosaiError
from kyosai.japanese import fold, parse_date

from .db import Agency, Token, read_session, utcnow, write_session

__all__ = [
    "Caller",
    "hash_token",
    "new_token",
    "create_token",
    "authenticate",
    "bearer_token",
    "revoke_token",
    "AgencyMismatch",
    "TokenExpired",
    "InvalidExpiry",
    "parse_expiry",
    "in_japan",
    "LAST_USE_EVERY",
]

log = logging.getLogger("kyosai.service")

#: How stale a token's recorded last use may get before a request records it again.
LAST_USE_EVERY = datetime.timedelta(minutes=1)
_LONGEST = datetime.timedelta(days=3660)  # ten years and a few leap days: beyond that, no expiry
_DURATION = re.compile(r"(\d+)\s*(d|w|m|日|週|か月|ヶ月|カ月|ケ月)")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the agency behind a valid token."""

    agency_id: int
    agency: str
    is_hq: bool
    token_id: int


class AgencyMismatch(ValueError):
    """The agency exists already with the other ``is_hq``."""


class TokenExpired(Exception):
    """The token was valid until ``expired_at`` (UTC)."""

    def __init__(self, expired_at: datetime.datetime):
        super().__init__(expired_at.isoformat())
        self.expired_at = expired_at


class InvalidExpiry(ValueError):
    """An expiry that cannot be read, or is not in the future; the message in Japanese and English."""

    def __init__(self, message_ja: str, message_en: str):
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja, self.message_en = message_ja, message_en


def parse_expiry(text: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """When a token given ``--expires text`` expires, in UTC (as the database keeps times).

    ``90d`` / ``12w`` / ``3m`` (also ``90日``, ``12週``, ``3か月``): that long from now, months by the
    calendar. A date (``2026-03-31``, ``令和8年3月31日``): the token works through that day in Japan.

    >>> now = datetime.datetime(2026, 1, 31, 3, 0)
    >>> parse_expiry("90d", now), parse_expiry("2w", now), parse_expiry("1m", now)
    (datetime.datetime(2026, 5, 1, 3, 0), datetime.datetime(2026, 2, 14, 3, 0),
     datetime.datetime(2026, 2, 28, 3, 0))
    >>> parse_expiry("2026-03-31", now), parse_expiry("３か月", now)
    (datetime.datetime(2026, 3, 31, 15, 0), datetime.datetime(2026, 4, 30, 3, 0))
    >>> parse_expiry("90", now)
    Traceback (most recent call last):
    ...
    validator.service.auth.InvalidExpiry: 「90」には単位が必要です（例: 90d＝90日、12w＝12週、3m＝3か月、または日付 2026-03-31）。 / ...
    """  # noqa: E501 - a doctest's Japanese message, one unbroken line as raised
    now = now or utcnow()
    value = fold(text or "", lower=True)
    examples_ja = "例: 90d＝90日、12w＝12週、3m＝3か月、または日付 2026-03-31"
    examples_en = "e.g. 90d (days), 12w (weeks), 3m (months) or a date such as 2026-03-31"
    if match := _DURATION.fullmatch(value):
        number, unit = int(match.group(1)), match.group(2)
        if number == 0:
            raise InvalidExpiry(
                f"「{text}」: 期間は1以上にしてください（{examples_ja}）。",
                f"{text!r}: the period must be at least 1 ({examples_en}).",
            )
        if number > 10_000:
            raise InvalidExpiry(
                f"「{text}」: 期間が長すぎます（10年まで。期限なしなら --expires を付けません）。",
                f"{text!r}: too long (at most ten years; leave --expires out for no expiry).",
            )
        if unit in ("d", "日"):
            expires = now + relativedelta(days=number)
        elif unit in ("w", "週"):
            expires = now + relativedelta(weeks=number)
        else:  # months by the calendar: Jan 31 + 1m = Feb 28
            expires = now + relativedelta(months=number)
    elif value.isdigit() and len(value) < 8:  # a bare number: days? months? (parse_date would take a serial)
        raise InvalidExpiry(
            f"「{text}」には単位が必要です（{examples_ja}）。", f"{text!r} needs a unit ({examples_en})."
        )
    else:
        try:
            day = parse_date(value)
        except KyosaiError:
            raise InvalidExpiry(
                f"「{text}」は有効期限として読めません（{examples_ja}）。",
                f"{text!r} is not an expiry ({examples_en}).",
            ) from None
        # through the whole day in Japan: until the next day's 0:00 there
        midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), JAPAN)
        expires = midnight.astimezone(datetime.UTC).replace(tzinfo=None)
    if expires <= now:
        raise InvalidExpiry(
            f"「{text}」は過去の日付です。有効期限には今日以降の日付を指定してください。",
            f"{text!r} is in the past: give a date from today on.",
        )
    if expires - now > _LONGEST:
        raise InvalidExpiry(
            f"「{text}」: 期間が長すぎます（10年まで。期限なしなら --expires を付けません）。",
            f"{text!r}: too long (at most ten years; leave --expires out for no expiry).",
        )
    return expires


def in_japan(moment: datetime.datetime) -> str:
    """A stored UTC time as a clerk reads it.

    >>> in_japan(datetime.datetime(2026, 3, 31, 15, 0))
    '2026-04-01 00:00 日本時間'
    """
    return f"{moment.replace(tzinfo=datetime.UTC).astimezone(JAPAN):%Y-%m-%d %H:%M} 日本時間"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _agency(session: Session, name: str, is_hq: bool) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        agency = Agency(name=name, is_hq=is_hq)
        session.add(agency)
        session.flush()
    elif agency.is_hq != is_hq:
        raise AgencyMismatch(name)
    return agency


def create_token(
    engine: Engine, agency_name: str, is_hq: bool = False, expires_at: datetime.datetime | None = None
) -> tuple[str, Token]:
    """A new token for ``agency_name`` (the agency is created when new), valid until ``expires_at``
    (UTC; None: until revoked); returns (token, row).

    The token itself is not stored: only its hash. Raises :class:`AgencyMismatch` when the agency
    exists with the other ``is_hq``.
    """
    name = agency_name.strip()
    if not name:
        raise ValueError("agency name is empty")
    token = new_token()
    with write_session(engine) as session:
        agency = _agency(session, name, is_hq)
        row = Token(agency_id=agency.id, token_sha256=hash_token(token), expires_at=expires_at)
        session.add(row)
        session.flush()
        row.agency = agency
    return token, row


def revoke_token(engine: Engine, token_id: int) -> bool:
    with write_session(engine) as session:
        row = session.get(Token, token_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None.

    >>> bearer_token("Bearer abc"), bearer_token("bearer  abc "), bearer_token("Basic abc"), bearer_token(None)
    ('abc', 'abc', None, None)
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > 512:
        return None
    return value


def authenticate(engine: Engine, token: str | None) -> Caller | None:
    """The caller behind a token, or None for a missing, unknown or revoked one; raises
    :class:`TokenExpired` for a token past its expiry. Records the token's use (once a minute)."""
    if not token:
        return None
    now = utcnow()
    with read_session(engine) as session:
        row = session.scalar(select(Token).where(Token.token_sha256 == hash_token(token)))
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            raise TokenExpired(row.expires_at)
        caller = Caller(agency_id=row.agency_id, agency=row.agency.name, is_hq=row.agency.is_hq, token_id=row.id)
        stale = row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY
    if stale:
        _record_use(engine, caller.token_id, now)
    return caller


def _record_use(engine: Engine, token_id: int, now: datetime.datetime) -> None:
    """Set the token's last use to ``now`` unless another request (another worker) did within the
    minute. A database too busy to take it costs the record, never the request."""
    try:
        with write_session(engine) as session:
            session.execute(
                update(Token)
                .where(
                    Token.id == token_id, or_(Token.last_used_at.is_(None), Token.last_used_at <= now - LAST_USE_EVERY)
                )
                .values(last_used_at=now)
            )
    except OperationalError as error:
        log.warning("token last use not recorded token=%s error=%s", token_id, type(error.orig).__name__)
