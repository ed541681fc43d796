"""``influence api ...``: the GraphQL contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The GraphQL API's contract.", no_args_is_help=True)
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def schema_sdl() -> str:
    """The SDL of the API's schema, as committed in schema.graphql."""
    from influence.api.app import build_schema

    return build_schema().as_str() + "\n"


@app.command("export-schema")
def export_schema(
    out: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
    check: Annotated[bool, typer.Option(
        help="Exit 1 if the file differs instead of writing it.")] = False,
) -> None:
    """Write the GraphQL schema (SDL) to schema.graphql, or check it is current.

    Example: influence api export-schema --check
    """
    sdl = schema_sdl()
    if check:
        if not out.exists() or out.read_text() != sdl:
            typer.echo(f"{out} is out of date: run `influence api export-schema`.", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is current.")
        return
    out.write_text(sdl)
    typer.echo(f"wrote {out}")
