"""Every write that sets a partner's or a campaign's name stores its sort key (graph.name_keys):
the mutations, the importer's create and merge modes and the data-set loader (the demo and the
seeds); a database written without keys gets them at start-up with the schema. Each stored key
is read back as the UTF-8 bytes of its own name, and the names in the keys' order are the names
as Python sorts them (by code point)."""

from __future__ import annotations

from pathlib import Path
from typing import LiteralString

from growthgraph.graph import name_keys, sources
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import Written
from growthgraph.loading.dataset import CampaignRow, Dataset, PartnerRow, load_dataset
from growthgraph.loading.run import run_import

# Fullwidth letters (U+FF21, U+FF38) sort before characters outside the Basic Multilingual
# Plane by code point and after them by UTF-16 code unit.
NAMES = [
    "Orbit \uff38",
    "Orbit \U0001f680",
    "\uff21cme",
    "\U0001d538cme",
    "Acme",
    "\u00c9mile & Co",
    "Orbit",
]
STORED = """
MATCH (n) WHERE n:Partner OR n:Campaign
RETURN n.id AS id, n.name AS name, n.nameSortKey AS key
"""
LABELS: tuple[LiteralString, ...] = ("Partner", "Campaign")
BY_KEY: dict[str, LiteralString] = {
    label: f"MATCH (n:{label}) WHERE n.nameSortKey IS NOT NULL "
    "RETURN n.name AS name ORDER BY n.nameSortKey"
    for label in LABELS
}

AFTER_KEY = "MATCH (n:Partner) WHERE n.nameSortKey > $key RETURN n.name AS name"


async def _keys(db: Database) -> dict[str, str | None]:
    """Each partner's and campaign's id -> its stored key, every key checked against its name."""
    rows = await db.read(STORED)
    for r in rows:
        if r["key"] is not None:
            assert bytes.fromhex(r["key"]).decode("utf-8") == r["name"], r
    return {r["id"]: r["key"] for r in rows}


async def _in_key_order(db: Database, label: str) -> list[str]:
    return [str(r["name"]) for r in await db.read(BY_KEY[label])]


def _csv(path: Path, header: str, rows: list[str]) -> None:
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _named_sources(folder: Path, prefixes: tuple[str, str], tail: str, kind: str) -> Path:
    """An import folder of a partner and a campaign per name of NAMES, each name + ``tail``;
    ids start with ``prefixes`` (partners, campaigns)."""
    folder.mkdir()
    names = [_quoted(n + tail) for n in NAMES]
    partner, campaign = prefixes
    _csv(
        folder / "partners.csv",
        "id,name,kind",
        [f"{partner}-{i},{n},{kind}" for i, n in enumerate(names)],
    )
    _csv(folder / "campaigns.csv", "id,name", [f"{campaign}-{i},{n}" for i, n in enumerate(names)])
    return folder


async def test_every_write_path_stores_the_key_of_the_name(
    clean_db: Database, tmp_path: Path
) -> None:
    first = _named_sources(tmp_path / "first", ("p", "c"), "", "reseller")
    created = await run_import(clean_db, first)
    assert created.mode == "create"
    assert not created.rejects

    again = _named_sources(tmp_path / "again", ("q", "d"), " 2", "affiliate")
    merged = await run_import(clean_db, again)
    assert merged.mode == "merge"
    assert not merged.rejects

    for i, name in enumerate(NAMES):
        partner = await sources.create_partner(
            clean_db, id=f"m-{i}", name=name + "!", kind="reseller"
        )
        campaign = await sources.create_campaign(
            clean_db,
            id=f"n-{i}",
            name=name + "!",
            utm_source=None,
            utm_medium=None,
            utm_campaign=None,
        )
        assert isinstance(partner, Written)
        assert partner.created
        assert isinstance(campaign, Written)
        assert campaign.created

    loaded = Dataset(
        partners=[PartnerRow(f"s-{i}", name + " 3", "affiliate") for i, name in enumerate(NAMES)],
        campaigns=[CampaignRow(f"t-{i}", name + " 3") for i, name in enumerate(NAMES)],
    )
    await load_dataset(clean_db, loaded)

    keys = await _keys(clean_db)
    assert len(keys) == 8 * len(NAMES)
    assert all(key is not None for key in keys.values()), keys
    names = [n + tail for n in NAMES for tail in ("", " 2", "!", " 3")]
    assert sorted(names) != sorted(names, key=lambda n: n.encode("utf-16-be"))
    for label in LABELS:
        assert await _in_key_order(clean_db, label) == sorted(names)
    # How a page continues: the key compared with a parameter, as Python compares the names
    # (the name itself compared so goes by UTF-16 code unit when no index answers it).
    for name in names:
        after = await clean_db.read(AFTER_KEY, {"key": name_keys.name_sort_key(name)})
        assert sorted(r["name"] for r in after) == sorted(n for n in names if n > name), name


async def test_names_stored_without_a_key_are_keyed_with_the_schema(clean_db: Database) -> None:
    """As a database written before the key existed: nodes with a name and no key, a node
    without a name; a repeated write of the same values is still a repeat, not a conflict."""
    await clean_db.write(
        "UNWIND $names AS row CREATE (:Partner {id: row[0], name: row[1], kind: 'reseller'})",
        {"names": [[f"old-p{i}", n] for i, n in enumerate(NAMES)]},
    )
    await clean_db.write(
        "UNWIND $names AS row CREATE (:Campaign {id: row[0], name: row[1]})",
        {"names": [[f"old-c{i}", n] for i, n in enumerate(NAMES)]},
    )
    await clean_db.write("CREATE (:Campaign {id: 'nameless'})")
    assert set((await _keys(clean_db)).values()) == {None}

    assert await name_keys.backfill(clean_db, batch=3) == 2 * len(NAMES)
    keys = await _keys(clean_db)
    assert keys.pop("nameless") is None
    assert None not in keys.values()
    assert await name_keys.backfill(clean_db) == 0
    for label in LABELS:
        assert await _in_key_order(clean_db, label) == sorted(NAMES)

    await clean_db.write(
        "CREATE (:Partner {id: 'later', name: 'Orbit \U0001f6f0', kind: 'reseller'})"
    )
    await apply_schema(clean_db)
    assert (await _keys(clean_db))["later"] == "Orbit \U0001f6f0".encode().hex()

    repeat = await sources.create_partner(clean_db, id="old-p0", name=NAMES[0], kind="reseller")
    assert isinstance(repeat, Written)
    assert not repeat.created
