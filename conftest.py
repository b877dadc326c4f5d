"""Shared pytest set-up: the names every doctest in the project may use."""

import datetime

import pytest

# Alembic's environment and revisions run only inside a migration (validator/service/migrate.py):
# imported on their own (by --doctest-modules) they would fail
collect_ignore_glob = ["validator/service/migrations/*"]


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace["datetime"] = datetime
