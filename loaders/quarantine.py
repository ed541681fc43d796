"""Where rejected input goes: one JSON line per record, with its source line and the reason."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_CATEGORIES = (
    (re.compile(r"Field required"), "missing field"),
    (re.compile(r"at most \d+ characters"), "oversized field"),
    (re.compile(r"^invalid record: kind: Input should be"), "unknown interaction kind"),
)


@dataclass
class Tally:
    """Counts of one load run.

    ``read == loaded + skipped + quarantined`` always holds: every item read in this run is
    loaded, skipped with a reason, or quarantined with a reason. ``resumed`` counts the items
    a resumed run passed over because an earlier, interrupted run had committed them.
    ``self_interactions_dropped`` counts self-credit records removed from loaded items.
    """

    read: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    resumed: int = 0
    self_interactions_dropped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    quarantine_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.skipped + self.quarantined

    @staticmethod
    def category(reason: str) -> str:
        """The kind of problem a quarantine reason names (``missing field``, ...)."""
        for pattern, name in _CATEGORIES:
            if pattern.search(reason):
                return name
        return reason.split(":", maxsplit=1)[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "skipped": self.skipped,
            "quarantined": self.quarantined,
            "resumed": self.resumed,
            "self_interactions_dropped": self.self_interactions_dropped,
            "skipped_reasons": dict(self.skipped_reasons),
            "quarantine_reasons": dict(self.quarantine_reasons),
        }


class Quarantine:
    """Appends rejected records to ``<dir>/<run>.jsonl``."""

    def __init__(self, directory: Path, run: str) -> None:
        self.path = directory / f"{run}.jsonl"
        self._fh: IO[str] | None = None
        self._directory = directory

    def put(self, *, source: str, line: int, raw: str, reason: str) -> None:
        if self._fh is None:
            self._directory.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8")
        entry = {"source": source, "line": line, "reason": reason, "raw": raw[:4000]}
        self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
