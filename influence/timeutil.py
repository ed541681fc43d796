"""Time in the engine: UTC epoch seconds, the day, the end of time, and parsing of dates.

Every stored time is an integer count of UTC epoch seconds. Dates given by people (``--asof``,
a client's ``asof=``, a cut) are ISO-8601 strings, datetimes or epoch seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from influence.errors import InvalidInputError

DAY_S = 86_400
"""Seconds in a day."""
END_OF_TIME = 32_503_680_000
"""3000-01-01T00:00:00Z: the latest instant a record may carry, and "until forever"."""


def iso_to_epoch(value: str) -> int:
    """Epoch seconds of an ISO-8601 timestamp (``Z`` allowed; naive values are UTC).

    Raises:
        ValueError: the text is not ISO-8601.
    """
    text = value.strip()
    try:
        stamp = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError as exc:
        raise ValueError(f"unparseable timestamp: {value!r} is not ISO-8601") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp())


def instant(value: str | int | float | datetime | None, *, name: str = "asof") -> int | None:
    """Epoch seconds from an ISO date, a datetime or epoch seconds (``None`` stays ``None``).

    Raises:
        InvalidInputError: a string that is not an ISO-8601 date or time.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a date, not {value!r}.")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp())
    try:
        return iso_to_epoch(value)
    except ValueError as exc:
        raise InvalidInputError(f"{name}: {exc}",
                                hint=f"Use an ISO-8601 date, e.g. --{name} 2016-12-10.") from exc


def day_label(epoch: int) -> str:
    """``YYYY-MM-DD`` of an epoch second, in UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
