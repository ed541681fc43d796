"""Where rejected input goes: one JSON line per record, with its source line and the reason."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class Tally:
    """Counts of one load run. ``read == loaded + skipped + quarantined`` always holds."""

    read: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    quarantine_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.skipped + self.quarantined

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "skipped": self.skipped,
            "quarantined": self.quarantined,
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
