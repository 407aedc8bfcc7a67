"""Root field that reads a user's consent flags."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.privacy.types import Consent, consent
from growthgraph.graph import privacy


async def user_consent(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
) -> Consent | None:
    found = await privacy.get_consent(info.context.db, str(user_id))
    return None if found is None else consent(found)


@strawberry.type
class PrivacyQuery:
    user_consent: Consent | None = strawberry.field(
        resolver=user_consent,
        description="A user's consent flags; null if there is no such user.",
    )
