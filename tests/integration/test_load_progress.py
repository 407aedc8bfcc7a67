"""The demo's progress bar (``growthgraph seed``, ``make run``) is sized by ``dataset_size`` and
advanced by ``load_dataset``: both must count the same rows, every node, referral edge and event
the load writes, or the bar stops short of the end or runs past it. Checked against what the
database holds afterwards, counted label by label and type by type."""

from __future__ import annotations

from datetime import date

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import dataset_size, load_dataset
from growthgraph.loading.seed_demo import demo

# What one row of a load leaves in the database: a node of these labels, or an edge of these
# types (an invite's SENT edge comes with its Invite node, a conversion's and an activity's
# edge with theirs, so they are not counted twice).
NODE_LABELS = ("Influencer", "Partner", "Campaign", "User", "Invite", "Conversion", "Activity")
EDGE_TYPES = ("REFERRED", "ACCEPTED", "CONNECTED_TO")


async def _stored(db: Database) -> int:
    total = 0
    for label in NODE_LABELS:
        rows = await db.read(f"MATCH (n:{label}) RETURN count(n) AS n")
        total += int(rows[0]["n"])
    for kind in EDGE_TYPES:
        rows = await db.read(f"MATCH ()-[r:{kind}]->() RETURN count(r) AS n")
        total += int(rows[0]["n"])
    rows = await db.read("MATCH (c:Cost) RETURN count(c) AS n")
    return total + int(rows[0]["n"])


async def test_the_bar_counts_every_row_the_demo_load_writes(clean_db: Database) -> None:
    data = demo(users=400, seed=5, day=date(2026, 6, 1))
    assert data.invites
    assert data.activities
    assert data.connections
    assert data.costs
    advanced: list[int] = []
    await load_dataset(clean_db, data, batch_size=97, progress=advanced.append)
    assert sum(advanced) == dataset_size(data)
    assert dataset_size(data) == await _stored(clean_db)
