"""The sample records (schemas/data/samples.toml, read by schemas/samples.py): the one source of valid
records for the templates' 記入例, the sample batches, docs/batch-format.md and the tests."""

import datetime
import tomllib

import pytest

from schemas import samples
from schemas.batches import KINDS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_records_with_every_column_and_unique_receipts(kind):
    records = samples.records(kind)
    aliases = [column.alias for column in KINDS[kind].columns]
    assert len(records) >= 5 and all(list(record) == aliases for record in records)
    receipts = [record["receipt_no"] for record in records]
    assert len(set(receipts)) == len(receipts)


def test_records_are_typed_as_cells_hold_them_and_each_call_gives_copies():
    first = samples.records("safety-application")[0]
    assert isinstance(first["application_date"], datetime.date) and first["capital"] == 10_000_000
    assert first["bank_code"] == "0009" and first["previous_cancellation_date"] is None  # codes keep their zeros
    first["name"] = "changed"
    assert samples.records("safety-application")[0]["name"] == "株式会社サンプル製作所"


def test_a_kind_or_a_column_the_batch_format_lacks_is_refused():
    good = tomllib.loads((samples.resources.files("schemas") / samples.FILE).read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match=r"prepayment record 2 has no column \['colour'\]"):
        samples._parse({**good, "prepayment": [good["prepayment"][0], {"colour": "red"}]})
    with pytest.raises(ValueError, match=r"unknown kinds \['loans'\]"):
        samples._parse({**good, "loans": []})
    with pytest.raises(ValueError, match=r"kinds without records \['prepayment'\]"):
        samples._parse({name: records for name, records in good.items() if name != "prepayment"})


def test_examples_are_the_first_records_as_text():
    assert samples.example("sky-application", "monthly_amount") == "70000"
    assert samples.example("sky-application", "application_date") == "2024-12-02"
    assert samples.example("safety-application", "prepayment_method") == "口座振替"
    assert samples.example("sky-application", "prepaid_months") == ""  # an empty cell
