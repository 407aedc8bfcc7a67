"""The importer obeys the mutations' rules, case by case: for every refusal a mutation gives
(``ErrorCode``), the mutation is run against a small stored graph and must answer that code;
then the same condition, written as import rows, must be rejected with a reason that starts
with the same code, both against the stored graph (merge mode) and inside the files beside the
same graph (create mode). Refusals that cannot arise in an import are listed, with why, in
``NOT_IN_AN_IMPORT``; a test checks that every code is in one list or the other."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import pytest

from growthgraph.api.context import Context
from growthgraph.api.enums import ErrorCode
from growthgraph.api.permissions import reset_role, set_role
from growthgraph.api.schema import build_schema
from growthgraph.config import Role, Settings
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import files
from growthgraph.loading.run import run_import
from growthgraph.rules import code_of

RESULT = (
    "{ __typename ... on Error { code message } "
    "... on InvalidInputError { problems { field message } } }"
)
SIGN_UP = "mutation($i: RecordSignUpInput!) { r: recordSignUp(input: $i) " + RESULT + " }"
INVITE = "mutation($i: RecordInviteInput!) { r: recordInvite(input: $i) " + RESULT + " }"
CONVERSION = (
    "mutation($i: RecordConversionInput!) { r: recordConversion(input: $i) " + RESULT + " }"
)
ACTIVITY = (
    "mutation($userId: ID!, $at: DateTime!, $kind: String!) "
    "{ r: recordActivity(userId: $userId, at: $at, kind: $kind) " + RESULT + " }"
)
INFLUENCER = (
    "mutation($i: CreateInfluencerInput!) { r: createInfluencer(input: $i) " + RESULT + " }"
)
PARTNER = "mutation($i: CreatePartnerInput!) { r: createPartner(input: $i) " + RESULT + " }"
CAMPAIGN = "mutation($i: CreateCampaignInput!) { r: createCampaign(input: $i) " + RESULT + " }"
COST = "mutation($i: RecordCostInput!) { r: recordCost(input: $i) " + RESULT + " }"
CONNECT = (
    "mutation($a: ID!, $b: ID!, $at: DateTime) { r: connectUsers(a: $a, b: $b, at: $at) "
    + RESULT
    + " }"
)

# The stored graph every case starts from, as import rows.
BASE: dict[files.KindName, list[dict[str, str]]] = {
    "influencers": [
        {"id": "inf1", "handle": "@one", "platform": "tiktok", "followers": "1000",
         "engagementRate": "0.1"},
    ],
    "partners": [{"id": "p1", "name": "Shop", "kind": "reseller"}],
    "campaigns": [{"id": "c1", "name": "Launch"}],
    "users": [
        {"id": "alice", "name": "Alice", "email": "alice@example.com",
         "signedUpAt": "2024-01-01T10:00:00Z"},
        {"id": "bob", "name": "Bob", "email": "bob@example.com",
         "signedUpAt": "2024-01-03T10:00:00Z"},
        {"id": "carol", "name": "Carol", "email": "carol@example.com",
         "signedUpAt": "2024-01-05T10:00:00Z"},
    ],
    "referrals": [{"userId": "bob", "referrerKind": "USER", "referrerId": "alice"}],
    "invites": [
        {"id": "i1", "referrerKind": "USER", "referrerId": "alice", "at": "2024-01-02T10:00:00Z",
         "acceptedBy": "bob"},
        {"id": "i2", "referrerKind": "USER", "referrerId": "alice", "at": "2024-01-02T11:00:00Z"},
    ],
    "conversions": [
        {"id": "cv1", "userId": "bob", "at": "2024-02-01T00:00:00Z", "revenueCents": "900"},
    ],
    "activities": [{"userId": "bob", "at": "2024-01-04T10:00:00Z", "kind": "login"}],
    "connections": [{"a": "alice", "b": "bob"}],
    "costs": [
        {"id": "k1", "sourceKind": "PARTNER", "sourceId": "p1", "at": "2024-01-01T00:00:00Z",
         "amountCents": "500"},
    ],
}  # fmt: skip
LONG = "x" * 201
BAD_ID = "bad id"
NAIVE = "2024-01-06T10:00:00"
BOB = {"id": "bob", "name": "Bob", "email": "bob@example.com", "signedUpAt": "2024-01-03T10:00:00Z"}
ZED = {"id": "zed", "name": "Zed", "email": "zed@example.com", "signedUpAt": "2024-01-06T10:00:00Z"}
ALICE_REFERS_ZED = {"userId": "zed", "referrerKind": "USER", "referrerId": "alice"}
INF = {"id": "inf9", "handle": "@nine", "platform": "tiktok", "followers": 5, "engagementRate": 0.2}
INVITE_9 = {"id": "i9", "referrerKind": "USER", "referrerId": "alice", "at": "2024-01-02T12:00:00Z"}
ACT = {"userId": "bob", "at": "2024-01-05T10:00:00Z", "kind": "login"}
CV = {"id": "cv9", "userId": "bob", "at": "2024-02-02T00:00:00Z", "revenueCents": 900}


def ref(kind: str, rid: str) -> dict[str, str]:
    return {"kind": kind, "id": rid}


def invite_input(**changes: Any) -> dict[str, Any]:
    return {"id": "i9", "referrer": ref("USER", "alice"), "at": "2024-01-02T12:00:00Z"} | changes


def text(values: dict[str, Any]) -> dict[str, str]:
    """Input values as CSV cells."""
    return {k: str(v) for k, v in values.items()}


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    document: str
    variables: dict[str, Any]
    rows: dict[files.KindName, list[dict[str, str]]]
    # The rows are also appended to the base graph's own files and imported into an empty
    # database (create mode); False where that is not the same condition, with why.
    in_files: bool = True


COST_9 = {"id": "k9", "sourceKind": "PARTNER", "sourceId": "p1", "at": "2024-01-01T00:00:00Z",
          "amountCents": "500"}  # fmt: skip


def cost_input(**changes: Any) -> dict[str, Any]:
    """The ``recordCost`` input of ``COST_9``, with ``changes``."""
    base: dict[str, Any] = {
        "id": "k9",
        "source": {"kind": "PARTNER", "id": "p1"},
        "at": "2024-01-01T00:00:00Z",
        "amountCents": 500,
    }
    return base | changes


def sign_up(
    case_id: str, code: str, rows: dict[files.KindName, list[dict[str, str]]], **input: Any
) -> Case:
    return Case(case_id, code, SIGN_UP, {"i": ZED | input}, rows)


def bad(case_id: str, document: str, variables: dict[str, Any], rows: Any) -> Case:
    return Case(case_id, "INVALID_INPUT", document, variables, rows)


CASES: list[Case] = [
    # INVALID_INPUT: every field rule of ``growthgraph.validation``, as the files spell the field.
    bad("user id", SIGN_UP, {"i": ZED | {"id": BAD_ID}}, {"users": [ZED | {"id": BAD_ID}]}),
    bad("user name blank", SIGN_UP, {"i": ZED | {"name": " "}}, {"users": [ZED | {"name": " "}]}),
    bad("user name long", SIGN_UP, {"i": ZED | {"name": LONG}}, {"users": [ZED | {"name": LONG}]}),
    bad("user email", SIGN_UP, {"i": ZED | {"email": "nope"}}, {"users": [ZED | {"email": "nope"}]}),
    bad("user signedUpAt zone", SIGN_UP, {"i": ZED | {"signedUpAt": NAIVE}},
        {"users": [ZED | {"signedUpAt": NAIVE}]}),
    bad("user country", SIGN_UP, {"i": ZED | {"country": "de"}}, {"users": [ZED | {"country": "de"}]}),
    bad("user plan", SIGN_UP, {"i": ZED | {"plan": LONG}}, {"users": [ZED | {"plan": LONG}]}),
    bad("user channel", SIGN_UP, {"i": ZED | {"channel": LONG}}, {"users": [ZED | {"channel": LONG}]}),
    bad("user campaignId", SIGN_UP, {"i": ZED | {"campaignId": BAD_ID}},
        {"users": [ZED | {"campaignId": BAD_ID}]}),
    bad("user ip (ipHash)", SIGN_UP, {"i": ZED | {"ip": LONG}}, {"users": [ZED | {"ipHash": LONG}]}),
    bad("user device (deviceHash)", SIGN_UP, {"i": ZED | {"device": LONG}},
        {"users": [ZED | {"deviceHash": LONG}]}),
    bad("referrer id", SIGN_UP, {"i": ZED | {"referrer": ref("USER", BAD_ID)}},
        {"users": [ZED], "referrals": [ALICE_REFERS_ZED | {"referrerId": BAD_ID}]}),
    bad("referral channel", SIGN_UP, {"i": ZED | {"referrer": ref("USER", "alice"), "channel": LONG}},
        {"users": [ZED], "referrals": [ALICE_REFERS_ZED | {"channel": LONG}]}),
    bad("inviteId (acceptedBy)", SIGN_UP, {"i": ZED | {"inviteId": BAD_ID}},
        {"invites": [INVITE_9 | {"acceptedBy": BAD_ID}]}),
    bad("influencer id", INFLUENCER, {"i": INF | {"id": BAD_ID}},
        {"influencers": [text(INF | {"id": BAD_ID})]}),
    bad("influencer handle", INFLUENCER, {"i": INF | {"handle": " "}},
        {"influencers": [text(INF | {"handle": " "})]}),
    bad("influencer platform", INFLUENCER, {"i": INF | {"platform": LONG}},
        {"influencers": [text(INF | {"platform": LONG})]}),
    bad("influencer followers", INFLUENCER, {"i": INF | {"followers": -1}},
        {"influencers": [text(INF | {"followers": -1})]}),
    bad("influencer engagementRate", INFLUENCER, {"i": INF | {"engagementRate": 1.5}},
        {"influencers": [text(INF | {"engagementRate": 1.5})]}),
    bad("influencer costCents", INFLUENCER, {"i": INF | {"costCents": -5}},
        {"influencers": [text(INF | {"costCents": -5})]}),
    bad("partner id", PARTNER, {"i": {"id": BAD_ID, "name": "P", "kind": "RESELLER"}},
        {"partners": [{"id": BAD_ID, "name": "P", "kind": "reseller"}]}),
    bad("partner name", PARTNER, {"i": {"id": "p9", "name": " ", "kind": "RESELLER"}},
        {"partners": [{"id": "p9", "name": " ", "kind": "reseller"}]}),
    bad("partner costCents", PARTNER,
        {"i": {"id": "p9", "name": "P", "kind": "RESELLER", "costCents": -1}},
        {"partners": [{"id": "p9", "name": "P", "kind": "reseller", "costCents": "-1"}]}),
    bad("campaign id", CAMPAIGN, {"i": {"id": BAD_ID, "name": "C"}},
        {"campaigns": [{"id": BAD_ID, "name": "C"}]}),
    bad("campaign name", CAMPAIGN, {"i": {"id": "c9", "name": " "}},
        {"campaigns": [{"id": "c9", "name": " "}]}),
    bad("campaign utm", CAMPAIGN, {"i": {"id": "c9", "name": "C", "utmSource": LONG}},
        {"campaigns": [{"id": "c9", "name": "C", "utmSource": LONG}]}),
    bad("invite id", INVITE, {"i": invite_input(id=BAD_ID)}, {"invites": [INVITE_9 | {"id": BAD_ID}]}),
    bad("invite sender id", INVITE, {"i": invite_input(referrer=ref("USER", BAD_ID))},
        {"invites": [INVITE_9 | {"referrerId": BAD_ID}]}),
    bad("invite at zone", INVITE, {"i": invite_input(at=NAIVE)}, {"invites": [INVITE_9 | {"at": NAIVE}]}),
    bad("invite channel", INVITE, {"i": invite_input(channel=LONG)},
        {"invites": [INVITE_9 | {"channel": LONG}]}),
    bad("invite campaignId", INVITE, {"i": invite_input(campaignId=BAD_ID)},
        {"invites": [INVITE_9 | {"campaignId": BAD_ID}]}),
    bad("conversion id", CONVERSION, {"i": CV | {"id": BAD_ID}}, {"conversions": [text(CV | {"id": BAD_ID})]}),
    bad("conversion userId", CONVERSION, {"i": CV | {"userId": BAD_ID}},
        {"conversions": [text(CV | {"userId": BAD_ID})]}),
    bad("conversion at zone", CONVERSION, {"i": CV | {"at": NAIVE}}, {"conversions": [text(CV | {"at": NAIVE})]}),
    bad("conversion revenueCents", CONVERSION, {"i": CV | {"revenueCents": -1}},
        {"conversions": [text(CV | {"revenueCents": -1})]}),
    bad("conversion plan", CONVERSION, {"i": CV | {"plan": LONG}}, {"conversions": [text(CV | {"plan": LONG})]}),
    bad("activity userId", ACTIVITY, ACT | {"userId": BAD_ID}, {"activities": [ACT | {"userId": BAD_ID}]}),
    bad("activity at zone", ACTIVITY, ACT | {"at": NAIVE}, {"activities": [ACT | {"at": NAIVE}]}),
    bad("activity kind", ACTIVITY, ACT | {"kind": "Log In"}, {"activities": [ACT | {"kind": "Log In"}]}),
    bad("activity kind long", ACTIVITY, ACT | {"kind": "x" * 65}, {"activities": [ACT | {"kind": "x" * 65}]}),
    bad("connection id", CONNECT, {"a": BAD_ID, "b": "alice"}, {"connections": [{"a": BAD_ID, "b": "alice"}]}),
    bad("connection at zone", CONNECT, {"a": "alice", "b": "carol", "at": NAIVE},
        {"connections": [{"a": "alice", "b": "carol", "at": NAIVE}]}),
    # The other refusals of recordSignUp: the import's users and referrals rows.
    sign_up("unknown referring user", "UNKNOWN_REFERRER",
            {"users": [ZED], "referrals": [ALICE_REFERS_ZED | {"referrerId": "nobody"}]},
            referrer=ref("USER", "nobody")),
    sign_up("unknown influencer", "UNKNOWN_REFERRER",
            {"users": [ZED], "referrals": [{"userId": "zed", "referrerKind": "INFLUENCER",
                                            "referrerId": "inf9"}]},
            referrer=ref("INFLUENCER", "inf9")),
    sign_up("unknown partner", "UNKNOWN_REFERRER",
            {"users": [ZED], "referrals": [{"userId": "zed", "referrerKind": "PARTNER",
                                            "referrerId": "p9"}]},
            referrer=ref("PARTNER", "p9")),
    sign_up("unknown campaign of a user", "UNKNOWN_CAMPAIGN",
            {"users": [ZED | {"campaignId": "nope"}]}, campaignId="nope"),
    sign_up("unknown campaign of a referral", "UNKNOWN_CAMPAIGN",
            {"users": [ZED], "referrals": [ALICE_REFERS_ZED | {"campaignId": "nope"}]},
            referrer=ref("USER", "alice"), campaignId="nope"),
    sign_up("self-referral", "SELF_REFERRAL",
            {"users": [ZED], "referrals": [ALICE_REFERS_ZED | {"referrerId": "zed"}]},
            referrer=ref("USER", "zed")),
    Case("already referred", "ALREADY_REFERRED", SIGN_UP,
         {"i": BOB | {"referrer": ref("INFLUENCER", "inf1")}},
         {"referrals": [{"userId": "bob", "referrerKind": "INFLUENCER", "referrerId": "inf1"}]}),
    sign_up("sign-up before the referrer", "SIGN_UP_BEFORE_REFERRER",
            {"users": [ZED | {"signedUpAt": "2024-01-01T00:00:00Z"}], "referrals": [ALICE_REFERS_ZED]},
            referrer=ref("USER", "alice"), signedUpAt="2024-01-01T00:00:00Z"),
    sign_up("invite already accepted", "INVITE_ALREADY_ACCEPTED",
            {"users": [ZED], "referrals": [ALICE_REFERS_ZED],
             "invites": [BASE["invites"][0] | {"acceptedBy": "zed"}]},
            inviteId="i1"),
    sign_up("invite from another referrer", "INVITE_REFERRER_MISMATCH",
            {"users": [ZED],
             "referrals": [{"userId": "zed", "referrerKind": "INFLUENCER", "referrerId": "inf1"}],
             "invites": [INVITE_9 | {"acceptedBy": "zed"}]},
            referrer=ref("INFLUENCER", "inf1"), inviteId="i2"),
    sign_up("sign-up before the invite", "SIGN_UP_BEFORE_INVITE",
            {"users": [ZED | {"signedUpAt": "2024-01-02T10:30:00Z"}], "referrals": [ALICE_REFERS_ZED],
             "invites": [INVITE_9 | {"at": "2024-01-02T11:00:00Z", "acceptedBy": "zed"}]},
            signedUpAt="2024-01-02T10:30:00Z", inviteId="i2"),
    # ID_CONFLICT: an id stored (or defined earlier in the files) with other values.
    Case("user with other values", "ID_CONFLICT", SIGN_UP, {"i": BOB | {"name": "Robert"}},
         {"users": [BOB | {"name": "Robert"}]}),
    Case("user accepting a second invite", "ID_CONFLICT", SIGN_UP, {"i": BOB | {"inviteId": "i2"}},
         {"invites": [INVITE_9 | {"acceptedBy": "bob"}]}),
    Case("influencer with other values", "ID_CONFLICT", INFLUENCER, {"i": INF | {"id": "inf1"}},
         {"influencers": [text(INF | {"id": "inf1"})]}),
    Case("partner with other values", "ID_CONFLICT", PARTNER,
         {"i": {"id": "p1", "name": "Other", "kind": "RESELLER"}},
         {"partners": [{"id": "p1", "name": "Other", "kind": "reseller"}]}),
    Case("campaign with other values", "ID_CONFLICT", CAMPAIGN, {"i": {"id": "c1", "name": "Other"}},
         {"campaigns": [{"id": "c1", "name": "Other"}]}),
    Case("invite with other values", "ID_CONFLICT", INVITE,
         {"i": invite_input(id="i2", at="2024-01-02T12:30:00Z")},
         {"invites": [INVITE_9 | {"id": "i2", "at": "2024-01-02T12:30:00Z"}]}),
    Case("invite from another sender", "ID_CONFLICT", INVITE,
         {"i": invite_input(id="i2", referrer=ref("INFLUENCER", "inf1"), at="2024-01-02T11:00:00Z")},
         {"invites": [{"id": "i2", "referrerKind": "INFLUENCER", "referrerId": "inf1",
                       "at": "2024-01-02T11:00:00Z"}]}),
    Case("conversion with other values", "ID_CONFLICT", CONVERSION,
         {"i": CV | {"id": "cv1", "at": "2024-02-01T00:00:00Z", "revenueCents": 1000}},
         {"conversions": [text(CV | {"id": "cv1", "at": "2024-02-01T00:00:00Z",
                                     "revenueCents": 1000})]}),
    Case("conversion of another user", "ID_CONFLICT", CONVERSION,
         {"i": CV | {"id": "cv1", "userId": "alice", "at": "2024-02-01T00:00:00Z"}},
         {"conversions": [text(CV | {"id": "cv1", "userId": "alice", "at": "2024-02-01T00:00:00Z"})]}),
    # recordInvite, recordConversion, connectUsers.
    Case("unknown sender", "UNKNOWN_REFERRER", INVITE, {"i": invite_input(referrer=ref("INFLUENCER", "inf9"))},
         {"invites": [INVITE_9 | {"referrerKind": "INFLUENCER", "referrerId": "inf9"}]}),
    Case("unknown campaign of an invite", "UNKNOWN_CAMPAIGN", INVITE, {"i": invite_input(campaignId="nope")},
         {"invites": [INVITE_9 | {"campaignId": "nope"}]}),
    Case("invite before its sender", "INVITE_BEFORE_SENDER", INVITE,
         {"i": invite_input(referrer=ref("USER", "carol"), at="2024-01-04T10:00:00Z")},
         {"invites": [INVITE_9 | {"referrerId": "carol", "at": "2024-01-04T10:00:00Z"}]}),
    Case("conversion of an unknown user", "UNKNOWN_USER", CONVERSION, {"i": CV | {"userId": "nobody"}},
         {"conversions": [text(CV | {"userId": "nobody"})]}),
    Case("conversion before the sign-up", "CONVERSION_BEFORE_SIGN_UP", CONVERSION,
         {"i": CV | {"at": "2024-01-02T00:00:00Z"}},
         {"conversions": [text(CV | {"at": "2024-01-02T00:00:00Z"})]}),
    # recordCost.
    bad("cost amount", COST, {"i": cost_input(amountCents=-1)}, {"costs": [COST_9 | {"amountCents": "-1"}]}),
    bad("cost at zone", COST, {"i": cost_input(at=NAIVE)}, {"costs": [COST_9 | {"at": NAIVE}]}),
    bad("cost id", COST, {"i": cost_input(id=BAD_ID)}, {"costs": [COST_9 | {"id": BAD_ID}]}),
    bad("cost note", COST, {"i": cost_input(note=LONG)}, {"costs": [COST_9 | {"note": LONG}]}),
    Case("cost with other values", "ID_CONFLICT", COST, {"i": cost_input(id="k1", amountCents=501)},
         {"costs": [COST_9 | {"id": "k1", "amountCents": "501"}]}),
    Case("cost on another source", "ID_CONFLICT", COST,
         {"i": cost_input(id="k1", amountCents=500, source={"kind": "INFLUENCER", "id": "inf1"})},
         {"costs": [COST_9 | {"id": "k1", "amountCents": "500", "sourceKind": "INFLUENCER",
                              "sourceId": "inf1"}]}),
    Case("cost of an unknown partner", "UNKNOWN_REFERRER", COST,
         {"i": cost_input(source={"kind": "PARTNER", "id": "p9"})},
         {"costs": [COST_9 | {"sourceId": "p9"}]}),
    Case("cost of an unknown campaign", "UNKNOWN_CAMPAIGN", COST,
         {"i": cost_input(source={"kind": "CAMPAIGN", "id": "nope"})},
         {"costs": [COST_9 | {"sourceKind": "CAMPAIGN", "sourceId": "nope"}]}),
    Case("activity of an unknown user", "UNKNOWN_USER", ACTIVITY, ACT | {"userId": "nobody"},
         {"activities": [ACT | {"userId": "nobody"}]}),
    Case("activity before the sign-up", "ACTIVITY_BEFORE_SIGN_UP", ACTIVITY,
         ACT | {"at": "2024-01-03T09:59:59Z"}, {"activities": [ACT | {"at": "2024-01-03T09:59:59Z"}]}),
    Case("connection to an unknown user", "UNKNOWN_USER", CONNECT, {"a": "alice", "b": "nobody"},
         {"connections": [{"a": "alice", "b": "nobody"}]}),
    Case("self-connection", "SELF_CONNECTION", CONNECT, {"a": "alice", "b": "alice"},
         {"connections": [{"a": "alice", "b": "alice"}]}),
]  # fmt: skip

# Refusals no import row can meet, and why.
NOT_IN_AN_IMPORT: dict[str, str] = {
    "UNKNOWN_INVITE": "an acceptance is a column (acceptedBy) of the invite's own row: a row "
    "cannot name an invite that is not there",
    "UNKNOWN_REWARD_RULE": "reward rules, runs and ledgers are not import kinds",
    "PERIOD_OVERLAP": "reward runs are not an import kind",
    "PERIOD_TOO_LARGE": "reward runs are not an import kind",
    "UNKNOWN_REWARD": "rewards are not an import kind",
    "INVALID_TRANSITION": "reward statuses are not an import kind",
    "ANALYSIS_RUNNING": "network analysis jobs are not an import kind",
    "USER_ERASED": "erasure is not an import kind (an erased user's row imports as erased)",
}


GRAPH: LiteralString = """
MATCH (n)
OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props, type(r) AS type, properties(r) AS edge,
       labels(m) AS toLabels, m.id AS to
"""


async def _graph(db: Database) -> list[str]:
    """Every node with each of its outgoing edges, sorted: equal lists mean nothing changed."""
    return sorted(repr(sorted(row.items())) for row in await db.read(GRAPH))


def _csv(kind: files.KindName, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*files.REQUIRED[kind], *files.OPTIONAL[kind]])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _write(directory: Path, tables: Mapping[files.KindName, list[dict[str, str]]]) -> Path:
    directory.mkdir()
    for kind, rows in tables.items():
        (directory / f"{kind}.csv").write_text(_csv(kind, rows), encoding="utf-8")
    return directory


async def _mutate(db: Database, settings: Settings, case: Case) -> dict[str, Any]:
    token = set_role(Role.ADMIN)
    try:
        result = await build_schema(settings).execute(
            case.document, variable_values=case.variables, context_value=Context(db, settings)
        )
    finally:
        reset_role(token)
    assert result.errors is None, result.errors
    assert result.data is not None
    answer: dict[str, Any] = result.data["r"]
    return answer


def _check_reason(case: Case, answer: dict[str, Any], reasons: list[str]) -> None:
    assert [code_of(r) for r in reasons] == [case.code], reasons
    if case.code == "INVALID_INPUT":
        # The same field rule: the mutation's message is in the reject's reason.
        messages = [p["message"] for p in answer["problems"]]
        assert messages
        assert all(m in reasons[0] for m in messages), (messages, reasons)


def test_every_refusal_is_in_the_table_or_explained() -> None:
    covered = {case.code for case in CASES}
    every = {code.value for code in ErrorCode}
    assert covered | NOT_IN_AN_IMPORT.keys() == every
    assert covered.isdisjoint(NOT_IN_AN_IMPORT)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_the_import_refuses_what_the_mutation_refuses(
    clean_db: Database, settings: Settings, tmp_path: Path, case: Case
) -> None:
    await run_import(clean_db, _write(tmp_path / "base", BASE))
    before = await _graph(clean_db)
    answer = await _mutate(clean_db, settings, case)
    assert answer.get("code") == case.code, answer
    assert await _graph(clean_db) == before  # a refusal writes nothing

    stored = await run_import(clean_db, _write(tmp_path / "rows", case.rows))
    assert stored.mode == "merge"
    _check_reason(case, answer, [r.reason for r in stored.rejects])

    if case.in_files:
        await delete_everything(clean_db)
        both: dict[files.KindName, list[dict[str, str]]] = {
            kind: BASE.get(kind, []) + case.rows.get(kind, []) for kind in files.KINDS
        }
        beside = await run_import(clean_db, _write(tmp_path / "both", both))
        assert beside.mode == "create"
        _check_reason(case, answer, [r.reason for r in beside.rejects])


async def test_a_stored_user_may_get_its_first_referrer_from_an_import(
    clean_db: Database, settings: Settings, tmp_path: Path
) -> None:
    """The one deliberate difference. ``recordSignUp`` creates a user, so naming a referrer for
    a user already stored is ID_CONFLICT; an import merges files into the graph, and a referral
    row may give a stored user that has no referrer its first one (bulk data often brings the
    referrals after their users). Every rule of the graph still holds: one referrer, sign-up
    order, no cycle."""
    await run_import(clean_db, _write(tmp_path / "base", BASE))
    carol = BASE["users"][2] | {"referrer": ref("USER", "alice")}
    answer = await _mutate(clean_db, settings, Case("", "", SIGN_UP, {"i": carol}, {}))
    assert answer["code"] == "ID_CONFLICT"
    rows: dict[files.KindName, list[dict[str, str]]] = {
        "referrals": [{"userId": "carol", "referrerKind": "USER", "referrerId": "alice"}]
    }
    outcome = await run_import(clean_db, _write(tmp_path / "rows", rows))
    assert outcome.rejects == []
    assert outcome.loaded["referrals"] == 1


async def test_an_activity_is_loaded_once_however_often_it_comes(
    clean_db: Database, settings: Settings, tmp_path: Path
) -> None:
    """An activity is its user, instant and kind, in the import as in ``recordActivity``: a
    row repeating one (in another spelling of the instant) is a DUPLICATE, and rows of activities
    already stored load again as no-ops, as the mutation answers ``created: false``."""
    await run_import(clean_db, _write(tmp_path / "base", BASE))
    before = await _graph(clean_db)
    stored = BASE["activities"][0]
    again = await _mutate(clean_db, settings, Case("", "", ACTIVITY, dict(stored), {}))
    assert again["__typename"] == "RecordActivitySuccess"
    rows: dict[files.KindName, list[dict[str, str]]] = {
        "activities": [stored, ACT, ACT | {"at": "2024-01-05T11:00:00+01:00"}]
    }
    outcome = await run_import(clean_db, _write(tmp_path / "rows", rows))
    assert [(r.line, code_of(r.reason)) for r in outcome.rejects] == [(4, "DUPLICATE")]
    count = "MATCH (:User {id: 'bob'})-[:DID]->(a:Activity) RETURN count(a) AS n"
    assert await clean_db.read(count) == [{"n": 2}]
    outcome = await run_import(clean_db, _write(tmp_path / "rerun", rows))
    assert await clean_db.read(count) == [{"n": 2}]
    # One new activity node, and one more row for bob: its new DID edge.
    assert len(await _graph(clean_db)) == len(before) + 2
