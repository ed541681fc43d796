"""The API's contract and its pure limit logic (no database)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from graphql import parse
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode
from pydantic import SecretStr

from influence.api.auth import Caller, presented
from influence.api.graphql import decode_cursor, encode_cursor
from influence.api.limits import SharedTokenBuckets, TokenBuckets, selection_cost
from influence.api.observability import JsonFormatter
from influence.cli.api import SCHEMA_FILE, schema_sdl
from influence.errors import InvalidInputError
from influence.settings import Settings


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql drifted from the code: run `influence api export-schema`")


def _cost(text: str) -> int:
    doc = parse(text)
    fragments = {d.name.value: d for d in doc.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    return selection_cost(op.selection_set, fragments)


def test_cost_multiplies_nested_pages() -> None:
    assert _cost("{ person(id: 1) { id score } }") == 3
    # leaderboard(first: 10): 1 + 10 * (edges 1 + 1 * (node 1 + id 1)) = 31
    assert _cost("{ leaderboard(first: 10) { edges { node { id } } } }") == 31
    flat = _cost("{ leaderboard(first: 10) { edges { node { "
                 "neighbours(first: 5) { weight } } } } }")
    assert flat == 1 + 10 * (1 + (1 + (1 + 5 * 1)))


def test_cost_counts_fragments_variables_and_default_pages() -> None:
    via_fragment = _cost("query { leaderboard(first: 10) { ...F } } "
                         "fragment F on PersonConnection { edges { node { id } } }")
    assert via_fragment == 31
    assert _cost("query($n: Int!) { leaderboard(first: $n) { edges { cursor } } }") == 1 + 100 * 2
    assert _cost("{ leaderboard { edges { cursor } } }") == 1 + 20 * 2
    # a self-referencing fragment does not loop
    assert _cost("{ person(id: 1) { ...A } } fragment A on Person { id ...A }") >= 2


def test_cursors_round_trip_and_reject_garbage() -> None:
    assert decode_cursor(None) == 0
    assert decode_cursor(encode_cursor(41)) == 42
    for bad in ["not base64 !", encode_cursor(1)[:-2] + "zz", "eDoxMA=="]:
        with pytest.raises(InvalidInputError):
            decode_cursor(bad)


def test_token_bucket_allows_the_burst_then_refuses() -> None:
    buckets = TokenBuckets(rate_per_s=0.001, burst=3)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") > 0
    assert buckets.take("other") == 0.0


def test_shared_token_buckets_are_one_budget_for_every_worker(tmp_path: Path) -> None:
    """Two workers (two connections to one file) draw on the same per-key budget."""
    path = tmp_path / "buckets.sqlite"
    first, second = (SharedTokenBuckets(path, rate_per_s=0.001, burst=3) for _ in range(2))
    assert [first.take("k"), second.take("k"), first.take("k")] == [0.0, 0.0, 0.0]
    assert second.take("k") > 0
    assert first.take("k") > 0
    assert second.take("other") == 0.0


def test_shared_token_buckets_refill_at_the_rate(tmp_path: Path) -> None:
    buckets = SharedTokenBuckets(tmp_path / "b.sqlite", rate_per_s=50.0, burst=1)
    assert buckets.take("k") == 0.0
    wait = buckets.take("k")
    assert 0 < wait <= 1 / 50
    time.sleep(wait + 0.01)
    assert buckets.take("k") == 0.0


def test_callers_need_a_key_when_keys_are_configured() -> None:
    keyed = Settings(api_keys=[SecretStr("reader")], operator_tokens=[SecretStr("op")])
    assert not Caller(keyed, []).allowed
    assert not Caller(keyed, ["wrong"]).allowed
    assert Caller(keyed, ["reader"]).allowed
    assert not Caller(keyed, ["reader"]).operator
    assert Caller(keyed, ["op"]).operator
    assert Caller(Settings(), []).allowed  # development, no keys: anonymous reads
    assert not Caller(Settings(environment="production"), []).allowed
    headers = {"authorization": "Bearer person-token", "x-api-key": "reader"}
    both = Caller(keyed, presented(headers))
    assert both.allowed
    assert both.key == "person-token"


def test_log_lines_are_json() -> None:
    record = logging.LogRecord("influence.api", logging.INFO, __file__, 1, "request", None, None)
    record.fields = {"status": 200, "ms": 1.5}
    line = json.loads(JsonFormatter().format(record))
    assert (line["msg"], line["status"], line["ms"]) == ("request", 200, 1.5)
