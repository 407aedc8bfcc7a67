"""Every Cypher constant in ``growthgraph.graph`` compiles on the real server (EXPLAIN), and the
schema set-up is idempotent."""

from __future__ import annotations

import importlib
import pkgutil
from typing import LiteralString, cast

import pytest

import growthgraph.graph
from growthgraph.graph.constraints import SCHEMA_STATEMENTS, apply_schema
from growthgraph.graph.database import Database

KEYWORDS = ("MATCH", "OPTIONAL MATCH", "UNWIND", "CREATE", "MERGE", "CALL", "RETURN")


def _statements() -> dict[str, str]:
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(growthgraph.graph.__path__):
        module = importlib.import_module(f"growthgraph.graph.{info.name}")
        for name, value in vars(module).items():
            if not name.isupper() or name.startswith("_") or name.endswith("TEMPLATE"):
                continue
            values: list[tuple[object, object]] = (
                list(cast("dict[object, object]", value).items())
                if isinstance(value, dict)
                else [("", value)]
            )
            for key, text in values:
                if isinstance(text, str) and text.lstrip().startswith(KEYWORDS):
                    found[f"{info.name}.{name}{f'[{key}]' if key != '' else ''}"] = text
    return found


STATEMENTS = {k: v for k, v in _statements().items() if v not in SCHEMA_STATEMENTS}


def test_the_scan_finds_the_queries() -> None:
    assert len(STATEMENTS) >= 30
    assert "referrals.TOP_REFERRERS_SCAN[2]" in STATEMENTS
    assert "referrals.TOP_REFERRERS_IN_WINDOW[2]" in STATEMENTS
    assert "counters.ON_SIGN_UP[Influencer]" in STATEMENTS
    assert "users.SIGN_UP_STATE[User]" in STATEMENTS


@pytest.mark.parametrize("name", sorted(STATEMENTS))
async def test_every_statement_compiles(db: Database, name: str) -> None:
    # The statements are literals from graph/; the cast restores what the scan cannot see.
    query = cast("LiteralString", STATEMENTS[name])  # type: ignore[redundant-cast]
    await db.write("EXPLAIN " + query)


async def test_schema_setup_is_idempotent(db: Database) -> None:
    await apply_schema(db)
    await apply_schema(db)
    rows = await db.read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    assert {"user_id", "influencer_id", "partner_id", "campaign_id"} <= set(rows[0]["names"])
