"""The API's contract: every ``/api/v1`` answer a test receives, checked against the OpenAPI document.

``tests/conftest.py`` makes :class:`ContractClient` the test client of every Flask app of the test
session, so the whole service test suite is also the check of ``validator/service/openapi.yaml``:
an answer whose status, content type, documented headers or body the document does not describe
fails the test that received it (with what was wrong and where to describe it).

The check is stricter than the document as published: objects are closed
(``additional_properties_default_policy="forbid"``), so a field the code sends but the document does
not list fails — while clients, reading the published document, may still ignore fields added later.
Requests are not checked: tests send wrong requests on purpose.

A path or method that no Flask route has (``/api/v1/nothing-here``, ``DELETE`` on a validation) cannot
be described by an operation; its answer must be the documented ``Error`` body with 404 or 405.
"""

from __future__ import annotations

import functools
import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.paths.iterators import TemplatePathsIterator
from openapi_schema_validator import OAS31Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound

from validator.service.openapi import document

__all__ = ["ContractClient", "ContractBroken", "check_answer", "contract"]

API = "/api/v1"


class ContractBroken(AssertionError):
    """An answer of the service that its OpenAPI document does not describe."""


class _PatternPaths(TemplatePathsIterator):
    """openapi-core's path templates, less those whose path parameters break their schema's pattern.

    Without it ``/validations/{validation_id}`` would match ``/validations/<id>.html`` (a template
    variable matches any text without a slash, dots too) and that answer would be checked as JSON.
    """

    def __call__(self, name, spec, base_url=None):
        for path in super().__call__(name, spec, base_url=base_url):
            if all(_fits(path.path, variable, value) for variable, value in (path.path_result.variables or {}).items()):
                yield path


def _fits(path_item, variable: str, value: str) -> bool:
    for parameter in path_item.get("parameters", []):
        if parameter["in"] == "path" and parameter["name"] == variable:
            pattern = (parameter / "schema").get("pattern")
            return pattern is None or re.search(pattern, value) is not None
    return True


class _PathFinder(APICallPathFinder):
    paths_iterator = _PatternPaths("paths")


class _AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request of an answer, for finding its operation: the app has read its body already (and
    requests are not checked)."""

    @property
    def body(self) -> None:
        return None


def _workbook(data: bytes, **_parameters) -> str:
    """An xlsx or xlsm body must be a zip file (what every workbook is); see :func:`_bytes_as_text`."""
    if not data.startswith(b"PK\x03\x04"):
        raise ValueError("a workbook is a zip file")
    return _bytes_as_text(data)


def _bytes_as_text(data: bytes, **_parameters) -> str:
    """A file's bytes as the ``type: string, format: binary`` schema sees them: one character a byte
    (the document says binary in OpenAPI 3.0's way, which client generators read as a file, while
    openapi-core hands the schema the bytes themselves)."""
    return data.decode("latin-1")


FILE_BODIES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _workbook,
    "application/vnd.ms-excel.sheet.macroEnabled.12": _workbook,
    # openapi-core looks a deserializer up by the media type in lower case
    "application/vnd.ms-excel.sheet.macroenabled.12": _workbook,
    "text/csv": _bytes_as_text,
}


@functools.cache
def contract() -> OpenAPI:
    """The document as openapi-core checks answers against it (built once per test session)."""
    return OpenAPI.from_dict(
        document(),
        config=Config(
            path_finder_cls=_PathFinder,
            additional_properties_default_policy="forbid",
            extra_media_type_deserializers=FILE_BODIES,
        ),
    )


@functools.cache
def _error_body() -> OAS31Validator:
    """The ``Error`` schema, closed at its top level (``unevaluatedProperties`` sees what ``$ref`` listed)."""
    schema = {
        "$ref": "#/components/schemas/Error",
        "unevaluatedProperties": False,
        "components": document()["components"],
    }
    return OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER)


def _why(exc: Exception) -> str:
    """openapi-core's error and the schema errors under it, one a line."""
    lines = [f"{type(exc).__name__}: {str(exc)[:300]}"]
    cause = exc.__cause__
    while cause is not None:
        lines.append(f"  {type(cause).__name__}: {str(cause)[:300]}")
        for error in list(getattr(cause, "schema_errors", []))[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            lines.append(f"    at {where}: {error.message[:300]}")
        cause = cause.__cause__
    return "\n".join(lines)


def check_answer(app: Flask, response) -> None:
    """Raise :class:`ContractBroken` when an ``/api/v1`` answer is not as the OpenAPI document says."""
    request = response.request
    if request.path != API and not request.path.startswith(API + "/"):
        return
    said = f"{request.method} {request.path} answered {response.status}"
    try:
        app.url_map.bind_to_environ(request.environ).match(method=request.method)
    except (NotFound, MethodNotAllowed) as no_route:
        if response.status_code != no_route.code:
            raise ContractBroken(f"{said}; no route has it, so it should be {no_route.code}") from None
        errors = [e.message for e in _error_body().iter_errors(response.get_json(silent=True))]
        if response.mimetype != "application/json" or errors:
            raise ContractBroken(
                f"{said} without the Error body of openapi.yaml: {response.mimetype} {errors[:5]}"
            ) from None
        return
    try:
        contract().validate_response(_AnsweredRequest(request), WerkzeugOpenAPIResponse(response))
    except OpenAPIError as exc:
        raise ContractBroken(
            f"{said}, which validator/service/openapi.yaml does not describe:\n{_why(exc)}\n"
            f"body: {response.get_data()[:600]!r}"
        ) from None


class ContractClient(FlaskClient):
    """Flask's test client, checking every ``/api/v1`` answer against the OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        check_answer(self.application, response)
        return response
