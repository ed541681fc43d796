"""``influence consent ...``: consent, erasure, access export, objection, audit log, tokens.

Every command writes an audit event (except ``audit`` itself); people appear in the audit log
only as a salted hash. See docs/PRIVACY.md.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from influence.cli.output import console, out, say
from influence.engine.privacy import audit as privacy_audit
from influence.engine.privacy import consent as privacy_consent
from influence.engine.privacy import erasure, tokens
from influence.engine.privacy import export as privacy_export
from influence.settings import get_settings
from influence.store import Store

app = typer.Typer(help="Consent and privacy: record consent, erase, export, object to profiling, "
                  "read the audit log, issue per-person tokens (docs/PRIVACY.md).",
                  no_args_is_help=True)

Actor = Annotated[str | None, typer.Option(
    help="Who is acting, for the audit log (default: cli:<your user name>).")]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@app.command("set")
def set_state(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. stackexchange:42.")],
    state: Annotated[str, typer.Argument(help="opted_in, unknown or opted_out (erases!).")],
    source: Annotated[str, typer.Option(help="Where the statement came from.")] = "cli",
    actor: Actor = None,
) -> None:
    """Record a person's consent with its source and time.

    Example: influence consent set stackexchange:42 opted_in --source web-form-2026-11-23

    Opting out erases the person at once (the right to be forgotten); to keep the data but
    stop scoring use `influence consent object`.
    """
    settings = get_settings()
    with Store(settings) as store:
        change = privacy_consent.set_consent(store, person_id, state, source, _actor(actor),
                                             settings=settings)
    if change.erasure is not None:
        _print_erasure(change.erasure)
    else:
        say(f"{person_id}: consent {change.state.value} (source {change.source})")


@app.command("erase")
def erase(
    person_id: Annotated[str | None, typer.Argument(help="Person id, e.g. stackexchange:42.")]
    = None,
    all_opted_out: Annotated[bool, typer.Option(
        "--all-opted-out", help="Erase everyone whose consent is opted_out (e.g. imported).")]
    = False,
    rescore: Annotated[bool, typer.Option(
        help="Recompute everyone's scores now, so no score reflects the erased person.")]
    = False,
    asof: Annotated[str | None, typer.Option(help="Scoring date for --rescore (ISO-8601).")]
    = None,
    actor: Actor = None,
) -> None:
    """Erase a person: node, accounts, posts, interactions, derived data; block re-ingest.

    Example: influence consent erase stackexchange:42 --rescore --asof 2016-12-10

    Without --rescore, other people's stored scores still reflect the erased person's past
    interactions until the next `influence score`.
    """
    from influence.errors import InvalidInputError
    from influence.jobs.recompute import recompute
    from influence.timeutil import instant

    if (person_id is None) == (not all_opted_out):
        raise InvalidInputError("Give a person id or --all-opted-out (not both).",
                                hint="e.g. influence consent erase stackexchange:42")
    settings = get_settings()
    with Store(settings) as store:
        if person_id is not None:
            reports = [erasure.erase(store, person_id, _actor(actor), settings=settings)]
        else:
            reports = erasure.erase_opted_out(store, _actor(actor), settings=settings)
        for report in reports:
            _print_erasure(report)
        if rescore:
            done = recompute(store, settings.model, instant(asof))
            say(f"recomputed scores, topic scores and communities of "
                f"{done.scores.people_in_graph if done.scores else 0} people")
    if not reports:
        say("nobody is opted out")


def _print_erasure(report: erasure.Erasure) -> None:
    if report.already_erased:
        say(f"already erased (subject {report.person_hash[:16]}...)")
        return
    state = "verified clean" if not report.residual else \
        f"[bold red]{len(report.residual)} trace(s) left[/]"
    console.print(f"[bold cyan]>[/] erased subject {report.person_hash[:16]}...: "
                  f"{report.accounts} account(s), {report.posts} post(s), "
                  f"{report.interactions} interaction(s); {state}", highlight=False)


@app.command("export")
def export(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. stackexchange:42.")],
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write JSON here (default stdout).")]
    = None,
    actor: Actor = None,
) -> None:
    """Export everything held about a person as JSON (the right of access).

    Example: influence consent export stackexchange:42 -o person-42.json
    """
    settings = get_settings()
    with Store(settings) as store:
        data = privacy_export.export_person(store, person_id, _actor(actor),
                                            policy=settings.publish_policy, settings=settings)
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    if output is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        say(f"wrote {output}")


@app.command("object")
def object_(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. stackexchange:42.")],
    lift: Annotated[bool, typer.Option("--lift", help="Withdraw an earlier objection.")]
    = False,
    actor: Actor = None,
) -> None:
    """Object to profiling: keep the person's data but compute and publish no score.

    Example: influence consent object stackexchange:42   (and later: --lift)
    """
    settings = get_settings()
    with Store(settings) as store:
        privacy_consent.object_to_profiling(store, person_id, _actor(actor),
                                            objection=not lift, settings=settings)
    say(f"{person_id}: objection to profiling {'lifted' if lift else 'recorded; score removed'}")


@app.command("audit")
def audit(
    person_id: Annotated[str | None, typer.Option("--person", help="Only events about them.")]
    = None,
    action: Annotated[str | None, typer.Option(
        help="Only this action: consent, erase, export, objection, token.")] = None,
    first: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")]
    = False,
) -> None:
    """Read the append-only audit log (people appear only as salted hashes).

    Example: influence consent audit --person stackexchange:42
    """
    from dataclasses import asdict

    settings = get_settings()
    with Store(settings) as store:
        events = privacy_audit.audit_log(store, person_id=person_id, action=action, first=first,
                                         settings=settings)
    if as_json:
        for event in events:
            out.print(json.dumps(asdict(event), sort_keys=True), markup=False, highlight=False,
                      soft_wrap=True)
        return
    table = Table(title="audit log")
    for column in ("at (UTC)", "actor", "action", "subject", "detail"):
        table.add_column(column)
    for e in events:
        table.add_row(datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S"), e.actor,
                      e.action, (e.subject or "")[:16], json.dumps(e.detail, sort_keys=True))
    out.print(table)


@app.command("token")
def token(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. stackexchange:42.")],
    actor: Actor = None,
) -> None:
    """Issue a person's verification token (after checking who they are, out of band).

    Example: INFLUENCE_CONSENT_TOKEN_SECRET=... influence consent token stackexchange:42

    The person passes it as `personToken` to the GraphQL consent mutations. It is an
    HMAC-SHA256 of the person id; rotating the secret revokes every token.
    """
    settings = get_settings()
    with Store(settings) as store:
        value = tokens.issue_token(store, settings, person_id, _actor(actor))
    out.print(value, markup=False, highlight=False)
