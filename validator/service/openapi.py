"""The API's description (API仕様): ``openapi.yaml`` beside this module, served as ``GET /api/v1/openapi.json``.

The document is OpenAPI 3.1, written by hand as data and kept true by the tests
(``tests/test_openapi.py`` and the contract check of every test response, ``tests/openapi_contract.py``).
An agency's or headquarters' system generates its client from it (docs/service.md, "The API").

It is served **without a token**: it holds routes and the shapes of bodies — what the public source
says anyway — and nothing about any agency, so a generator (or a person with a browser) can read it
before having a token. It has a blueprint of its own because the API's blueprint (:mod:`.api`) asks
every request for a token. Like every answer under ``/api/`` it is ``Cache-Control: no-store``: it is
small and fetched rarely, and one rule for the whole API is simpler to check than an exception.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml
from flask import Blueprint, jsonify

__all__ = ["bp", "document"]

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


@functools.cache
def document() -> dict:
    """The OpenAPI document as a dict (read from the installed package once per process)."""
    text = resources.files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
