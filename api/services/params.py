"""Query parameters every route family shares: date-times (XML Schema 1.1 Part 2 §3.3.8 dateTime)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.errors import BadRequest


def parse_moment(name: str, text: str) -> datetime:
    """An xs:dateTime parameter (UTC when no offset is given); BadRequest naming the parameter."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name}={text[:40]} is not an xs:dateTime such as 2024-01-31T00:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
