"""``growthgraph import`` against a real Neo4j: hand-worked files with bad rows, a generated set
checked against the referral forest computed independently from the files, and re-runs that
change nothing."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import load_dataset
from growthgraph.loading.generate import generate_files
from growthgraph.loading.rows import Options
from growthgraph.loading.run import run_import
from tests.support.handmade import handmade
from tests.support.snapshot import snapshot

EDGES = """
MATCH (src)-[r:REFERRED]->(u:User)
RETURN CASE WHEN src:User THEN 'USER' WHEN src:Influencer THEN 'INFLUENCER' ELSE 'PARTNER' END
         AS kind, src.id AS src, u.id AS user, r.at = u.signedUpAt AS atSignUp
"""
COUNTS = """
CALL () { MATCH (n:User) RETURN count(n) AS users }
CALL () { MATCH (n:Influencer) RETURN count(n) AS influencers }
CALL () { MATCH (n:Partner) RETURN count(n) AS partners }
CALL () { MATCH (n:Campaign) RETURN count(n) AS campaigns }
CALL () { MATCH (n:Invite) RETURN count(n) AS invites }
CALL () { MATCH ()-[r:ACCEPTED]->() RETURN count(r) AS accepted }
CALL () { MATCH (n:Conversion)<-[:CONVERTED]-(:User) RETURN count(n) AS conversions }
CALL () { MATCH ()-[r:CONNECTED_TO]->() RETURN count(r) AS connections }
RETURN users, influencers, partners, campaigns, invites, accepted, conversions, connections
"""

USERS = """\
id,name,email,signedUpAt,country,plan,campaignId
alice,Alice,alice@example.com,2024-01-01T10:00:00Z,DE,pro,
bob,Bob,bob@example.com,2024-01-02T12:00:00+02:00,US,,launch
carol,Carol,not-an-email,2024-01-03T10:00:00Z,,,
dave,Dave,dave@example.com,2024-01-01T09:00:00,,,
erin,Erin,erin@example.com,2024-01-04T10:00:00Z,,,
alice,Alice,alice@example.com,2024-01-01T10:00:00Z,DE,pro,
frank,Frank,frank@example.com,2024-01-05T10:00:00Z,,,nope
gina,Gina,gina@example.com,2024-01-05T10:00:00Z,,,
hal,Hal,hal@example.com,2024-01-05T10:00:00Z,,,
"""
REFERRALS = """\
{"userId": "bob", "referrerKind": "USER", "referrerId": "alice", "channel": "link"}
{"userId": "erin", "referrerKind": "USER", "referrerId": "carol"}
{"userId": "erin", "referrerKind": "USER", "referrerId": "bob", "channel": "email"}
{"userId": "erin", "referrerKind": "INFLUENCER", "referrerId": "inf1"}
{"userId": "alice", "referrerKind": "USER", "referrerId": "bob"}
{"userId": "gina", "referrerKind": "USER", "referrerId": "hal"}
{"userId": "hal", "referrerKind": "USER", "referrerId": "gina"}
{"userId": "hal", "referrerKind": "PARTNER", "referrerId": "p1", "campaignId": "launch"}
{"userId": "alice", "referrerKind": "INFLUENCER", "referrerId": "inf2"}
"""
INFLUENCERS = """\
{"id": "inf1", "handle": "@one", "platform": "tiktok", "followers": 1000, "engagementRate": 0.1}
{"id": "inf2", "handle": "@two", "platform": "tiktok", "followers": 10, "engagementRate": 1.5}
"""


def _files(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "users.csv").write_text(USERS)
    (directory / "referrals.jsonl").write_text(REFERRALS)
    (directory / "influencers.jsonl").write_text(INFLUENCERS)
    (directory / "partners.csv").write_text("id,name,kind\np1,Shop,reseller\n")
    (directory / "campaigns.csv").write_text("id,name,utmSource\nlaunch,Launch,newsletter\n")
    (directory / "invites.csv").write_text(
        "id,referrerKind,referrerId,at,acceptedBy\n"
        "i1,USER,alice,2024-01-02T00:00:00Z,bob\n"
        "i2,PARTNER,p1,2024-01-02T00:00:00Z,bob\n"
        "i3,PARTNER,p1,2024-01-02T00:00:00Z,\n"
    )
    (directory / "conversions.csv").write_text(
        "id,userId,at,revenueCents,plan\n"
        "cv1,bob,2024-02-01T00:00:00Z,900,pro\n"
        "cv2,carol,2024-02-01T00:00:00Z,900,pro\n"
    )
    (directory / "connections.csv").write_text("a,b\nbob,alice\nalice,bob\nerin,erin\n")
    return directory


async def _edges(db: Database) -> set[tuple[str, str, str]]:
    rows = await db.read(EDGES)
    assert all(row["atSignUp"] for row in rows)
    return {(row["kind"], row["src"], row["user"]) for row in rows}


async def test_hand_worked_files(clean_db: Database, tmp_path: Path) -> None:
    outcome = await run_import(clean_db, _files(tmp_path / "in"), options=Options(batch_size=2))
    assert outcome.mode == "create"
    assert [(r.file, r.line) for r in outcome.rejects] == [
        ("connections.csv", 3),  # the same pair again
        ("connections.csv", 4),  # self-loop
        ("conversions.csv", 3),  # carol was rejected
        ("influencers.jsonl", 2),  # engagement rate above 1
        ("invites.csv", 3),  # bob was referred by alice, not by the sender p1
        ("referrals.jsonl", 2),  # carol is not a loaded user
        ("referrals.jsonl", 4),  # erin already referred on line 3
        ("referrals.jsonl", 5),  # bob signed up after alice
        ("referrals.jsonl", 7),  # closes the loop gina <- hal <- gina (same sign-up time)
        ("referrals.jsonl", 9),  # inf2 was rejected
        ("users.csv", 4),  # email
        ("users.csv", 5),  # no time zone
        ("users.csv", 7),  # duplicate of line 2
        ("users.csv", 8),  # unknown campaign
    ]
    reasons = {(r.file, r.line): r.reason for r in outcome.rejects}
    assert reasons["referrals.jsonl", 4] == (
        "ALREADY_REFERRED: user erin is already referred by USER bob on line 3"
    )
    assert reasons["referrals.jsonl", 7] == "REFERRAL_CYCLE: would make a referral cycle"
    assert reasons["users.csv", 7] == "DUPLICATE: duplicate of line 2"
    assert reasons["invites.csv", 3] == (
        "INVITE_REFERRER_MISMATCH: user bob has referrer USER alice, not the invite's sender "
        "PARTNER p1"
    )
    # Worked out by hand from the rules.
    assert await _edges(clean_db) == {
        ("USER", "alice", "bob"),
        ("USER", "bob", "erin"),
        ("USER", "hal", "gina"),
        ("PARTNER", "p1", "hal"),
    }
    counts = (await clean_db.read(COUNTS))[0]
    assert counts == {
        "users": 5,
        "influencers": 1,
        "partners": 1,
        "campaigns": 1,
        "invites": 2,
        "accepted": 1,
        "conversions": 1,
        "connections": 1,
    }
    stored = await clean_db.read("MATCH (u:User {id: 'bob'}) RETURN u.signedUpAt AS at")
    assert stored[0]["at"].to_native() == datetime(2024, 1, 2, 10, tzinfo=UTC)

    stored_counters = await clean_db.read(
        "MATCH (n {id: 'erin'}) RETURN n.above1 AS a1, n.above2 AS a2, n.above3 AS a3, "
        "n.below1 AS b1"
    )
    assert stored_counters == [{"a1": "bob User", "a2": "alice User", "a3": None, "b1": None}]
    assert (await counters.check(clean_db)).differing == 0

    first = await snapshot(clean_db)
    again = await run_import(clean_db, tmp_path / "in", options=Options(batch_size=3, parallel=1))
    assert again.mode == "merge"
    assert await snapshot(clean_db) == first
    # The same rows are refused; a reason may now point at the stored graph instead of a line.
    assert [(r.file, r.line) for r in again.rejects] == [(r.file, r.line) for r in outcome.rejects]


async def test_rows_conflicting_with_the_database_change_nothing(
    clean_db: Database, tmp_path: Path
) -> None:
    await load_dataset(clean_db, handmade())
    before = await snapshot(clean_db)
    directory = tmp_path / "conflicts"
    directory.mkdir()
    # c2 is referred by c1 and ux1 by user x in the stored graph; o1 signed up after x.
    (directory / "referrals.csv").write_text(
        "userId,referrerKind,referrerId\nc2,USER,x\nux1,INFLUENCER,x\nx,USER,o1\no1,PARTNER,nope\n"
    )
    outcome = await run_import(clean_db, directory)
    assert outcome.mode == "merge"
    assert [r.reason for r in outcome.rejects] == [
        "ALREADY_REFERRED: user c2 is already referred by USER c1 in the database",
        "ALREADY_REFERRED: user ux1 is already referred by USER x in the database",
        "SIGN_UP_BEFORE_REFERRER: referrer o1 signed up after user x",
        "UNKNOWN_REFERRER: unknown referrer PARTNER nope",
    ]
    assert await snapshot(clean_db) == before


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


async def test_generated_set_gives_the_forest_of_its_files(
    clean_db: Database, tmp_path: Path
) -> None:
    directory = tmp_path / "gen"
    counts = generate_files(directory, users=1_500, seed=3)
    with (directory / "referrals.csv").open("a") as handle:
        handle.write("u-000010,USER,u-000900,,\n")  # line counts[referrals] + 2: a second referrer
        handle.write("u-000900,USER,u-000900,,\n")  # self-referral
    outcome = await run_import(clean_db, directory, options=Options(batch_size=400, parallel=3))
    n = counts["referrals"]
    assert [(r.file, r.line) for r in outcome.rejects] == [
        ("referrals.csv", n + 2),
        ("referrals.csv", n + 3),
    ]

    # The expected forest, from the files alone.
    expected: nx.DiGraph[tuple[str, str]] = nx.DiGraph()
    for row in _read_csv(directory / "referrals.csv")[:n]:
        expected.add_edge((row["referrerKind"], row["referrerId"]), ("USER", row["userId"]))
    assert nx.is_branching(expected)
    got = await _edges(clean_db)
    assert got == {(kind, src, user) for (kind, src), (_, user) in expected.edges}

    stored = (await clean_db.read(COUNTS))[0]
    invites = _read_csv(directory / "invites.csv")
    assert stored == {
        "users": counts["users"],
        "influencers": counts["influencers"],
        "partners": counts["partners"],
        "campaigns": counts["campaigns"],
        "invites": counts["invites"],
        "accepted": sum(1 for i in invites if i["acceptedBy"]),
        "conversions": counts["conversions"],
        "connections": counts["connections"],
    }
    first = await snapshot(clean_db)
    again = await run_import(clean_db, directory)
    assert again.mode == "merge"
    assert await snapshot(clean_db) == first


async def test_stored_invites_and_conversions_keep_their_owner(
    clean_db: Database, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "users.csv").write_text(
        "id,name,email,signedUpAt\n"
        "a,A,a@example.com,2024-01-01T00:00:00Z\n"
        "b,B,b@example.com,2024-01-02T00:00:00Z\n"
    )
    (first / "invites.csv").write_text(
        "id,referrerKind,referrerId,at\ni1,USER,a,2024-01-03T00:00Z\n"
    )
    (first / "conversions.csv").write_text(
        "id,userId,at,revenueCents\ncv1,a,2024-01-04T00:00Z,900\n"
    )
    await run_import(clean_db, first)
    before = await snapshot(clean_db)
    second = tmp_path / "second"
    second.mkdir()
    (second / "invites.csv").write_text(
        "id,referrerKind,referrerId,at\ni1,USER,b,2024-01-03T00:00Z\n"
    )
    (second / "conversions.csv").write_text(
        "id,userId,at,revenueCents\ncv1,b,2024-01-04T00:00Z,900\n"
    )
    outcome = await run_import(clean_db, second)
    assert outcome.mode == "merge"
    assert await snapshot(clean_db) == before


GRAPH_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
GRAPH_EDGES = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, labels(a) AS la, a.id AS a, labels(b) AS lb, b.id AS b,
       properties(r) AS props
"""


async def _graph(db: Database) -> set[str]:
    """Every node and edge with its properties, in an order-free form."""
    nodes = await db.read(GRAPH_NODES)
    edges = await db.read(GRAPH_EDGES)
    return {
        *(repr((sorted(n["labels"]), sorted(n["props"].items()))) for n in nodes),
        *(
            repr((e["type"], e["la"], e["a"], e["lb"], e["b"], sorted(e["props"].items())))
            for e in edges
        ),
    }


async def test_create_and_merge_modes_write_the_same_graph(
    clean_db: Database, tmp_path: Path
) -> None:
    """Create mode (element ids, counters from the files) and merge mode (MERGE on ids, counters
    refreshed from the edges) are two write paths for one result: every node, edge and property,
    counters included, must come out the same."""
    directory = tmp_path / "gen"
    generate_files(directory, users=600, seed=4)
    _files(tmp_path / "hand")
    for source in (directory, tmp_path / "hand"):
        await delete_everything(clean_db)
        created = await run_import(clean_db, source, options=Options(batch_size=50, parallel=3))
        assert created.mode == "create"
        by_create = await _graph(clean_db)

        await delete_everything(clean_db)
        await clean_db.write("CREATE (:ImportSentinel)")
        merged = await run_import(clean_db, source, options=Options(batch_size=50, parallel=3))
        assert merged.mode == "merge"
        await clean_db.write("MATCH (n:ImportSentinel) DELETE n")
        assert await _graph(clean_db) == by_create
        assert merged.loaded == created.loaded
        assert merged.rejects == created.rejects


async def test_a_retried_referral_batch_writes_nothing(clean_db: Database) -> None:
    """A batch whose commit went through but whose answer was lost is sent again: the edge
    statement must leave a user that already has a referrer as it is, whoever that referrer is,
    and still write the rows of users that have none."""
    await load_dataset(clean_db, handmade())
    await clean_db.write("CREATE (:User {id: 'fresh', signedUpAt: datetime('2030-01-01T00:00Z')})")
    before = await _edges(clean_db)
    rows = [
        {"userId": "c2", "referrerId": "c1", "channel": "again", "campaignId": None},
        {"userId": "ux1", "referrerId": "c1", "channel": "other", "campaignId": None},
        {"userId": "fresh", "referrerId": "c1", "channel": "link", "campaignId": None},
    ]
    for _ in range(2):
        await clean_db.write(cypher.MERGE_REFERRALS["USER"], {"rows": rows})
        assert await _edges(clean_db) == before | {("USER", "c1", "fresh")}
    kept = await clean_db.read(
        "MATCH (src)-[r:REFERRED]->(u:User) WHERE u.id IN ['c2', 'fresh']"
        " RETURN u.id AS user, src.id AS src, r.channel AS channel, count(*) AS n ORDER BY user"
    )
    by_user = {row["user"]: (row["src"], row["channel"], row["n"]) for row in kept}
    assert by_user["c2"][1] != "again"
    assert by_user["c2"][2] == 1
    assert by_user["fresh"] == ("c1", "link", 1)
