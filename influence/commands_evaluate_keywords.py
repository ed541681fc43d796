"""``influence evaluate keywords``: keyword topics against the tags people chose.

Needs no database: the Stack Exchange questions are read with their text, their tags are
hidden from the extractor, and its topics are compared with those tags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from influence.commands_evaluate import (
    _say,
    markdown_table,
    out,
    read_dataset,
    rich_table,
    write_text,
)
from influence.errors import InvalidInputError
from influence.settings import get_settings


def evaluate_keywords(
    dump: Annotated[Path, typer.Argument(help="A Stack Exchange dump folder (Posts.xml, ...).")],
    *,
    per_post: Annotated[int, typer.Option(min=1, max=10, help="Topics given to each post.")]
    = 3,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="Also write the table "
                                                      "as Markdown.")] = None,
) -> None:
    """How often keyword topics (for posts without tags) match the tags people chose.

    The questions of a Stack Exchange dump are tagged by their askers. Their text (title and
    body) goes through the same extractor a load uses for untagged posts, fitted on those
    texts alone, and each question's keyword topics are compared with its tags: hit rate
    (at least one topic is a tag), precision and recall. The baseline gives every question
    the most frequent tags.

    Example:

        influence evaluate keywords ../shared/data/stackexchange-beer
    """
    from influence.loaders.keywords import tag_agreement
    from influence.loaders.records import PostRecord

    records, _, _ = read_dataset(dump, "stackexchange", None, get_settings())
    posts = [(r.text, set(r.topics)) for r in records
             if isinstance(r, PostRecord) and r.kind == "question" and r.topics and r.text]
    if not posts:
        raise InvalidInputError(f"{dump} has no tagged question with text.",
                                hint="Pass a Stack Exchange dump folder with a Posts.xml.")
    _say(f"{len(posts):,} tagged questions; fitting the vocabulary on their text, tags hidden")
    results = tag_agreement(posts, per_post)
    columns = ("method", "questions", "topics each", "hit rate", "precision", "recall")
    rows = [(name, f"{a.posts:,}", str(a.per_post), f"{a.hit_rate:.1%}", f"{a.precision:.1%}",
             f"{a.recall:.1%}") for name, a in results.items()]
    out.print(rich_table(f"Keyword topics against the askers' tags ({dump.name})", columns,
                         rows))
    if markdown_out is not None:
        write_text(markdown_out, markdown_table(columns, rows))
