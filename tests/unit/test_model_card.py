"""docs/MODEL.md documents exactly the defaults of ModelParams."""

from __future__ import annotations

import re
from pathlib import Path

from influence.engine.model import ModelParams

MODEL_MD = Path(__file__).resolve().parents[2] / "docs" / "MODEL.md"
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|\s*([^|]+?)\s*\|")


def _value(cell: str) -> float | bool | None:
    """A documented default: a number, ``derived`` (None: computed per run) or a boolean."""
    lowered = cell.strip().lower()
    if lowered.startswith("derived"):
        return None
    if lowered in {"true", "false"}:
        return lowered == "true"
    return float(cell)


def _table(heading: str, card: Path = MODEL_MD) -> dict[str, float | bool | None]:
    """The `name` | default rows of the first table after a heading."""
    lines = card.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows: dict[str, float | bool | None] = {}
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = _value(match.group(2))
    return rows


def test_documented_parameters_match_the_code() -> None:
    documented = _table("## Parameters")
    defaults = ModelParams().model_dump()
    defaults.pop("kind_weights")
    assert documented == defaults


def test_documented_kind_weights_match_the_code() -> None:
    documented = _table("### Interaction kind weights (`kind_weights`)")
    assert documented == ModelParams().kind_weights


def test_the_table_parser_sees_a_changed_default(tmp_path: Path) -> None:
    """The comparison above can fail: a card whose table says another damping differs."""
    card = MODEL_MD.read_text(encoding="utf-8")
    documented = _table("## Parameters")
    assert documented["half_life_days"] is None  # "derived"
    row = next(line for line in card.splitlines() if line.startswith("| `damping`"))
    value = f"{documented['damping']:g}"
    assert value in row
    changed = tmp_path / "MODEL.md"
    changed.write_text(card.replace(row, row.replace(value, "0.31", 1)), encoding="utf-8")
    edited = _table("## Parameters", changed)
    assert edited["damping"] == 0.31
    defaults = ModelParams().model_dump()
    defaults.pop("kind_weights")
    assert edited != defaults
