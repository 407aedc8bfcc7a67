"""The per-request context: the database handle, the settings and the request's DataLoaders,
and ``Info``, the one alias every resolver takes.

Loaders batch every nested lookup of one GraphQL response level into one ``UNWIND`` query, so a
page of 100 users with their referrers costs two round trips, not 101. They answer with graph
records; the types map them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from growthgraph.api.pagination import Count, decode_cursor, page_size
from growthgraph.config import Settings
from growthgraph.graph import changes, entities, money, referrals, users
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.records import CampaignRecord, Page, ReferralRecord, UserRecord

ReferralsKey = tuple[Kind, str, int, str | None]
A = TypeVar("A", bound=Hashable)
R = TypeVar("R")
# Fetches one page of a user's own list for each of several users: (ids, first, after).
PagesOf = Callable[[Sequence[str], int, Any], Awaitable[dict[str, Page[R]]]]


def _referral_loader(db: Database) -> DataLoader[str, ReferralRecord | None]:
    async def load(user_ids: Sequence[str]) -> list[ReferralRecord | None]:
        found = await referrals.referred_by(db, user_ids)
        return [found.get(uid) for uid in user_ids]

    return DataLoader(load_fn=load)


def _campaign_loader(db: Database) -> DataLoader[str, CampaignRecord | None]:
    async def load(ids: Sequence[str]) -> list[CampaignRecord | None]:
        found = await entities.get_many(db, entities.CAMPAIGNS, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _referrals_loader(db: Database) -> DataLoader[ReferralsKey, Page[UserRecord]]:
    async def load(keys: Sequence[ReferralsKey]) -> list[Page[UserRecord]]:
        # Parents of one kind asking for the same page shape share one query.
        groups: dict[tuple[Kind, int, str | None], list[str]] = defaultdict(list)
        for kind, parent_id, first, after in keys:
            groups[(kind, first, after)].append(parent_id)
        pages: dict[ReferralsKey, Page[UserRecord]] = {}
        for (kind, first, after), parent_ids in groups.items():
            found = await referrals.referrals_of(db, kind, parent_ids, first=first, after=after)
            for pid in parent_ids:
                pages[(kind, pid, first, after)] = found.get(pid, Page(items=(), has_next=False))
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


def _referral_count_loader(db: Database) -> DataLoader[tuple[Kind, str], int]:
    async def load(keys: Sequence[tuple[Kind, str]]) -> list[int]:
        groups: dict[Kind, list[str]] = defaultdict(list)
        for kind, parent_id in keys:
            groups[kind].append(parent_id)
        counts: dict[tuple[Kind, str], int] = {}
        for kind, parent_ids in groups.items():
            found = await referrals.referral_counts(db, kind, parent_ids)
            counts.update({(kind, pid): found.get(pid, 0) for pid in parent_ids})
        return [counts[key] for key in keys]

    return DataLoader(load_fn=load)


def _pages_loader(fetch: PagesOf[R]) -> DataLoader[tuple[str, int, Any], Page[R]]:
    """Pages of one of the users' own lists (``User.connections``, ...): users asking for the
    same page shape share one query."""

    async def load(keys: Sequence[tuple[str, int, Any]]) -> list[Page[R]]:
        groups: dict[tuple[int, Any], list[str]] = defaultdict(list)
        for user_id, first, after in keys:
            groups[(first, after)].append(user_id)
        pages: dict[tuple[str, int, Any], Page[R]] = {}
        for (first, after), user_ids in groups.items():
            found = await fetch(user_ids, first, after)
            for uid in user_ids:
                pages[(uid, first, after)] = found.get(uid, Page(items=(), has_next=False))
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


def _list_count_loader(db: Database) -> DataLoader[tuple[str, str], int]:
    async def load(keys: Sequence[tuple[str, str]]) -> list[int]:
        groups: dict[str, list[str]] = defaultdict(list)
        for name, user_id in keys:
            groups[name].append(user_id)
        counts: dict[tuple[str, str], int] = {}
        for name, user_ids in groups.items():
            found = await users.list_counts(db, name, user_ids)
            counts.update({(name, uid): found.get(uid, 0) for uid in user_ids})
        return [counts[key] for key in keys]

    return DataLoader(load_fn=load)


def _user_value_loader(db: Database) -> DataLoader[tuple[str, datetime], money.UserValue]:
    """Users' value to date (``User.lifetimeValue``): one round trip per instant asked for (the
    request's one ``now`` when ``asOf`` is left out)."""

    async def load(keys: Sequence[tuple[str, datetime]]) -> list[money.UserValue]:
        groups: dict[datetime, list[str]] = defaultdict(list)
        for user_id, as_of in keys:
            groups[as_of].append(user_id)
        found: dict[tuple[str, datetime], money.UserValue] = {}
        for as_of, user_ids in groups.items():
            values = await money.user_values(db, user_ids, as_of=as_of)
            nothing = money.UserValue(conversions=0, revenue_cents=0)
            found.update({(uid, as_of): values.get(uid, nothing) for uid in user_ids})
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


@dataclass
class Context:
    db: Database
    settings: Settings
    # The process's watch on the change feed's head, shared by its subscriptions.
    feed_watch: changes.FeedWatch | None = None
    referral_loader: DataLoader[str, ReferralRecord | None] = field(init=False)
    campaign_loader: DataLoader[str, CampaignRecord | None] = field(init=False)
    referrals_loader: DataLoader[ReferralsKey, Page[UserRecord]] = field(init=False)
    referral_count_loader: DataLoader[tuple[Kind, str], int] = field(init=False)
    connections_loader: DataLoader[tuple[str, int, Any], Page[users.ConnectedUser]] = field(
        init=False
    )
    conversions_loader: DataLoader[tuple[str, int, Any], Page[users.ConversionRecord]] = field(
        init=False
    )
    rewards_loader: DataLoader[tuple[str, int, Any], Page[users.RewardRecord]] = field(init=False)
    list_count_loader: DataLoader[tuple[str, str], int] = field(init=False)
    user_value_loader: DataLoader[tuple[str, datetime], money.UserValue] = field(init=False)
    _now: datetime | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.fresh_loaders()

    def fresh_loaders(self) -> None:
        """New, empty loaders: a subscription's context lives as long as its connection, and
        each event it sends must read the graph as it is then."""
        db = self.db
        self.connections_loader = _pages_loader(
            lambda ids, first, after: users.connections_of(db, ids, first=first, after=after)
        )
        self.conversions_loader = _pages_loader(
            lambda ids, first, after: users.conversions_of(db, ids, first=first, after=after)
        )
        self.rewards_loader = _pages_loader(
            lambda ids, first, after: users.rewards_of(db, ids, first=first, after=after)
        )
        self.list_count_loader = _list_count_loader(db)
        self.referral_count_loader = _referral_count_loader(self.db)
        self.referral_loader = _referral_loader(self.db)
        self.campaign_loader = _campaign_loader(self.db)
        self.referrals_loader = _referrals_loader(self.db)
        self.user_value_loader = _user_value_loader(self.db)
        self._now = None

    def now(self) -> datetime:
        """The request's instant: "now" for every field of one response (and of one event)."""
        if self._now is None:
            self._now = datetime.now(UTC)
        return self._now

    def page_size(self, first: int | None) -> int:
        return page_size(
            first, default=self.settings.page_size, maximum=self.settings.max_page_size
        )

    async def referrals_page(
        self, kind: Kind, parent_id: str, first: int | None, after: str | None
    ) -> tuple[Page[UserRecord], Count]:
        """One page of a referrer's direct referrals, and its whole count (run only if asked)."""
        key = (kind, parent_id, self.page_size(first), decode_cursor(after, "referrals"))

        async def count() -> int:
            return await self.referral_count_loader.load((kind, parent_id))

        return await self.referrals_loader.load(key), count

    def list_count(self, list_name: str, user_id: str) -> Count:
        """The whole length of one of a user's own lists, counted only when asked for."""

        async def count() -> int:
            return await self.list_count_loader.load((list_name, user_id))

        return count

    async def referral_of(self, user_id: str) -> ReferralRecord | None:
        return await self.referral_loader.load(user_id)

    async def campaign_by_id(self, campaign_id: str) -> CampaignRecord | None:
        return await self.campaign_loader.load(campaign_id)


Info = strawberry.Info[Context, None]
