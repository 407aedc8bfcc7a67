"""What nested fields may ask of the request context. The resolvers' context implements it with
batched loaders, so a nested field never costs one database round trip per parent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from growthgraph.schema.enums import ReferrerKind
    from growthgraph.schema.types import Campaign, Referral, UserConnection


class GraphContext(Protocol):
    async def referrals_page(
        self, kind: ReferrerKind, parent_id: str, first: int | None, after: str | None
    ) -> UserConnection: ...

    async def referral_of(self, user_id: str) -> Referral | None: ...

    async def campaign_by_id(self, campaign_id: str) -> Campaign | None: ...
