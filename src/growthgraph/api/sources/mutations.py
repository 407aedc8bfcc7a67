"""Root fields that register sources (``createInfluencer``, ``createPartner``,
``createCampaign``) and record what they cost (``recordCost``). Each is idempotent: an identical
repeat returns the stored entity."""

from __future__ import annotations

from datetime import UTC

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.enums import COST_KINDS, CostSourceKind
from growthgraph.api.errors import error_for, id_conflict, invalid_input
from growthgraph.api.sources.errors import COST_ERRORS, RecordCostResult
from growthgraph.api.sources.types import (
    Cost,
    CreateCampaignInput,
    CreateCampaignResult,
    CreateCampaignSuccess,
    CreateInfluencerInput,
    CreateInfluencerResult,
    CreateInfluencerSuccess,
    CreatePartnerInput,
    CreatePartnerResult,
    CreatePartnerSuccess,
    RecordCostInput,
    RecordCostSuccess,
)
from growthgraph.api.types import campaign, influencer, partner
from growthgraph.graph import sources
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.validation import (
    check_aware,
    check_cents,
    check_id,
    check_influencer,
    check_text,
)


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


def _cost(r: sources.CostRecord) -> Cost:
    return Cost(
        id=strawberry.ID(r.id),
        source_kind=CostSourceKind(r.source_kind),
        source_id=strawberry.ID(r.source_id),
        amount_cents=r.amount_cents,
        at=r.at,
        note=r.note,
    )


async def record_cost(info: Info, input: RecordCostInput) -> RecordCostResult:
    problems = (
        check_id("id", str(input.id))
        + check_id("source.id", str(input.source.id))
        + check_cents("amountCents", input.amount_cents)
        + check_aware("at", input.at)
        + check_text("note", input.note, required=False)
    )
    if problems:
        return invalid_input(problems)
    out = await sources.record_cost(
        info.context.db,
        id=str(input.id),
        source_kind=COST_KINDS[input.source.kind],
        source_id=str(input.source.id),
        at=input.at.astimezone(UTC),
        amount_cents=input.amount_cents,
        note=input.note,
    )
    if isinstance(out, Written):
        return RecordCostSuccess(cost=_cost(out.record), created=out.created)
    return error_for(COST_ERRORS, out)


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
    record_cost: RecordCostResult = strawberry.field(
        resolver=record_cost,
        description="Record money spent on an influencer, partner or campaign at an instant. "
        "Windowed figures (cost per acquisition, return on spend) count the entries dated in "
        "their window. Repeating an identical call returns the stored entry; another entry "
        "under the same id, or the same id on another source, is an ID_CONFLICT; an unknown "
        "influencer or partner is UNKNOWN_REFERRER, an unknown campaign UNKNOWN_CAMPAIGN.",
    )
