"""Every statement of the root lists, filtered and sorted (``graph.lists``: users, influencers,
partners, campaigns; each order, filter set and page start), is planned by Neo4j on an index:
EXPLAINed on a loaded graph, its plan reads nodes through an index seek or scan (or the count
store), never by scanning a label or every node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, LiteralString, cast

import neo4j
import pytest
import pytest_asyncio

from growthgraph.config import Settings
from growthgraph.graph import sources, users
from growthgraph.graph.database import Database
from growthgraph.graph.lists import ListSpec
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import load_dataset
from tests.support.source_lists import sources_dataset

SPECS: dict[str, ListSpec[Any]] = {
    "users": users.USER_LIST,
    "influencers": sources.INFLUENCER_LIST,
    "partners": sources.PARTNER_LIST,
    "campaigns": sources.CAMPAIGN_LIST,
}
STATEMENTS = {
    f"{name} {kind} [{key}]": text
    for name, spec in SPECS.items()
    for kind, statements in (("page", spec.pages), ("count", spec.counts))
    for key, text in statements.items()
}
SCANS = {"NodeByLabelScan", "AllNodesScan"}
READS = ("NodeIndex", "NodeUniqueIndex", "DirectedRelationshipIndex", "NodeCountFromCountStore")


@pytest_asyncio.fixture(scope="module")
async def driver(settings: Settings, db: Database) -> AsyncIterator[neo4j.AsyncDriver]:
    await delete_everything(db)
    await load_dataset(db, sources_dataset(), batch_size=2_000)
    async with neo4j.AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
    ) as opened:
        yield opened


def operators(plan: dict[str, Any]) -> list[str]:
    name = str(plan["operatorType"]).split("@", 1)[0]
    return [name, *(op for child in plan.get("children", []) for op in operators(child))]


def test_every_list_statement_is_checked() -> None:
    assert len(STATEMENTS) > 400
    assert any("SECOND_DEGREE_SIGN_UPS_DESC kind seek1" in key for key in STATEMENTS)


async def plan_of(driver: neo4j.AsyncDriver, settings: Settings, text: str) -> list[str]:
    # The statements are literals from graph/; the cast restores what the dict cannot carry.
    query = cast("LiteralString", "EXPLAIN " + text)  # type: ignore[redundant-cast]
    async with driver.session(database=settings.neo4j_database) as session:
        summary = await (await session.run(query)).consume()
    plan = cast("dict[str, Any] | None", summary.plan)
    assert plan is not None
    return operators(plan)


async def test_the_check_sees_a_label_scan(driver: neo4j.AsyncDriver, settings: Settings) -> None:
    """An influencer's handle has no index: a statement filtering on it scans the label."""
    found = await plan_of(driver, settings, "MATCH (n:Influencer) WHERE n.handle = $h RETURN n")
    assert SCANS & set(found), found


@pytest.mark.parametrize("name", sorted(STATEMENTS))
async def test_the_statement_reads_through_an_index(
    driver: neo4j.AsyncDriver, settings: Settings, name: str
) -> None:
    found = await plan_of(driver, settings, STATEMENTS[name])
    assert not SCANS & set(found), (name, found)
    assert any(op.startswith(READS) for op in found), (name, found)
