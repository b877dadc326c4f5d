"""The JSON report: the report's own dictionary, UTF-8 Japanese kept readable, keys in a fixed order."""

from __future__ import annotations

import json

from ..report import Report

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    """``report.to_dict()`` as indented JSON (valid, summary, truncated, source, findings)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
