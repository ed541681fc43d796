"""Validation of canonical records: bad values are refused with a reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from influence.loaders.base import Parsed, Rejected, build
from influence.loaders.records import MAX_ID_LENGTH, InteractionRecord


def _make(**overrides: object) -> InteractionRecord:
    fields: dict[str, object] = {"network": "n", "id": "1", "actor": "a", "target": "b",
                                 "kind": "reply", "at": 1_500_000_000}
    fields.update(overrides)
    return InteractionRecord.model_validate(fields)


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "poke"), ("at", -5), ("actor", ""), ("actor", "x" * (MAX_ID_LENGTH + 1)),
])
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        _make(**{field: value})


def test_build_turns_validation_errors_into_rejections() -> None:
    lazy = (InteractionRecord.model_validate({"network": "n"}) for _ in range(1))
    item = build("edges.txt", 3, "a b x", lazy)
    assert isinstance(item, Rejected)
    assert item.reason.startswith("invalid record: ")
    assert "id: Field required" in item.reason


def test_build_keeps_good_records() -> None:
    item = build("edges.txt", 1, "a b 1", [_make()])
    assert isinstance(item, Parsed)
    record = item.records[0]
    assert isinstance(record, InteractionRecord)
    assert record.kind.value == "reply"


@pytest.mark.parametrize("name", ["hops|malt", "hops;malt"])
def test_topic_names_cannot_hold_the_key_separators(name: str) -> None:
    item = build("events.jsonl", 2, name, (_make(topics=(name,)) for _ in range(1)))
    assert isinstance(item, Rejected)
    assert "a topic name cannot contain" in item.reason
    assert _make(topics=(" Hops-Malt ",)).topics == ("hops-malt",)
