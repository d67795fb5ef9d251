"""One textual form for instants, because timestamps are hashed.

Two spellings of the same instant ("+08:00" vs "Z", trailing zeros) would give
two commitments; everything is stored and committed as UTC with a 'Z' suffix
and microseconds only when non-zero.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    """Canonical RFC 3339 UTC text of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; give a timezone")
    # isoformat() writes microseconds only when non-zero, which is the form we want.
    text = moment.isoformat()
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return moment.astimezone(UTC).isoformat()[:-6] + "Z"


def from_text(text: str) -> datetime:
    """Parse RFC 3339 text (as produced by to_text or any offset form) to aware UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone")
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current instant, aware, UTC."""
    return datetime.now(UTC)


def now_text() -> str:
    """The current instant in canonical text."""
    return to_text(now())
