"""docs/MODEL.md documents exactly the defaults of ModelParams."""

from __future__ import annotations

import re
from pathlib import Path

from influence.engine.model import ModelParams

MODEL_MD = Path(__file__).resolve().parents[2] / "docs" / "MODEL.md"
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|\s*([^|]+?)\s*\|")


def _table(heading: str) -> dict[str, float]:
    """The `name` | number rows of the first table after a heading."""
    lines = MODEL_MD.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows: dict[str, float] = {}
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = float(match.group(2))
    return rows


def test_documented_parameters_match_the_code() -> None:
    documented = _table("## Parameters")
    defaults = ModelParams().model_dump()
    defaults.pop("kind_weights")
    assert documented == defaults


def test_documented_kind_weights_match_the_code() -> None:
    documented = _table("### Interaction kind weights (`kind_weights`)")
    assert documented == ModelParams().kind_weights


def test_the_table_parser_sees_a_changed_default() -> None:
    documented = _table("## Parameters")
    assert documented["half_life_days"] == 90.0
    assert ModelParams(half_life_days=30).model_dump()["half_life_days"] != documented[
        "half_life_days"]
