"""Influence engine: open, explainable, consent-first influence scores on Neo4j + GDS."""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from influence.client import Client

__all__ = ["Client", "__version__"]


def __getattr__(name: str) -> Any:
    """Import the notebook client lazily, so ``import influence`` stays light."""
    if name == "Client":
        from influence.client import Client

        return Client
    raise AttributeError(f"module 'influence' has no attribute {name!r}")
