"""Influence engine: open, explainable, consent-first influence scores on Neo4j + GDS."""

__version__ = "0.1.0"
