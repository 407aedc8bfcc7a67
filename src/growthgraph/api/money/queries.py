"""Root fields of the money questions: ``sourceReturns`` (revenue, cost, rewards paid and ROI
per influencer, partner or campaign) and ``lifetimeValue`` (referred against organic).
Definitions are in the field descriptions and docs/metrics.md (Money)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.arguments import LTV_DAYS
from growthgraph.api.context import Info
from growthgraph.api.enums import COST_KINDS, CostSourceKind
from growthgraph.api.money import types as t
from growthgraph.api.types import campaign, referrer
from growthgraph.api.window import AsOf, From, To, resolve_as_of, window
from growthgraph.graph import money
from growthgraph.graph.records import CampaignRecord
from growthgraph.graph.referrals import EARLIEST, LATEST


def _return(r: money.SourceReturn, at: datetime) -> t.SourceReturn:
    source = campaign(r.source) if isinstance(r.source, CampaignRecord) else referrer(r.source)
    return t.SourceReturn(
        as_of=at,
        source=source,  # type: ignore[arg-type]  # never a User: sources are not users
        direct_sign_ups=r.direct_sign_ups,
        sign_ups=r.sign_ups,
        conversions=r.conversions,
        paying_users=r.paying_users,
        revenue_cents=r.revenue_cents,
        cost_cents=r.cost_cents,
        rewards_paid_cents=r.rewards_paid_cents,
        roi=r.roi,
        cost_per_acquisition_cents=r.cost_per_acquisition_cents,
        average_order_value_cents=r.average_order_value_cents,
    )


async def source_returns(
    info: Info,
    kind: Annotated[
        CostSourceKind, strawberry.argument(description="Influencers, partners or campaigns.")
    ],
    start: Annotated[
        datetime | None,
        strawberry.argument(name="from", description="Window start (inclusive), with an offset."),
    ] = None,
    end: Annotated[
        datetime | None,
        strawberry.argument(name="to", description="Window end (exclusive), with an offset."),
    ] = None,
    as_of: AsOf = None,
) -> list[t.SourceReturn]:
    lo, hi = window(start or EARLIEST, end or LATEST)
    at = resolve_as_of(as_of, now=info.context.now(), after=None if start is None else lo)
    rows = await money.source_returns(
        info.context.db,
        COST_KINDS[kind],
        start=lo,
        end=hi,
        undated=start is None and end is None,
        as_of=at,
    )
    return [_return(r, at) for r in rows]


def _figures(f: money.LtvFigures) -> t.LtvFigures:
    return t.LtvFigures(
        users=f.users,
        paying_users=f.paying_users,
        revenue_to_date_cents=f.revenue_to_date_cents,
        average_to_date_cents=f.average_to_date_cents,
        mature_users=f.mature_users,
        revenue_within_cents=f.revenue_within_cents,
        average_within_cents=f.average_within_cents,
    )


def _group(report: money.LtvReport, g: money.LtvGroup) -> t.LtvGroup:
    base = report.baseline(g)
    return t.LtvGroup(
        key=g.key,
        referred=_figures(g.referred),
        organic=_figures(g.organic),
        all=_figures(g.all),
        uplift_to_date=money.uplift(g.referred.average_to_date_cents, base.average_to_date_cents),
        uplift_within=money.uplift(g.referred.average_within_cents, base.average_within_cents),
    )


async def lifetime_value(
    info: Info,
    start: From,
    end: To,
    within_days: Annotated[int, LTV_DAYS.argument()] = 90,
    as_of: AsOf = None,
    group_by: Annotated[
        t.LtvGrouping, strawberry.argument(description="How to split the cohort.")
    ] = t.LtvGrouping.NONE,
) -> t.LifetimeValue:
    lo, hi = window(start, end)
    LTV_DAYS.check(within_days)
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
    report = await money.lifetime_value(
        info.context.db,
        start=lo,
        end=hi,
        as_of=at,
        days=within_days,
        grouping=money.LtvGrouping[group_by.name],
    )
    referred, organic = report.referred, report.organic
    grouped = group_by is not t.LtvGrouping.NONE
    return t.LifetimeValue(
        as_of=at,
        within_days=within_days,
        referred=_figures(referred),
        organic=_figures(organic),
        all=_figures(referred + organic),
        uplift_to_date=money.uplift(referred.average_to_date_cents, organic.average_to_date_cents),
        uplift_within=money.uplift(referred.average_within_cents, organic.average_within_cents),
        groups=[_group(report, g) for g in report.groups] if grouped else [],
    )


@strawberry.type
class MoneyQuery:
    source_returns: list[t.SourceReturn] = strawberry.field(
        resolver=source_returns,
        description="Return per source: for every influencer, partner or campaign (by id), its "
        "sign-ups, conversions, revenue, cost, rewards paid, ROI = (revenue - cost - rewards) / "
        "(cost + rewards), cost per acquisition and average order value, in `[from, to)` (all "
        "time without them), as of `asOf` (default now): sign-ups, conversions, costs and "
        "payments after it do not count. The per-campaign report is `kind: CAMPAIGN`.",
    )
    lifetime_value: t.LifetimeValue = strawberry.field(
        resolver=lifetime_value,
        description="Lifetime value of the users who signed up in `[from, to)`: revenue to "
        "date and within `withinDays` of sign-up, referred against organic (the uplift), "
        "optionally by source, campaign or sign-up cohort.",
    )
