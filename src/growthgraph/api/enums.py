"""Enumerations of the public schema, and the referrer kinds between the schema and the graph."""

from __future__ import annotations

from enum import Enum

import strawberry

from growthgraph.graph.labels import CostSourceName, Kind


@strawberry.enum(description="What kind of source referred a user.")
class ReferrerKind(Enum):
    USER = "USER"
    INFLUENCER = "INFLUENCER"
    PARTNER = "PARTNER"


@strawberry.enum(description="What a cost can be spent on: an influencer, partner or campaign.")
class CostSourceKind(Enum):
    INFLUENCER = "INFLUENCER"
    PARTNER = "PARTNER"
    CAMPAIGN = "CAMPAIGN"


COST_KINDS: dict[CostSourceKind, CostSourceName] = {
    CostSourceKind.INFLUENCER: "INFLUENCER",
    CostSourceKind.PARTNER: "PARTNER",
    CostSourceKind.CAMPAIGN: "CAMPAIGN",
}


@strawberry.enum(description="The kind of partnership a partner has with the business.")
class PartnerKind(Enum):
    APP_MARKETPLACE = "app-marketplace"
    AFFILIATE = "affiliate"
    CO_MARKETING = "co-marketing"
    ALLIANCE = "alliance"
    RESELLER = "reseller"


@strawberry.enum(
    description="Stable codes of the errors a mutation can return. Clients branch on these, "
    "never on messages."
)
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    ID_CONFLICT = "ID_CONFLICT"
    UNKNOWN_REFERRER = "UNKNOWN_REFERRER"
    UNKNOWN_CAMPAIGN = "UNKNOWN_CAMPAIGN"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    SIGN_UP_BEFORE_REFERRER = "SIGN_UP_BEFORE_REFERRER"
    UNKNOWN_USER = "UNKNOWN_USER"
    SELF_CONNECTION = "SELF_CONNECTION"
    UNKNOWN_INVITE = "UNKNOWN_INVITE"
    INVITE_ALREADY_ACCEPTED = "INVITE_ALREADY_ACCEPTED"
    INVITE_REFERRER_MISMATCH = "INVITE_REFERRER_MISMATCH"
    SIGN_UP_BEFORE_INVITE = "SIGN_UP_BEFORE_INVITE"
    INVITE_BEFORE_SENDER = "INVITE_BEFORE_SENDER"
    CONVERSION_BEFORE_SIGN_UP = "CONVERSION_BEFORE_SIGN_UP"
    ACTIVITY_BEFORE_SIGN_UP = "ACTIVITY_BEFORE_SIGN_UP"
    UNKNOWN_REWARD_RULE = "UNKNOWN_REWARD_RULE"
    PERIOD_OVERLAP = "PERIOD_OVERLAP"
    PERIOD_TOO_LARGE = "PERIOD_TOO_LARGE"
    UNKNOWN_REWARD = "UNKNOWN_REWARD"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ANALYSIS_RUNNING = "ANALYSIS_RUNNING"
    USER_ERASED = "USER_ERASED"


# The referrer kinds of the schema and of the graph, one to one.
TO_KIND: dict[ReferrerKind, Kind] = {
    ReferrerKind.USER: Kind.USER,
    ReferrerKind.INFLUENCER: Kind.INFLUENCER,
    ReferrerKind.PARTNER: Kind.PARTNER,
}
FROM_KIND: dict[Kind, ReferrerKind] = {v: k for k, v in TO_KIND.items()}
