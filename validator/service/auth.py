"""Agencies and their bearer tokens (認証).

A token is ``secrets.token_urlsafe(32)`` (256 random bits), shown once when it is made; the database
keeps only its SHA-256, so a copy of the database lets no one in. A request carries it as
``Authorization: Bearer <token>``; the caller is then an agency (sees its own validations and
submissions) or headquarters (``is_hq``: sees everyone's).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .db import Agency, Token, read_session, utcnow, write_session

__all__ = ["Caller", "hash_token", "new_token", "create_token", "authenticate", "bearer_token", "revoke_token",
           "AgencyMismatch"]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the agency behind a valid token."""

    agency_id: int
    agency: str
    is_hq: bool
    token_id: int


class AgencyMismatch(ValueError):
    """The agency exists already with the other ``is_hq``."""


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


def create_token(engine: Engine, agency_name: str, is_hq: bool = False) -> tuple[str, Token]:
    """A new token for ``agency_name`` (the agency is created when new); returns (token, row).

    The token itself is not stored: only its hash. Raises :class:`AgencyMismatch` when the agency
    exists with the other ``is_hq``.
    """
    name = agency_name.strip()
    if not name:
        raise ValueError("agency name is empty")
    token = new_token()
    with write_session(engine) as session:
        agency = _agency(session, name, is_hq)
        row = Token(agency_id=agency.id, token_sha256=hash_token(token))
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
    """The caller behind a token, or None for a missing, unknown or revoked one."""
    if not token:
        return None
    with read_session(engine) as session:
        row = session.scalar(select(Token).where(Token.token_sha256 == hash_token(token)))
        if row is None or row.revoked_at is not None:
            return None
        return Caller(agency_id=row.agency_id, agency=row.agency.name, is_hq=row.agency.is_hq, token_id=row.id)
