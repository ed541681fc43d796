"""Social-network adapters on real-shaped samples (tests/data/<network>/): what each source
construct becomes, and that broken lines are rejected with a reason."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from influence.loaders.base import Item, Parsed, Rejected, Skipped
from influence.loaders.bluesky import BlueskyAdapter
from influence.loaders.mastodon import MastodonAdapter
from influence.loaders.quarantine import Quarantine
from influence.loaders.records import AccountRecord, InteractionRecord, PostRecord
from influence.loaders.reddit import RedditAdapter
from influence.loaders.twitter import TwitterAdapter
from influence.loaders.writer import Writer, load

DATA = Path(__file__).resolve().parents[1] / "data"


def _edges(items: list[Item]) -> list[tuple[str, str, str]]:
    return [(r.kind.value, r.actor, r.target) for i in items if isinstance(i, Parsed)
            for r in i.records if isinstance(r, InteractionRecord)]


def _profiles(items: list[Item]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """(handle, display name, profile page) by account id, as the adapter read them."""
    return {r.id: (r.handle, r.display_name, r.url) for i in items if isinstance(i, Parsed)
            for r in i.records if isinstance(r, AccountRecord)}


def _reasons(items: list[Item]) -> list[str]:
    return [i.reason for i in items if isinstance(i, Rejected | Skipped)]


def test_twitter_v2_references_mentions_and_includes() -> None:
    items = list(TwitterAdapter([DATA / "twitter"]))
    ana, bo, cy = "2244994945", "783214", "17874544"
    assert sorted(_edges(items)) == sorted([
        ("reply", bo, ana),        # replied_to + in_reply_to_user_id (its mention not doubled)
        ("share", cy, ana),        # retweeted (the "RT @ana" mention not doubled)
        ("share", cy, ana),        # quoted, author from includes.tweets
        ("mention", cy, bo),
        ("reply", ana, cy),        # a single-tweet line
    ])
    posts = {r.id: r for i in items if isinstance(i, Parsed) for r in i.records
             if isinstance(r, PostRecord)}
    assert posts["1790001"].topics == ("baking", "sourdough")
    assert posts["1790002"].parent == "1790001"
    accounts = [r for i in items if isinstance(i, Parsed) for r in i.records if r.type == "account"]
    assert len(accounts) == 3
    assert _profiles(items)[ana] == ("ana_bakes", "Ana", "https://x.com/ana_bakes")
    assert _reasons(items) == ["missing field: author_id",
                               "unparseable timestamp: '10/05/2024' is not ISO-8601"]


def test_mastodon_reblog_reply_mentions_tags() -> None:
    items = list(MastodonAdapter([DATA / "mastodon"]))
    assert _edges(items) == [
        ("reply", "bo@fosstodon.org", "ana@mastodon.social"),
        ("mention", "bo@fosstodon.org", "cy@hachyderm.io"),
        ("share", "cy@hachyderm.io", "ana@mastodon.social"),
    ]
    first = next(r for i in items if isinstance(i, Parsed) for r in i.records
                 if isinstance(r, PostRecord))
    assert first.topics == ("sourdough", "baking")  # lower-cased tags
    assert _profiles(items)["ana@mastodon.social"] == (
        "@ana@mastodon.social", "Ana", "https://mastodon.social/@ana")
    assert [Counter(r.split(":")[0] for r in _reasons(items))] == [
        Counter({"unparseable timestamp": 1, "missing field": 1})]


def test_bluesky_posts_likes_reposts_follows() -> None:
    items = list(BlueskyAdapter([DATA / "bluesky"]))
    ana, bo, cy = "did:plc:ana4x7q2ewr5", "did:plc:bo9k2m1zq3ct", "did:plc:cy5t8w3hh2lo"
    assert _edges(items) == [("reply", bo, ana), ("mention", bo, cy), ("like", cy, ana),
                             ("share", cy, ana), ("follow", bo, ana), ("follow", cy, ana)]
    assert _reasons(items) == ["missing field: record.subject.uri"]
    assert _profiles(items) == {  # the profile record's name, the identity event's handle
        ana: (None, "Ana", f"https://bsky.app/profile/{ana}"),
        bo: ("@bo.bsky.social", None, f"https://bsky.app/profile/{bo}")}


def test_reddit_comment_threads_credit_the_parent_author(tmp_path: Path) -> None:
    items = list(RedditAdapter([DATA / "reddit"]))
    assert _edges(items) == [("comment", "bo_dev", "ana_bakes"),
                             ("comment", "ana_bakes", "bo_dev"),
                             ("comment", "cy_reads", "ana_bakes")]
    posts = {r.id: r for i in items if isinstance(i, Parsed) for r in i.records
             if isinstance(r, PostRecord)}
    assert posts["t1_l3a002"].parent == "t1_l3a001"
    assert posts["t3_1cp0a1"].topics == ("sourdough",)
    assert posts["t3_1cp0a2"].author is None  # [deleted]
    assert posts["t1_l3a005"].author is None  # AutoModerator is not a person
    assert _profiles(items)["ana_bakes"] == ("u/ana_bakes", None,
                                             "https://www.reddit.com/user/ana_bakes")
    assert "[deleted]" not in _profiles(items)
    tally = load(RedditAdapter([DATA / "reddit"]), Writer(None), Quarantine(tmp_path, "r"))
    assert (tally.read, tally.loaded, tally.quarantined) == (9, 7, 2)
    assert set(tally.quarantine_reasons) == {"invalid record", "missing field"}
