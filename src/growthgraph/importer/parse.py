"""Turn raw rows into typed rows, checking each field with ``growthgraph.validation``. A row with
any problem is not loaded; the problems become its reason in the rejects report."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, cast

from growthgraph.dataset import (
    PARTNER_KINDS,
    CampaignRow,
    ConnectionRow,
    ConversionRow,
    InfluencerRow,
    PartnerKindName,
    PartnerRow,
    ReferrerKindName,
    UserRow,
)
from growthgraph.importer.files import KindName
from growthgraph.validation import (
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    Problem,
    check_id,
    check_influencer,
    check_sign_up,
    check_text,
)

# The same rule as ``validation.check_id`` in one pattern, for the fast path; the slow path
# still asks ``check_id`` for the message.
_VALID_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:@-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
REFERRER_KINDS: tuple[ReferrerKindName, ...] = ("USER", "INFLUENCER", "PARTNER")


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """``referrer`` brought ``user_id`` in; the edge's time is the user's sign-up time."""

    user_id: str
    referrer_kind: ReferrerKindName
    referrer_id: str
    channel: str | None = None
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImportInvite:
    """An invite, and the user who accepted it (if any)."""

    id: str
    referrer_kind: ReferrerKindName
    referrer_id: str
    at: datetime
    channel: str | None = None
    campaign_id: str | None = None
    accepted_by: str | None = None


Parsed = (
    InfluencerRow
    | PartnerRow
    | CampaignRow
    | UserRow
    | ReferralRow
    | ImportInvite
    | ConversionRow
    | ConnectionRow
)


class _Fields:
    """Typed access to one raw row that collects every problem instead of stopping at the first."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.problems: list[Problem] = []

    def _missing(self, name: str, required: bool) -> bool:
        if self.values.get(name) is None:
            if required:
                self.problems.append(Problem(name, "is required"))
            return True
        return False

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        # The common case first: a million-row file spends most of its time here.
        if type(value) is str and 0 < len(value) <= MAX_TEXT_LENGTH and not value.isspace():
            return value
        if value is None:
            if required:
                self.problems.append(Problem(name, "is required"))
            return None
        if not isinstance(value, str):
            self.problems.append(Problem(name, "must be a string"))
            return None
        self.problems += check_text(name, value, required=required)
        return value

    def ident(self, name: str, *, required: bool = True) -> str | None:
        value = self.values.get(name)
        if type(value) is str and _VALID_ID.match(value):
            return value
        value = self.text(name, required=required)
        if value is not None:
            self.problems += check_id(name, value)
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        if self._missing(name, required):
            return None
        value = self.values[name]
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                self.problems.append(Problem(name, "must be a whole number"))
                return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(Problem(name, "must be a whole number"))
            return None
        if value < 0:
            self.problems.append(Problem(name, "must be zero or more"))
            return None
        return value

    def number(self, name: str) -> float | None:
        if self._missing(name, True):
            return None
        value = self.values[name]
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise TypeError
            number = float(value)
        except (TypeError, ValueError):
            self.problems.append(Problem(name, "must be a number"))
            return None
        if math.isinf(number):
            self.problems.append(Problem(name, "must be finite"))
            return None
        return number

    def time(self, name: str, *, required: bool = True) -> datetime | None:
        if self._missing(name, required):
            return None
        value = self.values[name]
        try:
            if not isinstance(value, str):
                raise TypeError
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.problems.append(Problem(name, "must be an ISO 8601 time, e.g. 2024-05-01T12:00Z"))
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.problems.append(
                Problem(name, "must include a time zone offset, e.g. 2024-05-01T12:00:00Z")
            )
            return None
        return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)

    def referrer_kind(self, name: str) -> ReferrerKindName | None:
        value = self.text(name, required=True)
        if value is None:
            return None
        for kind in REFERRER_KINDS:
            if kind == value:
                return kind
        self.problems.append(Problem(name, f"must be one of {', '.join(REFERRER_KINDS)}"))
        return None


def _influencer(f: _Fields) -> InfluencerRow | None:
    id_, handle = f.ident("id"), f.text("handle", required=True)
    platform = f.text("platform", required=True)
    followers, rate = f.integer("followers", required=True), f.number("engagementRate")
    cost = f.integer("costCents")
    if followers is not None and rate is not None:
        f.problems += check_influencer(followers, rate)
    if f.problems or id_ is None or handle is None or platform is None:
        return None
    assert followers is not None
    assert rate is not None
    return InfluencerRow(id_, handle, platform, followers, rate, cost)


def _partner_kind(value: str | None) -> PartnerKindName | None:
    for kind in PARTNER_KINDS:
        if kind == value:
            return kind
    return None


def _partner(f: _Fields) -> PartnerRow | None:
    id_, name, kind_text = f.ident("id"), f.text("name", required=True), f.text("kind")
    cost = f.integer("costCents")
    kind = _partner_kind(kind_text)
    if kind is None:
        f.problems.append(Problem("kind", f"must be one of {', '.join(PARTNER_KINDS)}"))
    if f.problems or id_ is None or name is None or kind is None:
        return None
    return PartnerRow(id_, name, kind, cost)


def _campaign(f: _Fields) -> CampaignRow | None:
    id_, name = f.ident("id"), f.text("name", required=True)
    source, medium, campaign = f.text("utmSource"), f.text("utmMedium"), f.text("utmCampaign")
    if f.problems or id_ is None or name is None:
        return None
    return CampaignRow(id_, name, source, medium, campaign)


def _user(f: _Fields) -> UserRow | None:
    id_, name = f.text("id", required=True), f.text("name", required=True)
    email = f.text("email", required=True)
    at = f.time("signedUpAt")
    country, plan, channel = f.text("country"), f.text("plan"), f.text("channel")
    campaign, ip_hash, device_hash = f.text("campaignId"), f.text("ipHash"), f.text("deviceHash")
    if f.problems or id_ is None or name is None or email is None or at is None:
        return None
    f.problems += check_sign_up(
        id=id_,
        name=name,
        email=email,
        signed_up_at=at,
        country=country,
        plan=plan,
        referrer_id=None,
        channel=channel,
        campaign_id=campaign,
    )
    if f.problems:
        return None
    return UserRow(
        id=id_,
        name=name,
        email=email,
        signed_up_at=at,
        country=country,
        plan=plan,
        channel=channel,
        campaign_id=campaign,
        ip_hash=ip_hash,
        device_hash=device_hash,
    )


def _referral(f: _Fields) -> ReferralRow | None:
    user, kind, referrer = f.ident("userId"), f.referrer_kind("referrerKind"), f.ident("referrerId")
    channel, campaign = f.text("channel"), f.ident("campaignId", required=False)
    if f.problems or user is None or kind is None or referrer is None:
        return None
    if kind == "USER" and referrer == user:
        f.problems.append(Problem("referrerId", "a user cannot refer themselves"))
        return None
    return ReferralRow(user, kind, referrer, channel, campaign)


def _invite(f: _Fields) -> ImportInvite | None:
    id_, kind, referrer = f.ident("id"), f.referrer_kind("referrerKind"), f.ident("referrerId")
    at, channel = f.time("at"), f.text("channel")
    campaign, accepted = (
        f.ident("campaignId", required=False),
        f.ident("acceptedBy", required=False),
    )
    if f.problems or id_ is None or kind is None or referrer is None or at is None:
        return None
    return ImportInvite(id_, kind, referrer, at, channel, campaign, accepted)


def _conversion(f: _Fields) -> ConversionRow | None:
    id_, user, at = f.ident("id"), f.ident("userId"), f.time("at")
    revenue, plan = f.integer("revenueCents", required=True), f.text("plan")
    if f.problems or id_ is None or user is None or at is None or revenue is None:
        return None
    return ConversionRow(id_, user, at, revenue, plan)


def _connection(f: _Fields) -> ConnectionRow | None:
    a, b, at = f.ident("a"), f.ident("b"), f.time("at", required=False)
    if f.problems or a is None or b is None:
        return None
    if a == b:
        f.problems.append(Problem("b", "a user cannot be connected to themselves"))
        return None
    return ConnectionRow(min(a, b), max(a, b), at)


_PARSERS: dict[KindName, Callable[[_Fields], Parsed | None]] = {
    "influencers": _influencer,
    "partners": _partner,
    "campaigns": _campaign,
    "users": _user,
    "referrals": _referral,
    "invites": _invite,
    "conversions": _conversion,
    "connections": _connection,
}


def reason(problems: list[Problem]) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in problems)


def parse(kind: KindName, values: dict[str, Any]) -> Parsed | str:
    """The typed row, or the reason it is rejected."""
    fields = _Fields(values)
    row = _PARSERS[kind](fields)
    if row is None:
        return reason(fields.problems) or "invalid row"
    return row


# --- the fast path for CSV cells ---------------------------------------------------------------
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
    if _VALID_ID.match(value) is None:
        raise _DECLINE
    return value


def _required_id(value: str) -> str:
    if _VALID_ID.match(value) is None:
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

    def make(cells: list[str]) -> UserRow:
        id_, name, email, at, country, plan, channel, campaign, ip, device = pick(cells)
        if (
            not 0 < len(name) <= MAX_TEXT_LENGTH
            or name.isspace()
            or len(email) > MAX_TEXT_LENGTH
            or not plain_email(email)
            or (country and not country_code(country))
        ):
            raise _DECLINE
        return UserRow(
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
        )

    return _declining(make)


def _fast_referrals(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("userId", "referrerKind", "referrerId", "channel", "campaignId"))

    def make(cells: list[str]) -> ReferralRow:
        user, kind, referrer, channel, campaign = pick(cells)
        if referrer == user and kind == "USER":
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

    def make(cells: list[str]) -> ConversionRow:
        id_, user, at, revenue, plan = pick(cells)
        if not (revenue.isascii() and revenue.isdigit()):
            raise _DECLINE
        return ConversionRow(
            _required_id(id_), _required_id(user), _time(at), int(revenue), _text(plan)
        )

    return _declining(make)


def _fast_connections(names: Sequence[str]) -> FastParser:
    pick = _cells(names, ("a", "b", "at"))

    def make(cells: list[str]) -> ConnectionRow:
        a, b, at_text = pick(cells)
        if a == b:
            raise _DECLINE
        _required_id(a)
        _required_id(b)
        at = _time(at_text) if at_text else None
        return ConnectionRow(a, b, at) if a < b else ConnectionRow(b, a, at)

    return _declining(make)


USER_COLUMNS = ("id", "name", "email", "signedUpAt", "country", "plan", "channel", "campaignId",
                "ipHash", "deviceHash")  # fmt: skip


_FAST: dict[KindName, Callable[[Sequence[str]], FastParser]] = {
    "users": _fast_users,
    "referrals": _fast_referrals,
    "invites": _fast_invites,
    "conversions": _fast_conversions,
    "connections": _fast_connections,
}


def fast_parser(kind: KindName, names: Sequence[str]) -> FastParser | None:
    """The fast path for CSV records of ``kind`` with these column names (None: kinds whose files
    are small use ``parse`` alone)."""
    make = _FAST.get(kind)
    return None if make is None else make(names)
