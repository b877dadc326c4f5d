"""Shared by every test under tests/: the API's answers are checked against its OpenAPI document."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def api_contract(monkeypatch):
    """Every Flask test client is a ContractClient: each ``/api/v1`` answer a test receives is
    validated against ``validator/service/openapi.yaml`` (tests/openapi_contract.py), so an
    undocumented status, header or body field fails the test that received it."""
    from flask import Flask

    from openapi_contract import ContractClient

    monkeypatch.setattr(Flask, "test_client_class", ContractClient)
