"""The fast path for clean CSV rows: cells checked with the same rules as ``parse`` but without
building a dict per row, for the import's hot loop. A row it cannot vouch for is declined and
goes through ``parse``, which gives the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import cast

from growthgraph import rules
from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading.files import KindName
from growthgraph.loading.parse import (
    VALID_ID,
    ImportActivity,
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    Parsed,
    ReferralRow,
)
from growthgraph.validation import MAX_KIND_LENGTH, MAX_TEXT_LENGTH

#
# A parser per kind that takes a CSV record's cells as they are (an empty cell is a missing value)
# and returns the typed row when every check passes on the common, clean form of each field, or
# None for anything else. None is not a rejection: the caller then runs ``parse`` on the record,
# which decides with the full rules and words the reason. So the fast path only ever accepts what
# ``parse`` accepts, with the same result, and skips ``parse``'s per-field bookkeeping for the
# millions of clean rows.

# A fast parser receives the record's cells with one empty cell appended: columns the file lacks
# read from there.
FastParser = Callable[[list[str]], Parsed | None]
_COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")
_PLAIN_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
# ``validation.check_kind`` in one pattern (``\Z``: a final newline does not pass).
_KIND = re.compile(rf"[a-z][a-z0-9._:-]{{0,{MAX_KIND_LENGTH - 1}}}\Z")


class _DeclinedError(Exception):
    """A cell the fast path leaves to ``parse``."""


_DECLINE = _DeclinedError()


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)  # a ValueError declines too
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    if zone is None or parsed.utcoffset() is None:
        raise _DECLINE
    return parsed.astimezone(UTC)


def _text(value: str) -> str | None:
    """An optional text cell: None when empty."""
    if not value:
        return None
    if len(value) > MAX_TEXT_LENGTH or value.isspace():
        raise _DECLINE
    return value


def _ident(value: str) -> str | None:
    """An optional id cell: None when empty."""
    if not value:
        return None
    if VALID_ID.match(value) is None:
        raise _DECLINE
    return value


def _required_id(value: str) -> str:
    if VALID_ID.match(value) is None:
        raise _DECLINE
    return value


def _kind_of(value: str) -> ReferrerKindName:
    if value == "USER":
        return "USER"
    if value == "INFLUENCER":
        return "INFLUENCER"
    if value == "PARTNER":
        return "PARTNER"
    raise _DECLINE


def _cells(names: Sequence[str], wanted: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """Picks the ``wanted`` cells in order; a column the file lacks reads the empty cell appended
    to every record."""
    missing = len(names)
    getter = itemgetter(*(names.index(n) if n in names else missing for n in wanted))
    return cast("Callable[[list[str]], tuple[str, ...]]", getter)


def _declining(make: Callable[[list[str]], Parsed]) -> FastParser:
    def fast(cells: list[str]) -> Parsed | None:
        try:
            return make(cells)
        except (_DeclinedError, ValueError):
            return None

    return fast


def _fast_users(names: Sequence[str]) -> FastParser:
    pick = _cells(names, USER_COLUMNS)
    plain_email, country_code = _PLAIN_EMAIL.match, _COUNTRY_CODE.match

    def make(cells: list[str]) -> ImportUser:
        id_, name, email, at, country, plan, channel, campaign, ip, device, *consent = pick(cells)
        marketing, analytics, consent_at, erased_at = consent
        if erased_at or (
            (marketing or analytics or consent_at)
            and not (marketing in _FLAGS and analytics in _FLAGS and consent_at)
        ):
            raise _DECLINE  # an erased user, or consent columns that do not go together
        if (
            not 0 < len(name) <= MAX_TEXT_LENGTH
            or name.isspace()
            or len(email) > MAX_TEXT_LENGTH
            or not plain_email(email)
            or (country and not country_code(country))
        ):
            raise _DECLINE
        return ImportUser(
            id=_required_id(id_),
            name=name,
            email=email,
            signed_up_at=_time(at),
            country=country or None,
            plan=_text(plan),
            channel=_text(channel),
            campaign_id=_ident(campaign),
            ip_hash=_text(ip),
            device_hash=_text(device),
            consent_marketing=_FLAGS.get(marketing),
            consent_analytics=_FLAGS.get(analytics),
            consent_updated_at=_time(consent_at) if consent_at else None,
        )

    return _declining(make)


def _fast_referrals(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("userId", "referrerKind", "referrerId", "channel", "campaignId"))

    def make(cells: list[str]) -> ReferralRow:
        user, kind, referrer, channel, campaign = pick(cells)
        if rules.is_self_referral(user, kind == "USER", referrer):
            raise _DECLINE
        return ReferralRow(
            _required_id(user),
            _kind_of(kind),
            _required_id(referrer),
            _text(channel),
            _ident(campaign),
        )

    return _declining(make)


def _fast_invites(names: Sequence[str]) -> FastParser:
    pick = _cells(
        names, ("id", "referrerKind", "referrerId", "at", "channel", "campaignId", "acceptedBy")
    )

    def make(cells: list[str]) -> ImportInvite:
        id_, kind, referrer, at, channel, campaign, accepted = pick(cells)
        return ImportInvite(
            _required_id(id_),
            _kind_of(kind),
            _required_id(referrer),
            _time(at),
            _text(channel),
            _ident(campaign),
            _ident(accepted),
        )

    return _declining(make)


def _fast_conversions(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("id", "userId", "at", "revenueCents", "plan"))

    def make(cells: list[str]) -> ImportConversion:
        id_, user, at, revenue, plan = pick(cells)
        if not (revenue.isascii() and revenue.isdigit()):
            raise _DECLINE
        return ImportConversion(
            _required_id(id_), _required_id(user), _time(at), int(revenue), _text(plan)
        )

    return _declining(make)


def _fast_activities(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("userId", "at", "kind"))
    plain_kind = _KIND.match

    def make(cells: list[str]) -> ImportActivity:
        user, at, kind = pick(cells)
        if not plain_kind(kind):
            raise _DECLINE
        return ImportActivity(_required_id(user), _time(at), kind)

    return _declining(make)


def _fast_connections(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("a", "b", "at"))

    def make(cells: list[str]) -> ImportConnection:
        a, b, at_text = pick(cells)
        if rules.is_self_connection(a, b):
            raise _DECLINE
        _required_id(a)
        _required_id(b)
        at = _time(at_text) if at_text else None
        return ImportConnection(a, b, at) if a < b else ImportConnection(b, a, at)

    return _declining(make)


USER_COLUMNS = ("id", "name", "email", "signedUpAt", "country", "plan", "channel", "campaignId",
                "ipHash", "deviceHash", "consentMarketing", "consentAnalytics", "consentUpdatedAt",
                "erasedAt")  # fmt: skip
_FLAGS = {"true": True, "false": False}


_FAST: dict[KindName, Callable[[Sequence[str]], FastParser]] = {
    "users": _fast_users,
    "referrals": _fast_referrals,
    "invites": _fast_invites,
    "conversions": _fast_conversions,
    "activities": _fast_activities,
    "connections": _fast_connections,
}


def fast_parser(kind: KindName, names: Sequence[str]) -> FastParser | None:
    """The fast path for CSV records of ``kind`` with these column names (None: kinds whose files
    are small use ``parse`` alone)."""
    make = _FAST.get(kind)
    return None if make is None else make(names)
