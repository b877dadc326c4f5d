"""What the views share: the :class:`Service` that ``create_app`` keeps in the app, and
:func:`service`, the accessor the views call during a request.

A module of its own, so that the blueprints (:mod:`.api`, :mod:`.pages`) and the package's factory
import it at module level without importing each other.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine

from kyosai import calendar

from ..reading import Limits
from .reports import RenderLimits
from .retention import Retention
from .storage import FileStore

__all__ = ["Service", "service"]

EXTENSION = "kyosai"  # the key of the Service in app.extensions


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
    return current_app.extensions[EXTENSION]
