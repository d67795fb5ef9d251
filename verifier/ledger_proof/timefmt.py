"""One textual form for instants, because timestamps are hashed.

Two spellings of the same instant ("+08:00" vs "Z", trailing zeros) would give
two commitments; everything is stored and committed as UTC with a 'Z' suffix
and microseconds only when non-zero.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: The epoch of the integer-microsecond columns.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


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


def to_us(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (floor, so instants before 1970 are
    right too: ``int(moment.timestamp())`` truncates toward zero and lands a second late)."""
    return (moment - EPOCH) // _MICROSECOND


def from_us(us: int) -> datetime:
    """The aware UTC instant of integer microseconds since the epoch (exact, any sign)."""
    return EPOCH + timedelta(microseconds=us)


def us_text(us: int) -> str:
    """Canonical text of an instant stored as integer microseconds."""
    return to_text(from_us(us))


def representable(moment: datetime) -> datetime:
    """The instant itself if its UTC form is a valid datetime (years 1 to 9999), else
    ValueError: "0001-01-01T00:00:00+01:00" is a valid RFC 3339 string whose UTC instant
    lies before year 1, and nothing downstream (canonical text, columns) could hold it."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant lies outside 0001-01-01T00:00:00Z.."
                         "9999-12-31T23:59:59.999999Z") from None
    return moment
