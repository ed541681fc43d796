"""Deterministic keyword topics for posts that carry no tags, hashtags or categories.

No model, no download: plain text statistics, so the same corpus always gives the same
topics on any machine.

1. **Clean**: HTML tags, ``<code>``/``<pre>`` blocks, URLs and e-mail addresses are removed,
   entities unescaped, text lower-cased.
2. **Hashtags** (``#craftbeer``) are topics as they are, first.
3. **Tokens**: words of 3+ letters (``[a-z][a-z0-9'+-]*``), minus a fixed English stop-word
   list, singularised with three suffix rules (``-ies`` -> ``-y``, ``-sses`` -> ``-ss``,
   trailing ``-s`` on words of 4+ letters unless ``-ss``/``-us``/``-is``).
4. **Corpus filter** (:meth:`KeywordTopics.fit`): a term is a candidate topic only if it
   appears in at least ``min_docs`` posts and in at most ``max_doc_share`` of them (too rare
   is noise, too common says nothing), keeping the ``max_vocabulary`` most frequent.
5. **Ranking**: per post, candidates by ``tf * idf`` (``idf = ln(N / df)``), ties broken
   alphabetically; the first ``per_post`` are the post's topics.

In a load (:func:`fit_items`, :func:`with_keyword_topics`) the vocabulary is fitted on the
text of every post of the input (first pass), then each post with text and no topics of its
own gets its keyword topics (second pass); interactions on such a post inherit them when they
are written. Only the first ``MAX_TEXT`` characters of a text are read.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from influence.errors import InvalidInputError
from influence.loaders.base import Item, Parsed
from influence.loaders.records import MAX_TOPIC_LENGTH, PostRecord, Record

_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\S+")
_HASHTAG = re.compile(r"(?<![\w&])#([a-z][a-z0-9_]{1,49})")
_WORD = re.compile(r"[a-z][a-z0-9'+-]*[a-z0-9+]|[a-z]")
MIN_LENGTH = 3
MAX_TEXT = 20_000

_STOPWORD_TEXT = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each even ever few for from further get gets getting got had
hadn't has hasn't have haven't having he her here hers herself him himself his how however i
if in into is isn't it it's its itself just know like likely lot lots made make makes many
may me might more most much must my myself need new no nor not now of off often on once one
only or other others our ours ourselves out over own per pretty quite rather really said same
say says see seem seems she should shouldn't since so some something still such sure take
than that that's the their theirs them themselves then there there's these they thing things
think this those though through thus to too under until up upon us use used using very via
want was wasn't way we well were weren't what when where whether which while who whom whose
why will with within without won't would wouldn't yes yet you your yours yourself yourselves
able actually already always another anyone anything around ask asked back best better bit
come does done either else enough etc every example first going good great help i'd i'm i've
keep least less let look looking maybe mean means mostly near never next probably put right
several sometimes specific stuff tell thanks through try trying two usually want wanted
whatever went without
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def clean(text: str) -> str:
    """Text without code blocks, HTML tags, URLs and e-mail addresses, lower-cased."""
    text = _CODE.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    return _URL.sub(" ", text).lower()


def singular(word: str) -> str:
    """A light, deterministic singular form (three suffix rules, no dictionary)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def hashtags(text: str) -> list[str]:
    """Hashtags in order of first appearance, lower-cased, without ``#``."""
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(clean(text[:MAX_TEXT])):
        seen.setdefault(tag, None)
    return list(seen)


def terms(text: str) -> list[str]:
    """The candidate words of a text after cleaning, stop words and singularising."""
    words = (w.strip("'-") for w in _WORD.findall(_HASHTAG.sub(" ", clean(text[:MAX_TEXT]))))
    return [singular(w) for w in words
            if MIN_LENGTH <= len(w) <= MAX_TOPIC_LENGTH and w not in STOPWORDS
            and not w[0].isdigit()]


@dataclass
class KeywordTopics:
    """Keyword topics fitted on a corpus (see the module docstring for the rules).

    Example:
        >>> kt = KeywordTopics(min_docs=1, max_doc_share=0.7)
        >>> kt = kt.fit(["Hops and malt", "Malt and yeast", "Yeast"])
        >>> kt.topics("Which malt for a stout? #homebrew", per_post=2)
        ['homebrew', 'malt']
    """

    min_docs: int = 3
    max_doc_share: float = 0.2
    max_vocabulary: int = 5000
    documents: int = 0
    doc_freq: dict[str, int] = field(default_factory=dict)

    def fit(self, texts: Iterable[str]) -> KeywordTopics:
        """Count in how many texts each term occurs and keep the candidate vocabulary."""
        counts: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            counts.update(set(terms(text)))
        ceiling = max(1, int(self.max_doc_share * n)) if n else 0
        kept = sorted(((t, c) for t, c in counts.items() if self.min_docs <= c <= ceiling),
                      key=lambda tc: (-tc[1], tc[0]))[: self.max_vocabulary]
        self.documents, self.doc_freq = n, dict(kept)
        return self

    def topics(self, text: str, per_post: int = 3) -> list[str]:
        """The hashtags of a text, then its best vocabulary terms by tf-idf, up to ``per_post``."""
        found = hashtags(text)[:per_post]
        tf = Counter(t for t in terms(text) if t in self.doc_freq and t not in found)
        n = max(self.documents, 1)
        ranked = sorted(tf, key=lambda t: (-tf[t] * math.log(n / self.doc_freq[t]), t))
        return found + ranked[: per_post - len(found)]

    def save(self, path: Path) -> None:
        """Write the fitted vocabulary as JSON (reuse it with :meth:`load`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> KeywordTopics:
        """A vocabulary saved by :meth:`save`.

        Raises:
            InvalidInputError: the file is not a saved vocabulary.
        """
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise InvalidInputError(
                f"{path} is not a keyword vocabulary saved by a load: {exc}",
                hint="Delete it (the next load fits and saves a new one) or pass another "
                     "--keyword-vocabulary.") from exc


def _fitted(model: KeywordTopics | None, texts: Iterable[str]) -> KeywordTopics:
    """``model`` if it is already fitted (a saved vocabulary), else fitted on ``texts``."""
    if model is not None and model.documents:
        return model
    return (model or KeywordTopics()).fit(texts)


def _untagged_text(record: Record) -> str | None:
    """The text of a post that needs keyword topics (text, no topics of its own), else None."""
    if isinstance(record, PostRecord) and not record.topics and record.text:
        return record.text
    return None


@dataclass
class FitResult:
    """What the first pass found: the fitted vocabulary and how many posts need it."""

    model: KeywordTopics
    posts_with_text: int
    untagged: int


def fit_items(items: Iterable[Item], model: KeywordTopics | None = None) -> FitResult:
    """Fit a vocabulary on the text of every post among ``items`` (first pass of a load).

    A ``model`` already fitted (a saved vocabulary) is kept as it is; the pass then only
    counts the posts that need keyword topics.
    """
    counts = {"text": 0, "untagged": 0}

    def texts() -> Iterator[str]:
        for item in items:
            if isinstance(item, Parsed):
                for record in item.records:
                    if isinstance(record, PostRecord) and record.text:
                        counts["text"] += 1
                        counts["untagged"] += not record.topics
                        yield record.text

    if model is not None and model.documents:
        for _ in texts():
            pass
    else:
        model = _fitted(model, texts())
    return FitResult(model, counts["text"], counts["untagged"])


def with_keyword_topics(items: Iterable[Item], model: KeywordTopics,
                        per_post: int = 3) -> Iterator[Item]:
    """The items, with keyword topics on every post that has text but no topics of its own."""
    def tagged(record: Record) -> Record:
        text = _untagged_text(record)
        if text is not None:
            return record.model_copy(update={"topics": tuple(model.topics(text, per_post))})
        return record

    for item in items:
        if isinstance(item, Parsed) and any(_untagged_text(r) is not None for r in item.records):
            yield replace(item, records=tuple(tagged(r) for r in item.records))
        else:
            yield item


@dataclass(frozen=True)
class TagAgreement:
    """How well ``per_post`` topics agree with the tags people chose (see :func:`agreement`)."""

    posts: int
    per_post: int
    hit_rate: float   # share of posts where at least one topic is one of their tags
    precision: float  # share of the topics given that are among the post's tags
    recall: float     # share of the tags that are among the topics given


def agreement(predicted: Iterable[tuple[list[str], set[str]]], per_post: int) -> TagAgreement:
    """Compare topics given to posts with their real tags, as (topics, tags) pairs."""
    posts = hits = given = right = tags_total = 0
    for topics, tags in predicted:
        posts += 1
        found = len(set(topics) & tags)
        hits += found > 0
        given += len(topics)
        right += found
        tags_total += len(tags)
    return TagAgreement(posts, per_post, hits / max(posts, 1), right / max(given, 1),
                        right / max(tags_total, 1))


def tag_agreement(posts: list[tuple[str, set[str]]], per_post: int = 3,
                  model: KeywordTopics | None = None) -> dict[str, TagAgreement]:
    """Keyword topics against real tags on tagged posts whose tags are hidden from the fit.

    ``posts`` are (text, tags) pairs; tags are compared in :func:`singular` form. Returns the
    agreement of the keyword topics (fitted on the texts unless ``model`` is given) and of a
    baseline that gives every post the ``per_post`` most frequent tags.
    """
    tags = [{singular(t.lower()) for t in ts} for _, ts in posts]
    model = _fitted(model, (text for text, _ in posts))
    frequent = [t for t, _ in sorted(Counter(t for ts in tags for t in ts).items(),
                                     key=lambda tc: (-tc[1], tc[0]))[:per_post]]
    return {
        "keyword topics": agreement(((model.topics(text, per_post), ts)
                                     for (text, _), ts in zip(posts, tags, strict=True)),
                                    per_post),
        "most frequent tags": agreement(((frequent, ts) for ts in tags), per_post),
    }
