"""Turn raw rows into typed rows, checking each field with ``growthgraph.validation``. A row with
any problem is not loaded; the problems become its reason in the rejects report."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from growthgraph import rules
from growthgraph.graph.activity import activity_key
from growthgraph.graph.labels import COST_SOURCE_LABELS, CostSourceName, ReferrerKindName
from growthgraph.graph.privacy import ERASED
from growthgraph.loading.dataset import (
    PARTNER_KINDS,
    CampaignRow,
    CostRow,
    InfluencerRow,
    PartnerKindName,
    PartnerRow,
)
from growthgraph.loading.files import KindName
from growthgraph.validation import (
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    Problem,
    check_id,
    check_influencer,
    check_kind,
    check_sign_up,
    check_text,
)

# The same rule as ``validation.check_id`` in one pattern, for the fast path; the slow path
# still asks ``check_id`` for the message.
VALID_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:@-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
REFERRER_KINDS: tuple[ReferrerKindName, ...] = ("USER", "INFLUENCER", "PARTNER")


# The rows of the big files are named tuples: millions of them are made, and a tuple is several
# times cheaper to build than a frozen dataclass.


class ImportUser(NamedTuple):
    """A user row (the fields of ``dataset.UserRow`` that a file can give)."""

    id: str
    name: str
    email: str
    signed_up_at: datetime  # timezone-aware, UTC
    country: str | None = None
    plan: str | None = None
    channel: str | None = None
    campaign_id: str | None = None
    ip_hash: str | None = None  # already keyed-hashed
    device_hash: str | None = None
    # The consent flags ``setConsent`` records, and when (all three, or none: none recorded).
    consent_marketing: bool | None = None
    consent_analytics: bool | None = None
    consent_updated_at: datetime | None = None
    erased_at: datetime | None = None  # when ``eraseUser`` erased the user


class ReferralRow(NamedTuple):
    """``referrer`` brought ``user_id`` in; the edge's time is the user's sign-up time."""

    user_id: str
    referrer_kind: ReferrerKindName
    referrer_id: str
    channel: str | None = None
    campaign_id: str | None = None


class ImportInvite(NamedTuple):
    """An invite, and the user who accepted it (if any)."""

    id: str
    referrer_kind: ReferrerKindName
    referrer_id: str
    at: datetime
    channel: str | None = None
    campaign_id: str | None = None
    accepted_by: str | None = None


class ImportConversion(NamedTuple):
    id: str
    user_id: str
    at: datetime
    revenue_cents: int
    plan: str | None = None


class ImportActivity(NamedTuple):
    """A user was active (``recordActivity``); identified by all three values."""

    user_id: str
    at: datetime
    kind: str

    @property
    def key(self) -> str:
        return activity_key(self.user_id, self.at, self.kind)


class ImportConnection(NamedTuple):
    """Undirected; stored with the smaller id as ``a``."""

    a: str
    b: str
    at: datetime | None = None


Parsed = (
    InfluencerRow
    | PartnerRow
    | CampaignRow
    | ImportUser
    | ReferralRow
    | ImportInvite
    | ImportConversion
    | ImportActivity
    | ImportConnection
    | CostRow
)


class _Fields:
    """Typed access to one raw row that collects every problem instead of stopping at the first."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.problems: list[Problem] = []
        self.refusal: rules.Refusal | None = None  # a refusal beyond the fields' own checks

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
        if type(value) is str and VALID_ID.match(value):
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

    def boolean(self, name: str) -> bool | None:
        """An optional flag: JSON ``true``/``false``, or the text ``true``/``false``."""
        value = self.values.get(name)
        if value is None or isinstance(value, bool):
            return value
        if value == "true":
            return True
        if value == "false":
            return False
        self.problems.append(Problem(name, "must be true or false"))
        return None

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


CONSENT_COLUMNS = ("consentMarketing", "consentAnalytics", "consentUpdatedAt")


def consent_problems(
    values: tuple[bool | None, bool | None, datetime | None], erased_at: datetime | None
) -> list[Problem]:
    """The consent and erasure columns together, as ``setConsent`` and ``eraseUser`` leave a
    user: both flags and their time, or none of them; an erasure clears both flags (false) no
    later than it happened, and consent never changes after it."""
    given = [name for name, v in zip(CONSENT_COLUMNS, values, strict=True) if v is not None]
    if given and len(given) < len(CONSENT_COLUMNS):
        missing = ", ".join(n for n in CONSENT_COLUMNS if n not in given)
        text = "consentMarketing, consentAnalytics and consentUpdatedAt go together "
        return [Problem(missing, text + "(setConsent records both flags and when)")]
    if erased_at is None:
        return []
    marketing, analytics, updated_at = values
    if marketing is not False or analytics is not False or updated_at is None:
        return [
            Problem("erasedAt", "an erased user's consent flags are cleared: both false, dated")
        ]
    if updated_at > erased_at:
        return [Problem("consentUpdatedAt", "is after erasedAt: an erased user's consent stays")]
    return []


def _user(f: _Fields) -> ImportUser | None:
    id_, name = f.text("id", required=True), f.text("name", required=True)
    email = f.text("email", required=True)
    at = f.time("signedUpAt")
    country, plan, channel = f.text("country"), f.text("plan"), f.text("channel")
    campaign, ip_hash, device_hash = f.text("campaignId"), f.text("ipHash"), f.text("deviceHash")
    marketing, analytics = f.boolean("consentMarketing"), f.boolean("consentAnalytics")
    consent_at = f.time("consentUpdatedAt", required=False)
    erased_at = f.time("erasedAt", required=False)
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
    if name == email == ERASED:
        # A user erased by ``eraseUser`` (as an export writes it): no email address is left.
        f.problems = [p for p in f.problems if p.field != "email"]
    elif erased_at is not None:
        f.problems.append(Problem("erasedAt", f"an erased user's name and email are {ERASED}"))
    if erased_at is not None and (country or ip_hash or device_hash):
        text = "an erased user has no country, ipHash or deviceHash (eraseUser removes them)"
        f.problems.append(Problem("erasedAt", text))
    f.problems += consent_problems((marketing, analytics, consent_at), erased_at)
    if f.problems:
        return None
    return ImportUser(
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
        consent_marketing=marketing,
        consent_analytics=analytics,
        consent_updated_at=consent_at,
        erased_at=erased_at,
    )


def _referral(f: _Fields) -> ReferralRow | None:
    user, kind, referrer = f.ident("userId"), f.referrer_kind("referrerKind"), f.ident("referrerId")
    channel, campaign = f.text("channel"), f.ident("campaignId", required=False)
    if f.problems or user is None or kind is None or referrer is None:
        return None
    if rules.is_self_referral(user, kind == "USER", referrer):
        f.refusal = rules.Refusal(rules.Code.SELF_REFERRAL, "a user cannot refer themselves")
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


def _conversion(f: _Fields) -> ImportConversion | None:
    id_, user, at = f.ident("id"), f.ident("userId"), f.time("at")
    revenue, plan = f.integer("revenueCents", required=True), f.text("plan")
    if f.problems or id_ is None or user is None or at is None or revenue is None:
        return None
    return ImportConversion(id_, user, at, revenue, plan)


def _activity(f: _Fields) -> ImportActivity | None:
    user, at, kind = f.ident("userId"), f.time("at"), f.text("kind", required=True)
    if kind is not None:
        f.problems += check_kind("kind", kind)
    if f.problems or user is None or at is None or kind is None:
        return None
    return ImportActivity(user, at, kind)


def _connection(f: _Fields) -> ImportConnection | None:
    a, b, at = f.ident("a"), f.ident("b"), f.time("at", required=False)
    if f.problems or a is None or b is None:
        return None
    if rules.is_self_connection(a, b):
        f.refusal = rules.Refusal(
            rules.Code.SELF_CONNECTION, "a user cannot be connected to themselves"
        )
        return None
    return ImportConnection(min(a, b), max(a, b), at)


def _cost_source(f: _Fields) -> CostSourceName | None:
    value = f.text("sourceKind", required=True)
    if value is None:
        return None
    for kind in COST_SOURCE_LABELS:
        if kind == value:
            return kind
    f.problems.append(Problem("sourceKind", f"must be one of {', '.join(COST_SOURCE_LABELS)}"))
    return None


def _cost(f: _Fields) -> CostRow | None:
    id_, kind, source = f.ident("id"), _cost_source(f), f.ident("sourceId")
    at, amount, note = f.time("at"), f.integer("amountCents", required=True), f.text("note")
    if f.problems or id_ is None or kind is None or source is None or at is None:
        return None
    assert amount is not None
    return CostRow(id_, kind, source, at, amount, note)


_PARSERS: dict[KindName, Callable[[_Fields], Parsed | None]] = {
    "influencers": _influencer,
    "partners": _partner,
    "campaigns": _campaign,
    "users": _user,
    "referrals": _referral,
    "invites": _invite,
    "conversions": _conversion,
    "activities": _activity,
    "connections": _connection,
    "costs": _cost,
}


def reason(problems: list[Problem]) -> str:
    """The rejects report's reason for rows with bad fields: INVALID_INPUT, as the mutations
    answer, then every problem."""
    text = "; ".join(f"{p.field}: {p.message}" for p in problems) or "invalid row"
    return str(rules.Refusal(rules.Code.INVALID_INPUT, text))


def parse(kind: KindName, values: dict[str, Any]) -> Parsed | str:
    """The typed row, or the reason it is rejected (``CODE: ...``, see ``growthgraph.rules``)."""
    fields = _Fields(values)
    row = _PARSERS[kind](fields)
    if row is None:
        if fields.refusal is not None and not fields.problems:
            return str(fields.refusal)
        return reason(fields.problems)
    return row
