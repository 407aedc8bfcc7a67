"""Root fields of the multi-hop referral reads: who drove the most sign-ups at a degree, how a
cascade grew level by level, and to whom a user is ultimately attributed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.arguments import CASCADE_DEPTH, DEGREE, TOP_LIMIT, check
from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND, ReferrerKind
from growthgraph.api.referrals.types import CascadeLevel, ReferralCascade, ReferrerSignUps
from growthgraph.api.types import Referrer, Root, referrer
from growthgraph.api.window import AsOf, check_since_until, resolve_as_of
from growthgraph.graph import referrals


async def top_referrers(
    info: Info,
    degree: Annotated[int, DEGREE.argument()],
    limit: Annotated[int, TOP_LIMIT.argument()] = 10,
    since: Annotated[
        datetime | None,
        strawberry.argument(description="Count only sign-ups at or after this instant."),
    ] = None,
    until: Annotated[
        datetime | None, strawberry.argument(description="Count only sign-ups before this instant.")
    ] = None,
    kinds: Annotated[
        list[ReferrerKind] | None,
        strawberry.argument(
            description="Rank only referrers of these kinds; all kinds if omitted."
        ),
    ] = None,
) -> list[ReferrerSignUps]:
    check((DEGREE, degree), (TOP_LIMIT, limit))
    check_since_until(since, until)
    wanted = list(ReferrerKind) if kinds is None else list(dict.fromkeys(kinds))
    rows = await referrals.top_referrers(
        info.context.db,
        degree=degree,
        limit=limit,
        since=since,
        until=until,
        kinds=[TO_KIND[k] for k in wanted],
        use_counters=info.context.settings.referral_counters,
    )
    return [ReferrerSignUps(referrer=referrer(r.referrer), sign_ups=r.sign_ups) for r in rows]


async def referral_cascade(
    info: Info,
    top: Root,
    max_depth: Annotated[int, CASCADE_DEPTH.argument()] = referrals.DEFAULT_CASCADE_DEPTH,
    as_of: AsOf = None,
) -> ReferralCascade | None:
    CASCADE_DEPTH.check(max_depth)
    at = resolve_as_of(as_of, now=info.context.now())
    found = await referrals.cascade(
        info.context.db, TO_KIND[top.kind], str(top.id), max_depth=max_depth, as_of=at
    )
    if found is None:
        return None
    return ReferralCascade(
        as_of=at,
        root=referrer(found.root),
        total=found.total,
        depth=found.depth,
        levels=[CascadeLevel(depth=lv.depth, sign_ups=lv.sign_ups) for lv in found.levels],
    )


async def attribution_path(info: Info, user_id: strawberry.ID) -> list[Referrer] | None:
    chain = await referrals.attribution_path(info.context.db, str(user_id))
    return None if chain is None else [referrer(r) for r in chain]


@strawberry.type
class ReferralsQuery:
    top_referrers: list[ReferrerSignUps] = strawberry.field(
        resolver=top_referrers,
        description="The referrers with the most sign-ups exactly `degree` REFERRED hops below "
        "them, most first. Degree 1 counts direct referrals; degree 2 counts second-degree "
        "sign-ups (users referred by the referrer's referees). With `since`/`until`, only users "
        "whose `signedUpAt` lies in [since, until) count. Referrers with no such sign-up are "
        "omitted; ties are broken by id ascending, then by kind.",
    )
    referral_cascade: ReferralCascade | None = strawberry.field(
        resolver=referral_cascade,
        description="The cascade under a root referrer: how many users it brought in at every "
        "level, its size (the users below the root, the root not counted) and depth, down to "
        "`maxDepth` levels. As of `asOf` (default now): users who signed up after it are left "
        "out. Null if the root does not exist.",
    )
    attribution_path: list[Referrer] | None = strawberry.field(
        resolver=attribution_path,
        description="The chain of referrers above a user, nearest first: its direct referrer, "
        "that referrer's referrer, and so on up to the root source (the last element), to which "
        "the user is ultimately attributed. Empty for an organic user; null if the user does "
        "not exist. A chain of more than 1,000 referrals is refused (CHAIN_TOO_LONG) rather "
        "than shown as organic.",
    )
