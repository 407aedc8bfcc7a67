"""The GraphQL contract over HTTP: mutations and their typed errors (each checked to write
nothing), queries against a networkx oracle, argument bounds, pagination and round trips."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.http.playground import DEFAULT_QUERY
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import Api
from tests.support import oracle
from tests.support.snapshot import snapshot

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess { created user { id signedUpAt referredBy { id kind } } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on AlreadyReferredError { referrer { id kind } }
    ... on SignUpBeforeReferrerError { referrerSignedUpAt }
  }
}
"""
INFLUENCER = """
mutation($input: CreateInfluencerInput!) {
  createInfluencer(input: $input) {
    __typename
    ... on CreateInfluencerSuccess { created influencer { id handle followers engagementRate } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field } }
  }
}
"""
PARTNER = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) {
    __typename
    ... on CreatePartnerSuccess { created partner { id partnerKind } }
    ... on Error { code }
  }
}
"""
CAMPAIGN = """
mutation($input: CreateCampaignInput!) {
  createCampaign(input: $input) {
    __typename
    ... on CreateCampaignSuccess { created campaign { id utmSource } }
    ... on Error { code }
  }
}
"""


def user_input(uid: str, at: str = "2024-05-01T10:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "name": f"User {uid}",
        "email": f"{uid}@example.com",
        "signedUpAt": at,
        **extra,
    }


def sign_up(api: Api, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = api.data(SIGN_UP, {"input": payload})["recordSignUp"]
    return result


def _seed_sources(api: Api) -> None:
    inf = {
        "id": "inf-1",
        "handle": "@ana",
        "platform": "tiktok",
        "followers": 1200,
        "engagementRate": 0.07,
    }
    assert api.data(INFLUENCER, {"input": inf})["createInfluencer"]["created"] is True
    ptn = {"id": "ptn-1", "name": "Shop Apps", "kind": "APP_MARKETPLACE"}
    assert api.data(PARTNER, {"input": ptn})["createPartner"]["created"] is True
    cmp = {"id": "cmp-1", "name": "Spring", "utmSource": "tiktok"}
    assert api.data(CAMPAIGN, {"input": cmp})["createCampaign"]["created"] is True
    assert sign_up(api, user_input("root", "2024-05-01T09:00:00Z"))["created"] is True


async def test_mutations_and_every_error_code(api: Api, clean_db: Database) -> None:
    _seed_sources(api)
    ok = sign_up(
        api,
        user_input(
            "kid",
            "2024-05-01T11:00:00+02:00",
            referrer={"kind": "USER", "id": "root"},
            channel="link",
            campaignId="cmp-1",
            country="DE",
        ),
    )
    assert ok["__typename"] == "RecordSignUpSuccess"
    assert ok["user"]["referredBy"] == {"id": "root", "kind": "USER"}
    assert ok["user"]["signedUpAt"].startswith("2024-05-01T09:00:00")
    repeat = sign_up(
        api,
        user_input(
            "kid",
            "2024-05-01T11:00:00+02:00",
            referrer={"kind": "USER", "id": "root"},
            channel="link",
            campaignId="cmp-1",
            country="DE",
        ),
    )
    assert repeat["__typename"] == "RecordSignUpSuccess"
    assert repeat["created"] is False

    before = await snapshot(clean_db)
    refusals: list[tuple[str, dict[str, Any], str]] = [
        ("INVALID_INPUT", user_input("n1", email="nope"), "InvalidInputError"),
        ("INVALID_INPUT", user_input("n1", country="Germany"), "InvalidInputError"),
        ("INVALID_INPUT", user_input("n1", "2024-05-01T10:00:00"), "InvalidInputError"),
        (
            "UNKNOWN_REFERRER",
            user_input("n2", referrer={"kind": "PARTNER", "id": "ghost"}),
            "UnknownReferrerError",
        ),
        ("UNKNOWN_CAMPAIGN", user_input("n3", campaignId="ghost"), "UnknownCampaignError"),
        (
            "SELF_REFERRAL",
            user_input("n4", referrer={"kind": "USER", "id": "n4"}),
            "SelfReferralError",
        ),
        (
            "ALREADY_REFERRED",
            user_input("kid", referrer={"kind": "INFLUENCER", "id": "inf-1"}),
            "AlreadyReferredError",
        ),
        (
            "SIGN_UP_BEFORE_REFERRER",
            user_input("n5", "2024-05-01T08:59:59Z", referrer={"kind": "USER", "id": "root"}),
            "SignUpBeforeReferrerError",
        ),
        (
            "ID_CONFLICT",
            user_input("root", "2024-05-01T09:00:00Z", name="Other"),
            "IdConflictError",
        ),
    ]
    for code, payload, typename in refusals:
        out = sign_up(api, payload)
        assert (out["__typename"], out["code"]) == (typename, code), payload
        assert out["message"]
        assert await snapshot(clean_db) == before, code

    bad_inf = {
        "id": "inf-2",
        "handle": "@b",
        "platform": "x",
        "followers": -5,
        "engagementRate": 1.5,
    }
    out = api.data(INFLUENCER, {"input": bad_inf})["createInfluencer"]
    assert out["code"] == "INVALID_INPUT"
    assert {p["field"] for p in out["problems"]} == {"followers", "engagementRate"}
    clash = {
        "id": "inf-1",
        "handle": "@other",
        "platform": "tiktok",
        "followers": 1200,
        "engagementRate": 0.07,
    }
    assert api.data(INFLUENCER, {"input": clash})["createInfluencer"]["code"] == "ID_CONFLICT"
    clash_ptn = {"id": "ptn-1", "name": "Shop Apps", "kind": "RESELLER"}
    assert api.data(PARTNER, {"input": clash_ptn})["createPartner"]["code"] == "ID_CONFLICT"
    clash_cmp = {"id": "cmp-1", "name": "Other"}
    assert api.data(CAMPAIGN, {"input": clash_cmp})["createCampaign"]["code"] == "ID_CONFLICT"
    assert await snapshot(clean_db) == before


async def test_multi_hop_queries_match_networkx(api: Api, clean_db: Database) -> None:
    data = seed.generate(users=600, seed=3)
    await load_dataset(clean_db, data)
    graph = oracle.referral_graph(data)
    got = api.data("""{ topReferrers(degree: 2, limit: 10) { signUps referrer { id kind } } }""")[
        "topReferrers"
    ]
    want = oracle.top_referrers(graph, degree=2, limit=10)
    kind_label = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}
    assert [
        ((kind_label[r["referrer"]["kind"]], r["referrer"]["id"]), r["signUps"]) for r in got
    ] == want

    times = sorted(u.signed_up_at for u in data.users)
    since, until = times[100], times[400]
    got = api.data(
        """query($s: DateTime, $u: DateTime) {
             topReferrers(degree: 1, limit: 5, since: $s, until: $u, kinds: [INFLUENCER, PARTNER]) {
               signUps referrer { id kind }
             }
           }""",
        {"s": since.isoformat(), "u": until.isoformat()},
    )["topReferrers"]
    want = oracle.top_referrers(
        graph, degree=1, limit=5, since=since, until=until, labels=["Influencer", "Partner"]
    )
    assert [
        ((kind_label[r["referrer"]["kind"]], r["referrer"]["id"]), r["signUps"]) for r in got
    ] == want

    root = want[0][0]
    cascade = api.data(
        """query($id: ID!, $kind: ReferrerKind!) {
             referralCascade(root: {kind: $kind, id: $id}, maxDepth: 10) { total depth levels { depth signUps } }
           }""",
        {"id": root[1], "kind": root[0].upper()},
    )["referralCascade"]
    levels = oracle.cascade_levels(graph, root, 10)
    assert {lv["depth"]: lv["signUps"] for lv in cascade["levels"]} == levels
    assert cascade["total"] == sum(levels.values())

    deepest = max(data.users, key=lambda u: len(oracle.attribution_chain(graph, u.id)))
    path = api.data(
        """query($id: ID!) { attributionPath(userId: $id) { id kind } }""", {"id": deepest.id}
    )["attributionPath"]
    chain = oracle.attribution_chain(graph, deepest.id)
    assert len(chain) >= 2
    assert [(kind_label[p["kind"]], p["id"]) for p in path] == chain

    assert api.data('{ attributionPath(userId: "nobody") { id } }')["attributionPath"] is None
    assert api.data('{ user(id: "nobody") { id } }')["user"] is None
    assert (
        api.data('{ referralCascade(root: {kind: USER, id: "nobody"}) { total } }')[
            "referralCascade"
        ]
        is None
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("{ topReferrers(degree: 0) { signUps } }", "degree"),
        ("{ topReferrers(degree: 6) { signUps } }", "degree"),
        ("{ topReferrers(degree: 1, limit: 101) { signUps } }", "limit"),
        ("{ topReferrers(degree: 1, limit: 0) { signUps } }", "limit"),
        (
            '{ topReferrers(degree: 1, since: "2024-02-01T00:00:00Z", until: "2024-01-01T00:00:00Z") { signUps } }',
            "since",
        ),
        ('{ topReferrers(degree: 1, since: "2024-02-01T00:00:00") { signUps } }', "time zone"),
        ('{ referralCascade(root: {kind: USER, id: "x"}, maxDepth: 51) { total } }', "maxDepth"),
        ("{ users(first: 101) { edges { cursor } } }", "first"),
        ('{ users(after: "not-a-cursor") { edges { cursor } } }', "cursor"),
    ],
)
def test_bad_arguments_give_a_coded_error(api: Api, query: str, fragment: str) -> None:
    before = api.round_trips
    body = api.gql(query)
    assert body["data"] is None or all(v is None for v in body["data"].values())
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert fragment in error["message"]
    assert api.round_trips == before, "a refused argument must not reach the database"


async def test_pagination_walks_every_user_once(api: Api, clean_db: Database) -> None:
    data = seed.generate(users=450, seed=5)
    await load_dataset(clean_db, data)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = api.data(
            "query($a: String) { users(first: 100, after: $a) { pageInfo { hasNextPage endCursor } nodes { id } } }",
            {"a": after},
        )["users"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(u.id for u in data.users)


NESTED = """
{
  users(first: 100) {
    nodes {
      id
      referredBy { id kind ... on User { referredBy { id kind } } }
      referral { channel campaign { id name } }
      referrals(first: 5) { nodes { id referrals(first: 3) { nodes { id } } } }
    }
  }
  influencers(first: 20) { edges { node { id referrals(first: 10) { nodes { id referredBy { id } } } } } }
}
"""


async def test_nested_selections_are_batched(api: Api, clean_db: Database) -> None:
    data = seed.generate(users=800, seed=9)
    await load_dataset(clean_db, data)
    graph = oracle.referral_graph(data)
    before = api.round_trips
    result = api.data(NESTED)
    trips = api.round_trips - before
    # users, influencers, then one batch per nested level and kind: far fewer than the
    # hundreds of parents in the response.
    assert trips <= 10, trips
    kind_label = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}
    for node in result["users"]["nodes"]:
        parents = list(graph.predecessors(("User", node["id"])))
        if parents:
            assert (kind_label[node["referredBy"]["kind"]], node["referredBy"]["id"]) == parents[0]
        else:
            assert node["referredBy"] is None
        children = sorted(c[1] for c in graph.successors(("User", node["id"])))
        assert [c["id"] for c in node["referrals"]["nodes"]] == children[:5]


def test_playground_and_health(api: Api) -> None:
    page = api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "growthgraph playground" in page.text
    # The query preloaded in the playground must be valid against the real schema.
    body = api.gql(DEFAULT_QUERY)
    assert "errors" not in body, body
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}
