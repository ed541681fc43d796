"""Names and handles on the read side: the search query built from a typed text, and that a
person the policy hides shows no name, handle or profile link."""

from __future__ import annotations

import pytest

from influence.engine.graph_reads import fold, name_query
from influence.engine.reads import person_view


@pytest.mark.parametrize(("text", "query"), [
    ("Michał Ryb", "(michał^4 OR michal*) AND (ryb^4 OR ryb*)"),  # every word, accents folded
    ("@jon.sk", "(jon.sk^4 OR jon.sk*)"),              # a handle's @ is not part of it
    ("mary-jane", r"(mary\-jane^4 OR mary\-jane*)"),   # Lucene's operators are escaped
    ("name:x OR y*", r"(name\:x^4 OR name\:x*) AND (or^4 OR or*) AND (y^4 OR y*)"),
    ("  ...  ", None),                                 # no word: ids only
])
def test_the_name_query_of_a_search_text(text: str, query: str | None) -> None:
    assert name_query(text) == query


def test_folding_matches_ascii_folding_of_letters_unicode_does_not_decompose() -> None:
    assert fold("nuñez") == "nunez"
    assert fold("håkan") == "hakan"
    assert fold("łódź") == "lodz"
    assert fold("straße") == "strasse"


def _row(consent: str) -> dict[str, object]:
    return {"id": "stackexchange:1", "name": None, "consent": consent, "score": 40.0,
            "percentile": 90.0, "confidence": 0.5,
            "accounts": [{"network": "stackexchange", "id": "1", "handle": None,
                          "display_name": "Geoff Dalgas",
                          "url": "https://beer.stackexchange.com/users/1"},
                         {"network": "bluesky", "id": "did:plc:x", "handle": "@geoff.bsky",
                          "display_name": None, "url": None}]}


def test_a_published_person_is_shown_by_name_with_profile_links() -> None:
    view = person_view(_row("opted_in"), "opted_in")
    assert view.name == "Geoff Dalgas"  # no name of their own: the first display name
    assert [a.url for a in view.accounts] == [None, "https://beer.stackexchange.com/users/1"]
    assert view.accounts[0].handle == "@geoff.bsky"
    own = person_view({**_row("opted_in"), "name": "G. Dalgas"}, "opted_in")
    assert own.name == "G. Dalgas"


def test_a_hidden_person_shows_no_name_handle_or_link() -> None:
    view = person_view(_row("unknown"), "opted_in")
    assert view.name is None
    assert view.score is None
    assert all(a.handle is None and a.display_name is None and a.url is None
               for a in view.accounts)
    assert [a.id for a in view.accounts] == ["did:plc:x", "1"]  # ids stay: they are not names
