"""docs/MODEL.md documents exactly the defaults of ModelParams."""

from __future__ import annotations

import re
from pathlib import Path

from influence.engine.model import ModelParams

MODEL_MD = Path(__file__).resolve().parents[2] / "docs" / "MODEL.md"
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|\s*([^|]+?)\s*\|")


def _table(heading: str, card: Path = MODEL_MD) -> dict[str, float]:
    """The `name` | number rows of the first table after a heading."""
    lines = card.read_text(encoding="utf-8").splitlines()
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


def test_the_table_parser_sees_a_changed_default(tmp_path: Path) -> None:
    """The comparison above can fail: a card whose table says another half-life differs."""
    card = MODEL_MD.read_text(encoding="utf-8")
    documented = _table("## Parameters")
    row = next(line for line in card.splitlines() if line.startswith("| `half_life_days`"))
    value = f"{documented['half_life_days']:g}"
    assert value in row
    changed = tmp_path / "MODEL.md"
    changed.write_text(card.replace(row, row.replace(value, "31", 1)), encoding="utf-8")
    edited = _table("## Parameters", changed)
    assert edited["half_life_days"] == 31.0
    defaults = ModelParams().model_dump()
    defaults.pop("kind_weights")
    assert edited != defaults
