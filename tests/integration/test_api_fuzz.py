"""Property-based fuzzing of the real API: queries and mutations generated from the schema
(hypothesis-graphql) never get an HTTP 500, and every error has a code and leaks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from pydantic import SecretStr

from influence.api.app import create_app
from influence.api.errors import INTERNAL_CODE, PARSE_FAILED, VALIDATION_FAILED
from influence.cli.api import SCHEMA_FILE
from influence.engine.scoring import ScoreRun
from influence.errors import ERROR_CODES
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Store

pytestmark = pytest.mark.integration
EXAMPLES = 500
KNOWN = {c.graphql_code for c in ERROR_CODES.values()} | {PARSE_FAILED, VALIDATION_FAILED}


def test_generated_queries_never_fail_the_server(se_loaded: tuple[Tally, ScoreRun],
                                                 store: Store, settings: Settings) -> None:
    fuzz_settings = settings.model_copy(update={
        "publish_policy": "not_opted_out", "rate_limit_per_s": 1e6, "rate_limit_burst": 10**6,
        "operator_tokens": [SecretStr("not-sent")]})
    sdl = SCHEMA_FILE.read_text()
    strategy = st.one_of(
        queries(sdl), queries(sdl), queries(sdl, mode=Mode.NEGATIVE),
        mutations(sdl),  # without a token: every mutation must be refused, not run
    )
    seen: list[str] = []
    app = create_app(fuzz_settings, store=store)
    with TestClient(app) as client:

        @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))
        @given(strategy)
        def check(query: str) -> None:
            seen.append(query)
            response = client.post("/graphql", json={"query": query})
            assert response.status_code != 500, query
            assert response.status_code in {200, 400}, (response.status_code, query)
            body: dict[str, Any] = response.json()
            for error in body.get("errors") or []:
                code = error.get("extensions", {}).get("code")
                assert code in KNOWN, (error, query)
                assert code != INTERNAL_CODE, (error, query)
                assert "Traceback" not in error["message"]
            if query.lstrip().startswith("mutation"):
                assert body.get("data") is None or all(
                    v is None for v in (body.get("data") or {}).values()), query

        check()
    assert len(seen) >= EXAMPLES
