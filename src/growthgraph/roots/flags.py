"""Root fields for fraud flags: the link from fraud signals to held rewards."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import flags
from growthgraph.schema.flags import FlagUserResult, UnflagUserResult


@strawberry.type(description="Fraud flags.")
class FlagsMutation:
    flag_user: FlagUserResult = strawberry.field(
        resolver=flags.flag_user,
        description="Flag a user as fraudulent after reviewing `fraudSignals` (admin). Every "
        "reward that flows through a flagged user is HELD by `runRewards` instead of PENDING, "
        "and can then only be rejected. The first flag is kept: repeating the call changes "
        "nothing.",
    )
    unflag_user: UnflagUserResult = strawberry.field(
        resolver=flags.unflag_user,
        description="Remove a user's fraud flag (admin); later reward runs treat the user as "
        "unflagged. Rewards already HELD stay held.",
    )
