"""Consent engine without a database: tombstone screening, hashes, tokens, audit contents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TypeVar, cast

import pytest
from pydantic import SecretStr

from influence.api.auth import actor
from influence.engine.privacy import consent, erasure, tokens
from influence.engine.privacy.tombstones import Tombstones, account_hash, salt, subject_hash
from influence.errors import InvalidInputError, NotFoundError, UnauthenticatedError
from influence.loaders.base import Parsed
from influence.loaders.quarantine import Quarantine
from influence.loaders.records import (
    AccountRecord,
    ConsentRecord,
    ConsentState,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)
from influence.loaders.screening import ERASED_REASON, screen
from influence.loaders.writer import Writer, load
from influence.settings import Settings
from tests.fakes import RecordingStore

SALT = "pepper"


R = TypeVar("R", bound=Record)


def _screen(tombs: Tombstones, record: R) -> R | None:
    return cast("R | None", screen(record, tombs))


def _tombs() -> Tombstones:
    return Tombstones(SALT, frozenset({
        account_hash(SALT, "se", "7"),
        subject_hash(SALT, "post", "se:100"),
        subject_hash(SALT, "person", "p7"),
    }))


def _interaction(actor: str, target: str, post: str | None = None) -> InteractionRecord:
    return InteractionRecord(network="se", id=f"{actor}-{target}", actor=actor, target=target,
                             kind=InteractionKind.ANSWER, at=1_000, post=post)


def test_account_hash_is_salted_sha256_of_network_and_id() -> None:
    assert account_hash(SALT, "se", "7") == hashlib.sha256(b"pepperse:7").hexdigest()
    assert account_hash("other", "se", "7") != account_hash(SALT, "se", "7")


def test_screen_drops_records_of_erased_accounts_and_people() -> None:
    tombs = _tombs()
    assert _screen(tombs, AccountRecord(network="se", id="7")) is None
    assert _screen(tombs, AccountRecord(network="other", id="7")) is not None
    assert _screen(tombs, _interaction("7", "8")) is None
    assert _screen(tombs, _interaction("8", "7")) is None
    assert _screen(tombs, PostRecord(network="se", id="5", author="7", kind="answer",
                                   created_at=1)) is None
    assert _screen(tombs, PostRecord(network="se", id="100", author=None, kind="question",
                                   created_at=1)) is None
    assert _screen(tombs, ConsentRecord(person="p7", state=ConsentState.OPTED_IN, source="x",
                                      at=1)) is None


def test_screen_cuts_links_to_erased_posts_but_keeps_others_records() -> None:
    tombs = _tombs()
    reply = _screen(tombs, PostRecord(network="se", id="6", author="8", kind="answer",
                                    created_at=1, parent="100"))
    assert reply is not None
    assert reply.parent is None
    assert reply.author == "8"
    vote = _screen(tombs, _interaction("8", "9", post="100"))
    assert vote is not None
    assert vote.post is None
    kept = _interaction("8", "9", post="101")
    assert _screen(tombs, kept) is kept


def test_no_tombstones_pass_everything_unchanged() -> None:
    record = _interaction("7", "8")
    assert screen(record, Tombstones("", frozenset())) is record


def test_load_skips_rows_of_erased_people_with_a_reason(tmp_path: Path) -> None:
    store = RecordingStore(answers={
        "tombstone_hashes": [{"hash": account_hash(SALT, "se", "7")}],
        "privacy_salt": [{"value": SALT}],
    })
    items = [Parsed("f", 1, (AccountRecord(network="se", id="7"),)),
             Parsed("f", 2, (AccountRecord(network="se", id="8"),)),
             Parsed("f", 3, (PostRecord(network="se", id="5", author="7", kind="answer",
                                        created_at=1), _interaction("7", "8")))]
    tally = load(items, Writer(store, batch_size=10), Quarantine(tmp_path, "run"),
                 erased=Tombstones.load(store))
    assert (tally.read, tally.loaded, tally.skipped) == (3, 1, 2)
    assert tally.skipped_reasons[ERASED_REASON] == 2
    written = [p["rows"] for n, p in store.calls if n.startswith("upsert")]
    assert written == [[{"key": "se:8", "network": "se", "id": "8", "created_at": None,
                         "reputation": None, "handle": None, "display_name": None,
                         "url": None}]]


def _settings(**extra: object) -> Settings:
    return Settings.model_validate({"operator_tokens": ["op-one", "op-two"], **extra})


def test_operator_tokens_authorize_anything() -> None:
    assert actor(_settings(), "op-two", "p1") == "operator#2"
    assert actor(_settings(), "op-one", None) == "operator#1"


def test_person_token_is_an_hmac_valid_only_for_that_person() -> None:
    settings = _settings(consent_token_secret="s3cret")
    token = tokens.person_token(settings, "p1")
    assert len(token) == 64
    assert token != tokens.person_token(settings, "p2")
    assert actor(settings, token, "p1") == "person-token"
    with pytest.raises(UnauthenticatedError):
        actor(settings, token, "p2")
    with pytest.raises(UnauthenticatedError):
        actor(settings, None, "p1")
    rotated = _settings(consent_token_secret="new")
    with pytest.raises(UnauthenticatedError):
        actor(rotated, token, "p1")


def test_person_tokens_need_a_secret() -> None:
    with pytest.raises(InvalidInputError):
        tokens.person_token(Settings(), "p1")


def test_set_consent_audits_a_hash_not_the_id() -> None:
    store = RecordingStore(answers={"set_consent": [{"id": "se:7"}],
                                    "privacy_salt": [{"value": SALT}]})
    settings = Settings()
    change = consent.set_consent(store, "se:7", "opted_in", "web-form", "op", at=5,
                                 settings=settings)
    assert change.erasure is None
    (params,) = [p for n, p in store.calls if n == "append_audit_event"]
    assert params["subject"] == subject_hash(SALT, "person", "se:7")
    assert "se:7" not in json.dumps(params)
    assert json.loads(params["detail"]) == {"state": "opted_in", "source": "web-form", "at": 5}


def test_set_consent_rejects_bad_input_and_unknown_people() -> None:
    store = RecordingStore(answers={"privacy_salt": [{"value": SALT}]})
    with pytest.raises(InvalidInputError):
        consent.set_consent(store, "se:7", "maybe", "x", "op")
    with pytest.raises(InvalidInputError):
        consent.set_consent(store, "se:7", "opted_in", " ", "op")
    with pytest.raises(NotFoundError):
        consent.set_consent(store, "se:7", "opted_in", "x", "op", settings=Settings())


def test_configured_salt_is_used_without_touching_the_database() -> None:
    store = RecordingStore()
    settings = Settings(tombstone_salt=SecretStr("configured"))
    assert salt(store, settings) == "configured"
    assert store.calls == []


def test_trace_patterns_match_whole_words_only() -> None:
    words = erasure._python_pattern(["se:7"])
    assert words.search("se:7@1481328000")
    assert words.search("se:7")
    assert not words.search("se:70")
    assert not words.search("xse:7")
    java = erasure._java_pattern(["se:7"])
    assert java.startswith("(?s)")
    assert r"\Qse:7\E" in java
