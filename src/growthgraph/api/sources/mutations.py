"""Root fields that register sources: ``createInfluencer``, ``createPartner``,
``createCampaign``. Each is idempotent: an identical repeat returns the stored entity."""

from __future__ import annotations

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.errors import id_conflict, invalid_input
from growthgraph.api.sources.types import (
    CreateCampaignInput,
    CreateCampaignResult,
    CreateCampaignSuccess,
    CreateInfluencerInput,
    CreateInfluencerResult,
    CreateInfluencerSuccess,
    CreatePartnerInput,
    CreatePartnerResult,
    CreatePartnerSuccess,
)
from growthgraph.api.types import campaign, influencer, partner
from growthgraph.graph import sources
from growthgraph.graph.outcomes import IdConflict
from growthgraph.validation import check_cents, check_id, check_influencer, check_text


async def create_influencer(info: Info, input: CreateInfluencerInput) -> CreateInfluencerResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("handle", input.handle)
        + check_text("platform", input.platform)
        + check_influencer(input.followers, input.engagement_rate)
        + check_cents("costCents", input.cost_cents)
    )
    if problems:
        return invalid_input(problems)
    out = await sources.create_influencer(
        info.context.db,
        id=str(input.id),
        handle=input.handle,
        platform=input.platform,
        followers=input.followers,
        engagement_rate=input.engagement_rate,
        cost_cents=input.cost_cents,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreateInfluencerSuccess(influencer=influencer(out.record), created=out.created)


async def create_partner(info: Info, input: CreatePartnerInput) -> CreatePartnerResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("name", input.name)
        + check_cents("costCents", input.cost_cents)
    )
    if problems:
        return invalid_input(problems)
    out = await sources.create_partner(
        info.context.db,
        id=str(input.id),
        name=input.name,
        kind=input.kind.value,
        cost_cents=input.cost_cents,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreatePartnerSuccess(partner=partner(out.record), created=out.created)


async def create_campaign(info: Info, input: CreateCampaignInput) -> CreateCampaignResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("name", input.name)
        + check_text("utmSource", input.utm_source, required=False)
        + check_text("utmMedium", input.utm_medium, required=False)
        + check_text("utmCampaign", input.utm_campaign, required=False)
    )
    if problems:
        return invalid_input(problems)
    out = await sources.create_campaign(
        info.context.db,
        id=str(input.id),
        name=input.name,
        utm_source=input.utm_source,
        utm_medium=input.utm_medium,
        utm_campaign=input.utm_campaign,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreateCampaignSuccess(campaign=campaign(out.record), created=out.created)


@strawberry.type
class SourcesMutation:
    create_influencer: CreateInfluencerResult = strawberry.field(
        resolver=create_influencer, description="Register an influencer."
    )
    create_partner: CreatePartnerResult = strawberry.field(
        resolver=create_partner, description="Register a partner."
    )
    create_campaign: CreateCampaignResult = strawberry.field(
        resolver=create_campaign, description="Register a campaign."
    )
