"""Root fields of the social graph: people a user may know."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import EVIDENCE, SUGGESTIONS, check
from growthgraph.api.context import Info
from growthgraph.api.network.types import PersonYouMayKnow
from growthgraph.api.types import user
from growthgraph.graph import network


async def people_you_may_know(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user to suggest for.")],
    limit: Annotated[int, SUGGESTIONS.argument()] = 10,
    evidence: Annotated[int, EVIDENCE.argument()] = 5,
) -> list[PersonYouMayKnow] | None:
    check((SUGGESTIONS, limit), (EVIDENCE, evidence))
    found = await network.people_you_may_know(
        info.context.db, str(user_id), limit=limit, evidence=evidence
    )
    if found is None:
        return None
    return [
        PersonYouMayKnow(
            user=user(s.user),
            common_connections=s.common,
            adamic_adar=s.adamic_adar,
            shared_connections=[user(u) for u in s.shared],
        )
        for s in found
    ]


@strawberry.type
class NetworkQuery:
    people_you_may_know: list[PersonYouMayKnow] | None = strawberry.field(
        resolver=people_you_may_know,
        description="People a user may know: users connected to at least one of the user's "
        "connections but not to the user (and not the user), ranked by the number of common "
        "connections (most first), then by Adamic-Adar index (highest first), then by user id. "
        "Each suggestion lists its shared connections as evidence. A user whose analytics "
        "consent is recorded as false (`setConsent`) takes no part: never suggested, never "
        "evidence, and their connections suggest no one. Null if the user does not exist; "
        "empty if the user has no friends of friends.",
    )
