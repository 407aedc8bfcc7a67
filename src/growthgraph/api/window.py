"""Time windows of the analytics arguments: ``[from, to)`` or ``[since, until)``, each bound
with a time zone offset, the start before the end; and the as-of clock: the instant a
time-relative figure is taken at (``asOf``, now when left out), which every such field resolves
with :func:`resolve_as_of` and reports back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from growthgraph.errors import BadUserInputError
from growthgraph.validation import check_aware

From = Annotated[
    datetime,
    strawberry.argument(name="from", description="Window start (inclusive), with an offset."),
]
To = Annotated[
    datetime, strawberry.argument(name="to", description="Window end (exclusive), with an offset.")
]


AS_OF_DESCRIPTION = (
    "The instant the figures are taken at, with an offset: only what happened at or before it "
    "counts. Now when left out; the answer's `asOf` says which instant was used."
)
AsOf = Annotated[datetime | None, strawberry.argument(description=AS_OF_DESCRIPTION)]


def resolve_as_of(
    value: datetime | None, *, now: datetime, after: datetime | None = None
) -> datetime:
    """The instant a figure is taken at, in UTC: ``value``, or ``now`` (the request's one
    instant, ``Context.now()``, shared by every field of a response) when it is None. Refused
    (``BAD_USER_INPUT``) without an offset, or when not later than ``after`` (a window's start,
    for figures that make no sense before it)."""
    require_offset("asOf", value)
    at = now if value is None else value.astimezone(UTC)
    if after is not None and at <= after:
        raise BadUserInputError("`asOf` must be later than `from`")
    return at


def require_offset(name: str, value: datetime | None) -> None:
    """Refuse an instant without a time zone offset (``BAD_USER_INPUT``)."""
    if value is not None and check_aware(name, value):
        raise BadUserInputError(f"`{name}` must include a time zone offset")


def window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``[from, to)`` in UTC, refused unless both carry an offset and ``from`` comes first."""
    require_offset("from", start)
    require_offset("to", end)
    if start >= end:
        raise BadUserInputError("`from` must be earlier than `to`")
    return start.astimezone(UTC), end.astimezone(UTC)


def check_since_until(since: datetime | None, until: datetime | None) -> None:
    """An optional ``[since, until)``: each bound with an offset, ``since`` first."""
    require_offset("since", since)
    require_offset("until", until)
    if since is not None and until is not None and since >= until:
        raise BadUserInputError("`since` must be earlier than `until`")
