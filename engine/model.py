"""Parameters of the influence model, with documented defaults (see docs/MODEL.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "answer": 3.0,
    "reply": 3.0,
    "comment": 2.0,
    "accept": 3.0,
    "message": 2.0,
    "share": 1.5,
    "edit": 1.0,
    "rate": 1.0,
    "mention": 1.0,
    "like": 0.5,
    "follow": 0.2,
}


class ModelParams(BaseModel):
    """The knobs of the score. Every default is documented and justified in docs/MODEL.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    half_life_days: float = Field(default=90.0, gt=0)
    window_days: float = Field(default=730.0, gt=0)
    damping: float = Field(default=0.85, gt=0, lt=1)
    max_iterations: int = Field(default=40, ge=1, le=1000)
    tolerance: float = Field(default=1e-7, gt=0)
    scale_reference: float = Field(
        default=200.0, gt=1,
        description="Raw propagated score (in units of the teleport mass) that maps to 100.",
    )
