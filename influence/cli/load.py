"""``influence load <format> PATH...``: one command per row of the source table
(:data:`influence.jobs.sources.SOURCES`), all with the same options and the same job behind
them (:func:`influence.jobs.load.load`).

Every command: progress bar with rate and ETA, ``--dry-run`` (validate, write nothing),
``--strict`` (non-zero exit if anything was quarantined), resumable after a crash (a
checkpoint in the database; ``--restart`` ignores it), and a closing summary where
``read = loaded + skipped + quarantined``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from influence.cli.output import bars, print_load
from influence.domain import InteractionKind
from influence.jobs.load import LoadRequest, load, self_policy
from influence.jobs.sources import SOURCES, Source
from influence.settings import get_settings

app = typer.Typer(help="Load real data into Neo4j (every record loaded, skipped with a "
                  "reason, or quarantined with a reason).", no_args_is_help=True)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SE_DUMP = REPO_ROOT.parent / "shared" / "data" / "stackexchange-beer"

_P = inspect.Parameter


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return _P(name, _P.KEYWORD_ONLY, annotation=annotation, default=default)


def _parameters(spec: Source) -> list[inspect.Parameter]:
    if spec.paths == "files":
        paths = _P("paths", _P.POSITIONAL_OR_KEYWORD, annotation=Annotated[
            list[Path], typer.Argument(metavar="PATHS...", help="Files, or folders of them.")])
    elif spec.paths == "folder":
        paths = _P("paths", _P.POSITIONAL_OR_KEYWORD, default=DEFAULT_SE_DUMP,
                   annotation=Annotated[Path, typer.Argument(
                       metavar="FOLDER", help="Folder of a site dump (Users.xml, Posts.xml, "
                       "Votes.xml, Comments.xml, PostHistory.xml, ...).")])
    else:
        paths = _P("paths", _P.POSITIONAL_OR_KEYWORD, annotation=Annotated[
            Path, typer.Argument(metavar="FILE", help="The edge-list file.")])
    params = [paths, _option("network", Annotated[str | None, typer.Option(
        help="Network name stored on accounts (default: the format's).")], None)]
    if spec.kind is not None:
        params.append(_option("kind", Annotated[InteractionKind, typer.Option(
            help="Interaction kind of every edge.")], spec.kind))
    params.append(_option("identities", Annotated[Path | None, typer.Option(
        help="Identity mapping CSV (person,network,account): link accounts to one person.")],
        None))
    if spec.text:
        params += [
            _option("keyword_topics", Annotated[bool, typer.Option(
                "--keyword-topics/--no-keyword-topics", help="Give posts with text but no tags, "
                "hashtags or subreddit keyword topics (a first pass over the input fits the "
                "vocabulary; docs/TOPICS.md).")], True),
            _option("keyword_vocabulary", Annotated[Path | None, typer.Option(
                help="Keyword vocabulary JSON: reused if the file exists (no fitting, the same "
                "topics across loads), else the vocabulary fitted on this input is saved "
                "there.")], None)]
    params += [
        _option("dry_run", Annotated[bool, typer.Option(help="Validate only; write nothing.")],
                False),
        _option("strict", Annotated[bool, typer.Option(
            help="Exit non-zero (code of invalid input) if any record is quarantined.")], False),
        _option("progress", Annotated[bool, typer.Option(
            help="Show a progress bar with rate and ETA.")], True),
        _option("restart", Annotated[bool, typer.Option(
            help="Ignore a checkpoint left by an interrupted run of the same input and read "
            "from the start.")], False),
        _option("self_interactions", Annotated[str | None, typer.Option(
            "--self-interactions", help="quarantine | skip | keep an interaction whose actor "
            "is its target (default: settings.self_interactions).")], None),
        _option("bulk", Annotated[bool | None, typer.Option(
            "--bulk/--no-bulk", help="Force (or forbid) the bulk path for a large first load "
            "into the local server. Default: bulk when the database is empty and the input "
            "has 200,000+ lines.")], None),
    ]
    return params


def _command(spec: Source) -> Callable[..., None]:
    def command(**options: Any) -> None:
        settings = get_settings()
        paths = options.pop("paths")
        request = LoadRequest(
            source=spec.name, paths=tuple(paths) if isinstance(paths, list) else (paths,),
            network=options["network"], kind=options.get("kind"),
            identities=options["identities"],
            keyword_topics=options.get("keyword_topics", False),
            keyword_vocabulary=options.get("keyword_vocabulary"), dry_run=options["dry_run"],
            strict=options["strict"], restart=options["restart"],
            self_interactions=self_policy(options["self_interactions"], settings),
            bulk=options["bulk"])
        with bars(show=options["progress"]) as progress_bars:
            report = load(request, settings, progress=progress_bars)
        print_load(report)
        if request.strict:
            report.require_clean()

    params = _parameters(spec)
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = spec.help
    command.__name__ = f"load_{spec.name}"
    return command


for _spec in SOURCES.values():
    app.command(_spec.name, help=_spec.help)(_command(_spec))
