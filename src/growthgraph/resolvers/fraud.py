"""Resolver of the fraud signals: check the bounds, read the downline once, map the report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import fraud
from growthgraph.graph import fraud_compute as fc
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.schema.fraud import (
    CapExceeded,
    CapPeriod,
    FraudReport,
    HashKind,
    NearDuplicateGroup,
    SharedHash,
    SharedHashCluster,
    VelocityBurst,
)
from growthgraph.schema.inputs import ReferrerRef
from growthgraph.schema.types import User
from growthgraph.validation import check_aware

Ctx = Info[Context, None]
MAX_LIST = 100
MAX_WINDOW_MINUTES = 60 * 24 * 31
MAX_MEMBERS = 100


def _check(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise BadUserInputError(f"`{name}` must be between {low} and {high}")


async def fraud_signals(
    info: Ctx,
    # `root` is reserved by Strawberry for the parent value, so the parameter is renamed.
    top: Annotated[
        ReferrerRef,
        strawberry.argument(name="root", description="The referrer whose downline is examined."),
    ],
    max_depth: Annotated[
        int,
        strawberry.argument(
            description=f"Levels below the root to examine, 1 to {fraud.MAX_DEPTH}."
        ),
    ] = 10,
    max_users: Annotated[
        int,
        strawberry.argument(
            description=f"Most users to examine, 1 to {fraud.MAX_USERS} (earliest sign-ups first)."
        ),
    ] = 5_000,
    burst_window_minutes: Annotated[
        int,
        strawberry.argument(
            description=f"Length of a velocity window in minutes, 1 to {MAX_WINDOW_MINUTES}."
        ),
    ] = 60,
    burst_min_sign_ups: Annotated[
        int,
        strawberry.argument(
            description="Direct sign-ups under one referrer within one window that make a "
            "burst, 2 to 10000."
        ),
    ] = 5,
    cap: Annotated[
        int,
        strawberry.argument(
            description="Most direct referrals one referrer may bring per period, 1 to 100000."
        ),
    ] = 50,
    cap_period: Annotated[
        CapPeriod, strawberry.argument(description="The period the cap applies to.")
    ] = CapPeriod.DAY,
    limit: Annotated[
        int,
        strawberry.argument(description=f"Most entries per signal list, 1 to {MAX_LIST}."),
    ] = 20,
) -> FraudReport | None:
    _check("maxDepth", max_depth, 1, fraud.MAX_DEPTH)
    _check("maxUsers", max_users, 1, fraud.MAX_USERS)
    _check("burstWindowMinutes", burst_window_minutes, 1, MAX_WINDOW_MINUTES)
    _check("burstMinSignUps", burst_min_sign_ups, 2, 10_000)
    _check("cap", cap, 1, 100_000)
    _check("limit", limit, 1, MAX_LIST)
    report = await fraud.fraud_signals(
        info.context.db,
        mapping.TO_KIND[top.kind],
        str(top.id),
        max_depth=max_depth,
        max_users=max_users,
        window=timedelta(minutes=burst_window_minutes),
        min_sign_ups=burst_min_sign_ups,
        cap=cap,
        period=fc.Period(cap_period.value),
    )
    if report is None:
        return None

    def users(ids: tuple[str, ...]) -> list[User]:
        return [mapping.user(report.users[i]) for i in ids[:MAX_MEMBERS]]

    return FraudReport(
        root=mapping.referrer(report.root),
        downline_size=report.downline,
        truncated=report.truncated,
        shared_hash_clusters=[
            SharedHashCluster(
                score=c.score,
                size=len(c.members),
                members=users(c.members),
                shared_hashes=[
                    SharedHash(kind=HashKind(k), hash=h, users=n) for k, h, n in c.hashes
                ],
            )
            for c in report.clusters[:limit]
        ],
        velocity_bursts=[
            VelocityBurst(
                score=b.score,
                referrer=mapping.referrer(report.referrers[b.referrer]),
                window_start=b.start,
                window_end=b.end,
                sign_ups=len(b.members),
                users=users(b.members),
            )
            for b in report.bursts[:limit]
        ],
        caps_exceeded=[
            CapExceeded(
                score=c.score,
                referrer=mapping.referrer(report.referrers[c.referrer]),
                period_start=c.period_start,
                sign_ups=c.sign_ups,
                cap=cap,
                over_cap=users(c.over_cap),
            )
            for c in report.caps[:limit]
        ],
        near_duplicates=[
            NearDuplicateGroup(
                score=g.score,
                size=len(g.members),
                members=users(g.members),
                keys=list(g.reasons),
            )
            for g in report.duplicates[:limit]
        ],
    )


async def velocity_bursts(
    info: Ctx,
    since: Annotated[
        datetime, strawberry.argument(description="Count sign-ups at or after this instant.")
    ],
    until: Annotated[
        datetime,
        strawberry.argument(
            description="Count sign-ups before this instant; at most 31 days after `since`."
        ),
    ],
    window_minutes: Annotated[
        int,
        strawberry.argument(
            description=f"Length of a velocity window in minutes, 1 to {MAX_WINDOW_MINUTES}."
        ),
    ] = 60,
    min_sign_ups: Annotated[
        int,
        strawberry.argument(
            description="Direct sign-ups under one referrer within one window that make a "
            "burst, 2 to 10000."
        ),
    ] = 5,
    limit: Annotated[
        int, strawberry.argument(description=f"Most bursts to return, 1 to {MAX_LIST}.")
    ] = 20,
) -> list[VelocityBurst]:
    for name, value in (("since", since), ("until", until)):
        if check_aware(name, value):
            raise BadUserInputError(f"`{name}` must include a time zone offset")
    if not timedelta(0) < until - since <= fraud.MAX_PERIOD:
        raise BadUserInputError("`until` must be after `since` and at most 31 days later")
    _check("windowMinutes", window_minutes, 1, MAX_WINDOW_MINUTES)
    _check("minSignUps", min_sign_ups, 2, 10_000)
    _check("limit", limit, 1, MAX_LIST)
    try:
        found = await fraud.bursts_in_period(
            info.context.db,
            since=since,
            until=until,
            window=timedelta(minutes=window_minutes),
            min_sign_ups=min_sign_ups,
        )
    except fraud.TooManySignUpsError as exc:
        raise BadUserInputError(f"{exc}; narrow the period") from exc
    return [
        VelocityBurst(
            score=b.score,
            referrer=mapping.referrer(found.referrers[b.referrer]),
            window_start=b.start,
            window_end=b.end,
            sign_ups=len(b.members),
            users=[mapping.user(found.users[i]) for i in b.members[:MAX_MEMBERS]],
        )
        for b in found.bursts[:limit]
    ]
