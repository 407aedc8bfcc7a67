"""Root fields of the core model: entities, lists, multi-hop referral reads and the writes that
record sign-ups. Other domains add their own root types beside this module."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import mutations, queries
from growthgraph.schema.errors import (
    CreateCampaignResult,
    CreateInfluencerResult,
    CreatePartnerResult,
    RecordSignUpResult,
)
from growthgraph.schema.types import (
    Campaign,
    CampaignConnection,
    Influencer,
    InfluencerConnection,
    Partner,
    PartnerConnection,
    ReferralCascade,
    Referrer,
    ReferrerSignUps,
    User,
    UserConnection,
)


@strawberry.type(description="Reads. Lists are keyset-paginated by id.")
class CoreQuery:
    user: User | None = strawberry.field(
        resolver=queries.user, description="A user by id; null if there is none."
    )
    influencer: Influencer | None = strawberry.field(
        resolver=queries.influencer, description="An influencer by id; null if there is none."
    )
    partner: Partner | None = strawberry.field(
        resolver=queries.partner, description="A partner by id; null if there is none."
    )
    campaign: Campaign | None = strawberry.field(
        resolver=queries.campaign, description="A campaign by id; null if there is none."
    )
    users: UserConnection = strawberry.field(resolver=queries.users, description="All users by id.")
    influencers: InfluencerConnection = strawberry.field(
        resolver=queries.influencers, description="All influencers by id."
    )
    partners: PartnerConnection = strawberry.field(
        resolver=queries.partners, description="All partners by id."
    )
    campaigns: CampaignConnection = strawberry.field(
        resolver=queries.campaigns, description="All campaigns by id."
    )
    top_referrers: list[ReferrerSignUps] = strawberry.field(
        resolver=queries.top_referrers,
        description="The referrers with the most sign-ups exactly `degree` REFERRED hops below "
        "them, most first. Degree 1 counts direct referrals; degree 2 counts second-degree "
        "sign-ups (users referred by the referrer's referees). With `since`/`until`, only users "
        "whose `signedUpAt` lies in [since, until) count. Referrers with no such sign-up are "
        "omitted; ties are broken by id ascending, then by kind.",
    )
    referral_cascade: ReferralCascade | None = strawberry.field(
        resolver=queries.referral_cascade,
        description="The downline under a root referrer: how many users it brought in at every "
        "level, its total size and depth. Null if the root does not exist.",
    )
    attribution_path: list[Referrer] | None = strawberry.field(
        resolver=queries.attribution_path,
        description="The chain of referrers above a user, nearest first: its direct referrer, "
        "that referrer's referrer, and so on up to the root source (the last element), to which "
        "the user is ultimately attributed. Empty for an organic user; null if the user does "
        "not exist.",
    )


@strawberry.type(
    description="Writes. Each returns its success type or one of its own error types; on an error "
    "nothing is written, and repeating a call with the same input is safe."
)
class CoreMutation:
    create_influencer: CreateInfluencerResult = strawberry.field(
        resolver=mutations.create_influencer, description="Register an influencer."
    )
    create_partner: CreatePartnerResult = strawberry.field(
        resolver=mutations.create_partner, description="Register a partner."
    )
    create_campaign: CreateCampaignResult = strawberry.field(
        resolver=mutations.create_campaign, description="Register a campaign."
    )
    record_sign_up: RecordSignUpResult = strawberry.field(
        resolver=mutations.record_sign_up,
        description="Record a sign-up and, with a referrer, the referral that brought it in.",
    )
