"""The initial load without a server: the admin tool's files (typed headers, one id space per
label, the CSV dialect, the counters as stored online) and the refusals that come before any
connection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr

from growthgraph.config import Settings
from growthgraph.loading import initial
from growthgraph.loading.admin_files import write_admin_files
from growthgraph.loading.dataset import CampaignRow, InfluencerRow, PartnerRow
from growthgraph.loading.parse import (
    ImportActivity,
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    ReferralRow,
)
from growthgraph.loading.plan import Plan
from growthgraph.loading.rows import forest_counters
from tests.support.local_neo4j import clean_env

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


def _plan() -> Plan:
    return Plan(
        influencers=[InfluencerRow("inf-1", "@rosa", "tiktok", 12000, 0.06)],
        partners=[PartnerRow("p-1", "Acme", "affiliate", 500)],
        campaigns=[CampaignRow("cmp-1", "Launch", utm_source="news")],
        users=[
            ImportUser("alice", "Alice", "alice@example.com", T0, country="DE"),
            ImportUser(
                "bob",
                'Bob "the, builder"\nRuiz',
                "bob@example.com",
                T0 + timedelta(days=1, microseconds=5),
                plan="",
                campaign_id="cmp-1",
                consent_marketing=True,
                consent_analytics=False,
                consent_updated_at=T0 + timedelta(days=2),
            ),
            ImportUser(
                "carol",
                "[erased]",
                "[erased]",
                T0 + timedelta(days=2),
                consent_marketing=False,
                consent_analytics=False,
                consent_updated_at=T0 + timedelta(days=3),
                erased_at=T0 + timedelta(days=3),
            ),
        ],
        referrals=[
            ReferralRow("alice", "INFLUENCER", "inf-1", channel="social"),
            ReferralRow("bob", "USER", "alice", campaign_id="cmp-1"),
            ReferralRow("carol", "USER", "bob"),
        ],
        invites=[
            ImportInvite("inv-1", "PARTNER", "p-1", T0, accepted_by="carol"),
            ImportInvite("inv-2", "USER", "alice", T0, channel="email"),
        ],
        conversions=[ImportConversion("cv-1", "bob", T0 + timedelta(days=3), 999, plan="pro")],
        activities=[
            ImportActivity("bob", T0 + timedelta(days=2), "login"),
            ImportActivity("bob", T0 + timedelta(days=2), "order.placed"),
        ],
        connections=[ImportConnection("alice", "bob"), ImportConnection("alice", "carol", T0)],
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def test_every_label_and_type_gets_a_typed_file_with_its_own_id_space(tmp_path: Path) -> None:
    todo = _plan()
    written = write_admin_files(todo, forest_counters(todo.referrals), tmp_path)
    headers = {f.path.name: _lines(f.path)[0] for f in [*written.nodes, *written.relationships]}
    below = "below1:long,below2:long,below3:long,below4:long,below5:long"
    assert headers["user.csv"] == (
        "id:ID(User),name,email,signedUpAt:datetime,country,plan,channel,campaignId,ipHash,"
        "deviceHash,consentMarketing:boolean,consentAnalytics:boolean,consentUpdatedAt:datetime,"
        f"erasedAt:datetime,above1,above2,above3,above4,above5,{below}"
    )
    assert headers["influencer.csv"] == (
        "id:ID(Influencer),handle,platform,followers:long,engagementRate:double,costCents:long,"
        + below
    )
    assert headers["invite.csv"] == "id:ID(Invite),at:datetime,channel,campaignId"
    assert headers["conversion.csv"] == "id:ID(Conversion),at:datetime,revenueCents:long,plan"
    assert headers["referred-influencer-user.csv"] == (
        ":START_ID(Influencer),:END_ID(User),at:datetime,channel,campaignId"
    )
    assert headers["sent-partner-invite.csv"] == ":START_ID(Partner),:END_ID(Invite)"
    assert headers["accepted-invite-user.csv"] == ":START_ID(Invite),:END_ID(User)"
    assert headers["connected_to-user-user.csv"] == ":START_ID(User),:END_ID(User),at:datetime"
    assert headers["activity.csv"] == "key:ID(Activity),at:datetime,kind"
    assert headers["did-user-activity.csv"] == ":START_ID(User),:END_ID(Activity)"
    assert written.node_counts() == {
        "Influencer": 1,
        "Partner": 1,
        "Campaign": 1,
        "User": 3,
        "Invite": 2,
        "Conversion": 1,
        "Activity": 2,
    }
    assert written.relationship_counts() == {
        "REFERRED": 3,
        "SENT": 2,
        "ACCEPTED": 1,
        "CONVERTED": 1,
        "DID": 2,
        "CONNECTED_TO": 2,
    }


def test_cells_keep_text_exact_and_counters_as_stored_online(tmp_path: Path) -> None:
    todo = _plan()
    written = write_admin_files(todo, forest_counters(todo.referrals), tmp_path)
    assert written.multiline  # Bob's name holds a line break: the tool must be told
    users = (tmp_path / "user.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    # Texts quoted with quotes doubled; an empty text stays "" (a property), a missing value is
    # an empty cell (no property); the counters: aboveK keys, belowK counts absent when zero;
    # consent flags as the tool's booleans, their time and the erasure's as datetimes.
    assert users == (
        'alice,"Alice","alice@example.com",2024-01-01T10:00:00+00:00,"DE",,,,,,,,,,'
        '"inf-1 Influencer",,,,,1,1,,,\n'
        + 'bob,"Bob ""the, builder""\nRuiz","bob@example.com",2024-01-02T10:00:00.000005+00:00,'
        ',"",,"cmp-1",,,true,false,2024-01-03T10:00:00+00:00,,'
        '"alice User","inf-1 Influencer",,,,1,,,,\n'
        + 'carol,"[erased]","[erased]",2024-01-03T10:00:00+00:00,,,,,,,false,false,'
        "2024-01-04T10:00:00+00:00,2024-01-04T10:00:00+00:00,"
        '"bob User","alice User","inf-1 Influencer",,,,,,,\n'
    )
    influencers = _lines(tmp_path / "influencer.csv")[1]
    assert influencers == 'inf-1,"@rosa","tiktok",12000,0.06,,1,1,1,,'
    referred = _lines(tmp_path / "referred-user-user.csv")[1:]
    assert referred == [
        'alice,bob,2024-01-02T10:00:00.000005+00:00,,"cmp-1"',
        "bob,carol,2024-01-03T10:00:00+00:00,,",
    ]
    assert _lines(tmp_path / "connected_to-user-user.csv")[1:] == [
        "alice,bob,",
        "alice,carol,2024-01-01T10:00:00+00:00",
    ]


def test_a_time_keeps_its_instant_in_utc(tmp_path: Path) -> None:
    at = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))).astimezone(UTC)
    todo = Plan(users=[ImportUser("u", "U", "u@example.com", at)])
    write_admin_files(todo, forest_counters([]), tmp_path)
    assert ",2024-05-01T12:00:00+00:00," in _lines(tmp_path / "user.csv")[1]
    assert not write_admin_files(todo, forest_counters([]), tmp_path).multiline


def _settings(uri: str, database: str = "neo4j") -> Settings:
    return Settings(
        neo4j_uri=uri,
        neo4j_password=SecretStr("growthgraph-test"),
        neo4j_database=database,
        demo_data=False,
    )


@pytest.mark.parametrize(
    "uri",
    [
        "bolt://neo4j.example.com:7687",
        "neo4j+s://abc.databases.neo4j.io",
        "bolt://10.0.0.5:7687",
    ],
)
def test_a_neo4j_that_is_not_the_local_instance_is_refused(tmp_path: Path, uri: str) -> None:
    with pytest.raises(initial.RefusedError) as refused:
        asyncio.run(initial.initial_load(_settings(uri), tmp_path, local_env={}))
    assert "Nothing was changed" in str(refused.value)
    assert "growthgraph import DIR" in str(refused.value)


def test_another_database_name_is_refused(tmp_path: Path) -> None:
    settings = _settings("bolt://127.0.0.1:7687", database="sales")
    with pytest.raises(initial.RefusedError, match="NEO4J_DATABASE=sales"):
        asyncio.run(initial.initial_load(settings, tmp_path, local_env={}))


def test_a_local_instance_that_does_not_run_is_refused(tmp_path: Path) -> None:
    env = clean_env({}, GROWTHGRAPH_NEO4J_HOME=str(tmp_path), GROWTHGRAPH_NEO4J_INSTANCE="none")
    with pytest.raises(initial.RefusedError, match=r"'none' .* is not running"):
        asyncio.run(
            initial.initial_load(_settings("bolt://127.0.0.1:7687"), tmp_path, local_env=env)
        )
