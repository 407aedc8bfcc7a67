"""Root fields of the fraud signals: one referrer's downline examined, and the velocity bursts of
every referrer in a period."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from growthgraph.api.arguments import (
    BURST_LIMIT,
    BURST_MIN,
    BURST_WINDOW,
    CAP,
    CASCADE_DEPTH,
    FRAUD_USERS,
    MIN_SIGN_UPS,
    SIGNAL_LIMIT,
    WINDOW_MINUTES,
    check,
)
from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND
from growthgraph.api.fraud.types import (
    CapExceeded,
    CapPeriod,
    FraudReport,
    HashKind,
    NearDuplicateGroup,
    SharedHash,
    SharedHashCluster,
    VelocityBurst,
)
from growthgraph.api.types import ReferrerRef, User, referrer, user
from growthgraph.api.window import AsOf, require_offset, resolve_as_of
from growthgraph.errors import BadUserInputError
from growthgraph.graph import fraud, referrals
from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.records import ReferrerRecord, UserRecord

MAX_MEMBERS = 100


def _burst(
    b: fc.Burst,
    referrers: Mapping[fc.NodeKey, ReferrerRecord],
    users: Mapping[str, UserRecord],
    at: datetime,
) -> VelocityBurst:
    return VelocityBurst(
        as_of=at,
        score=b.score,
        referrer=referrer(referrers[b.referrer]),
        window_start=b.start,
        window_end=b.end,
        sign_ups=len(b.members),
        users=[user(users[i]) for i in b.members[:MAX_MEMBERS]],
    )


async def fraud_signals(
    info: Info,
    # `root` is reserved by Strawberry for the parent value, so the parameter is renamed.
    top: Annotated[
        ReferrerRef,
        strawberry.argument(name="root", description="The referrer whose downline is examined."),
    ],
    max_depth: Annotated[int, CASCADE_DEPTH.argument()] = referrals.DEFAULT_CASCADE_DEPTH,
    max_users: Annotated[int, FRAUD_USERS.argument()] = 5_000,
    burst_window_minutes: Annotated[int, BURST_WINDOW.argument()] = 60,
    burst_min_sign_ups: Annotated[int, BURST_MIN.argument()] = 5,
    cap: Annotated[int, CAP.argument()] = 50,
    cap_period: Annotated[
        CapPeriod, strawberry.argument(description="The period the cap applies to.")
    ] = CapPeriod.DAY,
    limit: Annotated[int, SIGNAL_LIMIT.argument()] = 20,
    as_of: AsOf = None,
) -> FraudReport | None:
    at = resolve_as_of(as_of, now=info.context.now())
    check(
        (CASCADE_DEPTH, max_depth),
        (FRAUD_USERS, max_users),
        (BURST_WINDOW, burst_window_minutes),
        (BURST_MIN, burst_min_sign_ups),
        (CAP, cap),
        (SIGNAL_LIMIT, limit),
    )
    report = await fraud.fraud_signals(
        info.context.db,
        TO_KIND[top.kind],
        str(top.id),
        max_depth=max_depth,
        max_users=max_users,
        window=timedelta(minutes=burst_window_minutes),
        min_sign_ups=burst_min_sign_ups,
        cap=cap,
        period=fc.Period(cap_period.value),
        as_of=at,
    )
    if report is None:
        return None

    def members(ids: tuple[str, ...]) -> list[User]:
        return [user(report.users[i]) for i in ids[:MAX_MEMBERS]]

    return FraudReport(
        as_of=at,
        root=referrer(report.root),
        downline_size=report.downline,
        truncated=report.truncated,
        shared_hash_clusters=[
            SharedHashCluster(
                score=c.score,
                size=len(c.members),
                members=members(c.members),
                shared_hashes=[
                    SharedHash(kind=HashKind(k), hash=h, users=n) for k, h, n in c.hashes
                ],
            )
            for c in report.clusters[:limit]
        ],
        velocity_bursts=[
            _burst(b, report.referrers, report.users, at) for b in report.bursts[:limit]
        ],
        caps_exceeded=[
            CapExceeded(
                score=c.score,
                referrer=referrer(report.referrers[c.referrer]),
                period_start=c.period_start,
                sign_ups=c.sign_ups,
                cap=cap,
                over_cap=members(c.over_cap),
            )
            for c in report.caps[:limit]
        ],
        near_duplicates=[
            NearDuplicateGroup(
                score=g.score,
                size=len(g.members),
                members=members(g.members),
                keys=list(g.reasons),
            )
            for g in report.duplicates[:limit]
        ],
    )


async def velocity_bursts(
    info: Info,
    since: Annotated[
        datetime, strawberry.argument(description="Count sign-ups at or after this instant.")
    ],
    until: Annotated[
        datetime,
        strawberry.argument(
            description="Count sign-ups before this instant; at most 31 days after `since`."
        ),
    ],
    window_minutes: Annotated[int, WINDOW_MINUTES.argument()] = 60,
    min_sign_ups: Annotated[int, MIN_SIGN_UPS.argument()] = 5,
    limit: Annotated[int, BURST_LIMIT.argument()] = 20,
    as_of: AsOf = None,
) -> list[VelocityBurst]:
    require_offset("since", since)
    require_offset("until", until)
    at = resolve_as_of(as_of, now=info.context.now())
    if not timedelta(0) < until - since <= fraud.MAX_PERIOD:
        raise BadUserInputError("`until` must be after `since` and at most 31 days later")
    check((WINDOW_MINUTES, window_minutes), (MIN_SIGN_UPS, min_sign_ups), (BURST_LIMIT, limit))
    try:
        found = await fraud.bursts_in_period(
            info.context.db,
            since=since,
            until=until,
            window=timedelta(minutes=window_minutes),
            min_sign_ups=min_sign_ups,
            as_of=at,
        )
    except fraud.TooManySignUpsError as exc:
        raise BadUserInputError(f"{exc}; narrow the period") from exc
    return [_burst(b, found.referrers, found.users, at) for b in found.bursts[:limit]]


@strawberry.type
class FraudQuery:
    fraud_signals: FraudReport | None = strawberry.field(
        resolver=fraud_signals,
        description="Fraud signals over the downline under one referrer (users up to "
        "`maxDepth` REFERRED hops below it), each with its evidence and a score: clusters of "
        "users sharing IP or device hashes, velocity bursts of direct sign-ups under one "
        "referrer, referral caps exceeded per period, and near-duplicate identities. Each "
        "list holds at most `limit` entries and each entry at most 100 users. Taken as of "
        "`asOf` (default now): users who signed up after it are not in the downline. Null if "
        "the referrer does not exist.",
    )
    velocity_bursts: list[VelocityBurst] = strawberry.field(
        resolver=velocity_bursts,
        description="Velocity bursts of every referrer (user, influencer or partner) over the "
        "sign-ups in [since, until), a period of at most 31 days holding at most 50,000 "
        "sign-ups: for each referrer, the window of `windowMinutes` starting at one of its "
        "direct referrals' sign-ups (start inclusive, end exclusive) that holds the most of "
        "them, reported when it holds at least `minSignUps`. Highest score (sign-ups in the "
        "window / `minSignUps`) first, ties by referrer id. Sign-ups outside the period, or "
        "after `asOf` (default now), do not count.",
    )
