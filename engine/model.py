"""Parameters of the influence model, with documented defaults (see docs/MODEL.md).

Every default here appears in the "Parameters" table of docs/MODEL.md; a unit test
(tests/unit/test_model_card.py) parses that table and compares it with these values.
"""

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


HALF_LIFE_BOUNDS_DAYS = (1.0, 365.0)
"""The derived half-life is kept within these bounds (docs/MODEL.md, step 1)."""
FALLBACK_HALF_LIFE_DAYS = 90.0
"""Half-life of a derived-half-life model before any data has been scored."""


class ModelParams(BaseModel):
    """The knobs of the score. Every default is documented and justified in docs/MODEL.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    half_life_days: float | None = Field(
        default=None, gt=0,
        description="Half-life of an interaction's weight in days; None: derived from the data "
                    "(half the mean activity span of the people active in the window).",
    )
    window_days: float = Field(default=730.0, gt=0)
    damping: float = Field(default=0.85, gt=0, lt=1)
    max_iterations: int = Field(default=40, ge=1, le=1000)
    tolerance: float = Field(default=1e-7, gt=0)
    attention_budget: float = Field(
        default=4.0, gt=0,
        description="Most credit one engager can hand out in total (sum of its edge weights).",
    )
    propagation_blend: float = Field(
        default=0.3, ge=0, le=1,
        description="Share of an edge's credit that scales with the engager's PageRank standing.",
    )
    trust_floor: float = Field(default=0.001, ge=0, le=1)
    trust_age_days: float = Field(default=30.0, gt=0)
    trust_age_exponent: float = Field(default=2.0, ge=1)
    trust_received: float = Field(default=3.0, gt=0)
    pod_tolerance: float = Field(default=2.0, ge=0)
    pod_exponent: float = Field(default=3.0, ge=1)
    diminishing_returns: bool = True
    scale_reference: float = Field(
        default=200.0, gt=1,
        description="Topic scores: raw topic PageRank (in teleport units) that maps to 100.",
    )
    score_midpoint: float = Field(
        default=25.0, gt=0,
        description="Raw credit that maps to the middle of the 1-100 scale (50.5).",
    )
    confidence_engagers: float = Field(default=5.0, gt=0)
    confidence_interactions: float = Field(default=20.0, gt=0)

    def with_half_life(self, days: float) -> ModelParams:
        """These parameters with the half-life a run actually used."""
        return self.model_copy(update={"half_life_days": days})

    @property
    def half_life_s(self) -> float:
        """The half-life in seconds (of resolved parameters: see ``engine.scoring.resolve``)."""
        if self.half_life_days is None:
            raise ValueError("the half-life is derived per run; resolve the parameters first")
        return self.half_life_days * 86_400.0
