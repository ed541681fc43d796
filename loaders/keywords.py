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
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\S+")
_HASHTAG = re.compile(r"(?<![\w&])#([a-z][a-z0-9_]{1,49})")
_WORD = re.compile(r"[a-z][a-z0-9'+-]*[a-z0-9+]|[a-z]")
MIN_LENGTH = 3

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
    for tag in _HASHTAG.findall(clean(text)):
        seen.setdefault(tag, None)
    return list(seen)


def terms(text: str) -> list[str]:
    """The candidate words of a text after cleaning, stop words and singularising."""
    words = (w.strip("'-") for w in _WORD.findall(_HASHTAG.sub(" ", clean(text))))
    return [singular(w) for w in words
            if len(w) >= MIN_LENGTH and w not in STOPWORDS and not w[0].isdigit()]


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
