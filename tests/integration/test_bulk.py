"""The bulk loader writes every kind of row, and a second run changes nothing."""

from __future__ import annotations

from dataclasses import replace

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import (
    ConnectionRow,
    ConversionRow,
    Dataset,
    InviteRow,
    load_dataset,
)
from tests.support.handmade import at, handmade
from tests.support.snapshot import snapshot


def _with_events() -> Dataset:
    data = handmade()
    data.invites += [
        InviteRow("i1", "USER", "x", at(9), channel="email"),
        InviteRow("i2", "INFLUENCER", "inf-b", at(19), campaign_id="c1"),
        InviteRow("i3", "PARTNER", "p1", at(9)),
    ]
    # ux1 (referred by user x) accepted i1.
    data.users[:] = [
        replace(u, invite_id="i1", ip_hash="h1") if u.id == "ux1" else u for u in data.users
    ]
    data.conversions += [
        ConversionRow("cv1", "ux1", at(40), 4_900, "pro"),
        ConversionRow("cv2", "c3", at(41), 990),
    ]
    data.connections += [
        ConnectionRow("ux2", "ux1", at(50)),  # stored as ux1 -> ux2
        ConnectionRow("c1", "c2"),
        ConnectionRow("o1", "o1"),  # a self-loop is dropped
    ]
    return data


async def test_loads_every_kind_and_reruns_change_nothing(clean_db: Database) -> None:
    data = _with_events()
    await load_dataset(clean_db, data, batch_size=3)
    first = await snapshot(clean_db)
    assert first.types["SENT"] == first.relationships_of("SENT") == 3
    assert first.types["ACCEPTED"] == first.relationships_of("ACCEPTED", start="i1", end="ux1") == 1
    assert first.types["CONVERTED"] == 2
    assert first.relationships_of("CONVERTED", start="ux1", end="cv1") == 1
    assert first.relationships_of("CONVERTED", start="c3", end="cv2") == 1
    assert first.types["CONNECTED_TO"] == 2
    assert first.relationships_of("CONNECTED_TO", start="ux1", end="ux2") == 1
    assert first.types["REFERRED"] == sum(1 for u in data.users if u.referrer_id)
    assert first.labels["Conversion"] == 2
    assert first.labels["User"] == len(data.users)
    assert first.nodes_with("User", id="ux1", ipHash="h1") == 1
    # A second run with other batches: the same multiset, so nothing is written twice.
    await load_dataset(clean_db, data, batch_size=5)
    assert await snapshot(clean_db) == first
