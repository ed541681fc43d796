"""The per-request GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.fastapi import BaseContext

from influence.settings import Settings
from influence.store import QueryRunner


@dataclass
class Context(BaseContext):
    """What resolvers may use: the store and the settings."""

    store: QueryRunner
    settings: Settings

    def __post_init__(self) -> None:
        super().__init__()
