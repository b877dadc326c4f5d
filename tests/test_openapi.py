"""The API's OpenAPI 3.1 description (validator/service/openapi.yaml, served at /api/v1/openapi.json).

Checked here: it is valid OpenAPI 3.1; its paths and methods are exactly the Flask routes under
/api/v1; its path parameters have the routes' patterns and values; its examples match their schemas;
it is served without a token and never cached; and the contract check that every other service test
runs through (tests/openapi_contract.py, installed by tests/conftest.py) really refuses an answer the
document does not describe.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from openapi_contract import ContractBroken, ContractClient
from schemas.batches import KINDS
from validator.service import HexId, create_app
from validator.service import api as service_api
from validator.service.auth import create_token
from validator.service.openapi import document

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
VALID = ROOT / "workbooks" / "samples" / "sky-application_sample.xlsx"
# Flask adds these to every rule by itself; the document describes the methods a view was written for.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
OPERATIONS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# <converter(arguments):name> in a werkzeug rule
RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<arguments>[^)]*)\))?:)?(?P<name>\w+)>")


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "AS_OF": "2025-03-31", "ISOLATED": False}
    )
    yield app
    app.extensions["kyosai"].engine.dispose()


def flask_routes(app) -> set[tuple[str, str]]:
    """(path template, method) of every Flask route under /api/v1, as the document writes them: the
    variables as ``{}`` (the names may differ) and an ``any(…)`` variable as one path per value."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        templates = [rule.rule[len(API) :]]
        for variable in RULE_VARIABLE.finditer(rule.rule):
            expand = (
                [a.strip().strip("'\"") for a in variable["arguments"].split(",")]
                if variable["converter"] == "any"
                else ["{}"]
            )
            templates = [t.replace(variable[0], value, 1) for t in templates for value in expand]
        routes |= {(t, method) for t in templates for method in rule.methods - AUTOMATIC_METHODS}
    return routes


def documented_routes(doc: dict) -> set[tuple[str, str]]:
    return {
        (re.sub(r"\{\w+\}", "{}", path), method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in OPERATIONS
    }


def resolve(doc: dict, node):
    """A ``$ref`` of the document followed (local references only: the document has no other)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# ------------------------------------------------------------------------------------------ the document


def test_the_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1.")
    validate_spec(doc, cls=OpenAPIV31SpecValidator)  # raises with the reason


def test_its_paths_and_methods_are_exactly_the_flask_routes(app):
    flask, documented = flask_routes(app), documented_routes(document())
    assert flask - documented == set(), "routes without a description in validator/service/openapi.yaml"
    assert documented - flask == set(), "described in validator/service/openapi.yaml, but no route has them"


def test_the_route_comparison_sees_a_new_route(app):
    app.add_url_rule(f"{API}/validations/<hexid:vid>/notes", "notes", lambda vid: "", methods=["PUT"])
    assert flask_routes(app) - documented_routes(document()) == {("/validations/{}/notes", "PUT")}


def test_path_parameters_have_the_patterns_of_the_routes():
    doc = document()
    ids = 0
    for path, item in doc["paths"].items():
        parameters = [resolve(doc, p) for p in item.get("parameters", [])]
        names = {p["name"] for p in parameters if p["in"] == "path"}
        assert names == set(re.findall(r"\{(\w+)\}", path)), path
        for parameter in parameters:
            schema = resolve(doc, parameter["schema"])
            assert parameter["required"] is True and schema["pattern"] == f"^{HexId.regex}$", path
            ids += 1
    assert ids == 7  # every /validations/{id}… and /submissions/{id}… path


def test_kinds_are_the_batch_kinds():
    doc = document()
    form = doc["paths"]["/validations"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["kind"]["enum"] == list(KINDS)
    assert doc["components"]["schemas"]["Kind"]["enum"] == list(KINDS)


def _closed(schema):
    """A schema whose objects allow no field they do not list (as the contract check reads them)."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


def _media_types(doc):
    """(where, media type object) of every request and response body of the document."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in OPERATIONS:
                continue
            body = resolve(doc, operation.get("requestBody", {}))
            for media, content in body.get("content", {}).items():
                yield f"{method.upper()} {path} request {media}", content
            for status, response in operation["responses"].items():
                for media, content in resolve(doc, response).get("content", {}).items():
                    yield f"{method.upper()} {path} {status} {media}", content


def test_every_example_matches_its_schema():
    doc = document()
    components = _closed(copy.deepcopy(doc["components"]))
    checked = 0
    for where, content in _media_types(doc):
        examples = [content["example"]] if "example" in content else []
        examples += [resolve(doc, e)["value"] for e in content.get("examples", {}).values()]
        validator = OAS31Validator(
            {**_closed(content.get("schema", {})), "components": components},
            format_checker=OAS31Validator.FORMAT_CHECKER,
        )
        for example in examples:
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(example)]
            assert not errors, f"{where}: {errors}"
            checked += 1
    assert checked >= 15


def test_the_document_ships_in_the_package():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "openapi.yaml" in package_data["package-data"]["validator.service"]


# ------------------------------------------------------------------------------------------ served


def test_it_is_served_without_a_token_and_never_cached(app):
    response = app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == document()  # JSON as written: nothing YAML-only (dates) in it
    assert "検査" in response.get_data(as_text=True)  # UTF-8, not \\u escapes


def _operations(doc):
    """(url with every id a made-up one, METHOD, operation) of every operation of the document."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield API + re.sub(r"\{\w+\}", "0" * 32, path), method.upper(), operation


def test_every_operation_asks_for_a_token_as_the_document_says(app):
    doc, client = document(), app.test_client()
    for url, method, operation in _operations(doc):
        needs_token = operation.get("security", doc["security"]) != []
        status = client.open(url, method=method).status_code
        assert (status == 401) == needs_token, f"{method} {url}: {status}"


def test_an_unknown_id_is_the_documented_404_on_every_path(app):
    token = create_token(app.extensions["kyosai"].engine, "本部", is_hq=True)[0]
    client = app.test_client()
    with_ids = [(url, method) for url, method, _ in _operations(document()) if "0" * 32 in url]
    assert len(with_ids) == 7
    for url, method in with_ids:
        assert client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_an_unexpected_error_is_the_documented_500(tmp_path):
    """Outside tests (``TESTING`` off) whatever goes wrong answers the 500 every operation describes."""
    app = create_app({"INSTANCE_PATH": str(tmp_path / "prod"), "ISOLATED": False})
    try:
        token = create_token(app.extensions["kyosai"].engine, "代理店A")[0]

        def broken():
            raise RuntimeError("disk on fire")

        app.view_functions["api.me"] = broken
        response = app.test_client().get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 500 and response.get_json()["code"] == "internal-error"
    finally:
        app.extensions["kyosai"].engine.dispose()


# ------------------------------------------------------------------------------------------ the contract check


def test_every_test_client_checks_the_contract(app):
    assert isinstance(app.test_client(), ContractClient)


def test_an_undescribed_field_fails_the_check(app, monkeypatch):
    token = create_token(app.extensions["kyosai"].engine, "代理店A")[0]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    vid = client.post(
        f"{API}/validations",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (VALID.open("rb"), VALID.name)},
    ).get_json()["id"]
    real = service_api.validation_body
    monkeypatch.setattr(service_api, "validation_body", lambda v: {**real(v), "undescribed": 1})
    with pytest.raises(ContractBroken, match="undescribed"):
        client.get(f"{API}/validations/{vid}", headers=headers)


def test_an_undescribed_status_fails_the_check(app):
    token = create_token(app.extensions["kyosai"].engine, "代理店A")[0]
    app.view_functions["api.me"] = lambda: ({"agency": "x", "is_hq": False}, 202)
    with pytest.raises(ContractBroken, match="202"):
        app.test_client().get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})


def test_an_answer_without_a_route_must_be_the_error_body(app):
    app.register_error_handler(404, lambda error: ("not here", 404))
    with pytest.raises(ContractBroken, match="Error body"):
        app.test_client().get(f"{API}/nothing-here")
