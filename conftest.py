"""Shared pytest set-up: the names every doctest in the project may use."""

import datetime

import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace["datetime"] = datetime
