"""``influence load snap|higgs|konect|bitcoin``: timestamped edge lists into Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from influence.loaders.edgelists import EdgeFormat
from influence.loaders.records import InteractionKind

PathArg = Annotated[Path, typer.Argument(help="The edge-list file.")]
NetworkOpt = Annotated[str | None, typer.Option(help="Network name stored on accounts "
                                                "(default: the format's name).")]
KindOpt = Annotated[InteractionKind, typer.Option(help="Interaction kind of every edge.")]
DryRunOpt = Annotated[bool, typer.Option(help="Validate only; write nothing.")]
StrictOpt = Annotated[bool, typer.Option(help="Exit non-zero if any line is quarantined.")]
ProgressOpt = Annotated[bool, typer.Option(help="Show a progress bar.")]


def _load(path: Path, fmt: EdgeFormat, network: str | None, kind: InteractionKind, *,
          dry_run: bool, strict: bool, progress: bool) -> None:
    from influence.commands_load import run_load
    from influence.loaders.edgelists import EdgeListAdapter

    adapter = EdgeListAdapter(path, fmt, network=network, kind=kind)
    run_load(adapter, adapter.total_rows(), f"{fmt}-{adapter.network}", inputs=[path],
             dry_run=dry_run, strict=strict, show_progress=progress,
             options=(fmt, adapter.network, kind.value))


def load_snap(path: PathArg, network: NetworkOpt = None,
              kind: KindOpt = InteractionKind.MESSAGE, *, dry_run: DryRunOpt = False,
              strict: StrictOpt = False, progress: ProgressOpt = True) -> None:
    """Load a SNAP temporal edge list: `src dst unix_seconds` per line.

    Example: influence load snap ../shared/data/snap-collegemsg/CollegeMsg.txt --network college
    """
    _load(path, "snap", network, kind, dry_run=dry_run, strict=strict, progress=progress)


def load_higgs(path: PathArg, network: NetworkOpt = None, *, dry_run: DryRunOpt = False,
               strict: StrictOpt = False, progress: ProgressOpt = True) -> None:
    """Load a SNAP Higgs activity file: `A B unix_seconds RT|MT|RE` (A acted on B).

    RT becomes a share, MT a mention, RE a reply.
    Example: influence load higgs higgs-activity_time.txt
    """
    _load(path, "higgs", network, InteractionKind.SHARE, dry_run=dry_run, strict=strict,
          progress=progress)


def load_konect(path: PathArg, network: NetworkOpt = None,
                kind: KindOpt = InteractionKind.MESSAGE, *, dry_run: DryRunOpt = False,
                strict: StrictOpt = False, progress: ProgressOpt = True) -> None:
    """Load a KONECT temporal edge list: `from to weight unix_seconds`, `%` comment lines.

    Example: influence load konect out.opsahl-ucsocial --network ucsocial
    """
    _load(path, "konect", network, kind, dry_run=dry_run, strict=strict, progress=progress)


def load_bitcoin(path: PathArg, network: NetworkOpt = None, *, dry_run: DryRunOpt = False,
                 strict: StrictOpt = False, progress: ProgressOpt = True) -> None:
    """Load a SNAP signed trust CSV: `Source,Target,Rating,Time` (rate interactions).

    Example: influence load bitcoin ../shared/data/snap-bitcoin-alpha/soc-sign-bitcoinalpha.csv
    """
    _load(path, "bitcoin", network, InteractionKind.RATE, dry_run=dry_run, strict=strict,
          progress=progress)
