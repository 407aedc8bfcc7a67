"""Pure logic of the HTTP boundary (issue 15.3, 15.4, 15.7, 15.8, 15.11): who a request counts
against, which forwarded address is believed, the failed-attempts budget, bounded metric labels,
suggestions off in graphql-core, the request-text check and the DateTime range."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from growthgraph import cli
from growthgraph.api.schema import build_schema, parse_instant
from growthgraph.api.telemetry import MAX_OPERATION_NAMES, Metrics
from growthgraph.config import Role, Settings, parse_proxies
from growthgraph.http.auth import Gate, hash_key, presented_key, presented_keys
from growthgraph.http.graphql_view import MAX_INPUT_DEPTH, RefusalError, check_request_text
from growthgraph.http.guards import Client, ClientLimits, Standing, client_address

KEY = "the-key"
KEYS = ((Role.ANALYST, hash_key(KEY)),)


def scope(headers: list[tuple[str, str]], peer: str = "10.0.0.9") -> dict[str, Any]:
    return {
        "type": "http",
        "path": "/graphql",
        "method": "POST",
        "client": (peer, 50000),
        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers],
    }


def identify(headers: list[tuple[str, str]], peer: str = "10.0.0.9", **kw: Any) -> Client:
    auth = Gate(KEYS, required=True, **kw)
    client, _ = auth.identify(scope(headers, peer))
    return client


def test_a_key_counts_under_its_configured_identity_however_it_is_sent() -> None:
    expected = Client(Standing.KEY, hash_key(KEY))
    for headers in (
        [("X-API-Key", KEY)],
        [("Authorization", f"Bearer {KEY}")],
        [("Authorization", f"Bearer      {KEY}")],
        [("Authorization", f"bearer\t{KEY}  ")],
        [("Authorization", "Basic dXNlcjpwYXNz"), ("X-API-Key", KEY)],  # junk first
        [("Authorization", "junk"), ("X-API-Key", KEY)],
        [("X-API-Key", KEY), ("Authorization", f"Bearer {KEY}")],  # the same key twice
    ):
        assert identify(headers) == expected, headers


def test_anonymous_and_failed_attempts_count_under_the_address() -> None:
    assert identify([]) == Client(Standing.ANONYMOUS, "10.0.0.9")
    assert identify([("Authorization", "Basic abc")]) == Client(Standing.ANONYMOUS, "10.0.0.9")
    for wrong in ("guess-1", "guess-2", f"{KEY}x"):
        assert identify([("X-API-Key", wrong)]) == Client(Standing.FAILED, "10.0.0.9")
    # Two different keys: which one? Neither: a failed attempt.
    both = [("X-API-Key", KEY), ("Authorization", "Bearer other")]
    assert identify(both) == Client(Standing.FAILED, "10.0.0.9")
    assert presented_key(scope(both)) is None
    assert presented_keys(scope(both)) == {KEY, "other"}


def test_open_mode_counts_every_request_under_the_address() -> None:
    auth = Gate((), required=False)
    client, role = auth.identify(scope([("X-API-Key", "anything")]))
    assert (client, role) == (Client(Standing.ANONYMOUS, "10.0.0.9"), Role.ADMIN)


def test_forwarded_addresses_are_believed_only_from_configured_proxies() -> None:
    spoofed = [("X-Forwarded-For", "1.2.3.4")]
    assert client_address(scope(spoofed, "127.0.0.1"), ()) == "127.0.0.1"
    assert client_address(scope(spoofed, "10.0.0.9"), parse_proxies("127.0.0.1")) == "10.0.0.9"
    proxies = parse_proxies("127.0.0.1, 10.1.0.0/16")
    assert client_address(scope(spoofed, "127.0.0.1"), proxies) == "1.2.3.4"
    # A client prepends what it likes; only what our proxies appended counts, from the right.
    chain = [("X-Forwarded-For", "6.6.6.6, 5.5.5.5"), ("X-Forwarded-For", "10.1.2.3")]
    assert client_address(scope(chain, "127.0.0.1"), proxies) == "5.5.5.5"
    assert client_address(scope([("X-Forwarded-For", "junk")], "127.0.0.1"), proxies) == "127.0.0.1"
    assert client_address(
        scope([("X-Forwarded-For", "[2001:db8::1]:443")], "127.0.0.1"), proxies
    ) == ("2001:db8::1")
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        parse_proxies("localhost")
    with pytest.raises(ValueError, match="not-an-address"):
        Settings(trusted_proxies="not-an-address")


def test_failed_attempts_have_their_own_smaller_budget() -> None:
    limits = ClientLimits(per_minute=100, failures_per_minute=2)
    failed = Client(Standing.FAILED, "10.0.0.9")
    anonymous = Client(Standing.ANONYMOUS, "10.0.0.9")
    assert [limits.take(failed, now=0.0) for _ in range(2)] == [0.0, 0.0]
    assert limits.take(failed, now=0.0) == pytest.approx(30.0)
    assert limits.take(anonymous, now=0.0) == 0.0  # the general budget is separate
    off = ClientLimits(per_minute=0, failures_per_minute=0)
    assert all(off.take(failed, now=0.0) == 0.0 for _ in range(100))


def test_operation_name_labels_are_bounded() -> None:
    metrics = Metrics()
    labels = {metrics.operation_label(f"Op{i}") for i in range(3_000)}
    assert len(labels) == MAX_OPERATION_NAMES + 1
    assert "other" in labels
    assert metrics.operation_label("Op0") == "Op0"  # a known name keeps its label
    assert metrics.operation_label("x" * 65) == "other"
    assert metrics.operation_label("bad name") == "other"


def test_suggestions_are_off_in_graphql_core() -> None:
    from graphql.pyutils import did_you_mean

    build_schema(Settings(demo_data=False))
    assert did_you_mean(["User", "Users"]) == ""


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:00:00-01:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:59:59+01:00",
    ],
)
def test_instants_outside_utc_are_refused_as_bad_input(value: str) -> None:
    with pytest.raises(GraphQLError) as refused:
        parse_instant(value)
    assert (refused.value.extensions or {})["code"] == "BAD_USER_INPUT"


def test_instants_at_the_edges_of_utc_are_accepted() -> None:
    assert parse_instant("9999-12-31T23:59:59Z").year == 9999
    assert parse_instant("0001-01-01T00:00:00+00:00").year == 1
    assert parse_instant("9999-12-31T10:00:00-13:59").year == 9999
    assert parse_instant("2024-05-01T10:00:00").tzinfo is None  # naive: refused by resolvers


def data(**fields: Any) -> GraphQLRequestData:
    values: dict[str, Any] = {
        "query": "{ __typename }",
        "variables": None,
        "operation_name": None,
        "extensions": None,
    }
    values.update(fields)
    return GraphQLRequestData(**values)


@pytest.mark.parametrize(
    "request_data",
    [
        data(query='{ user(id: "\ud800") { id } }'),
        data(operation_name="\udfff"),
        data(variables={"x": "a\ud800b"}),
        data(variables={"\ud800": 1}),
        data(variables={"x": [{"y": ["\udc00"]}]}),
        data(extensions={"e": "\ud83d"}),
    ],
    ids=["query", "operationName", "variable", "variable-name", "nested", "extensions"],
)
def test_invalid_text_is_refused_anywhere_in_the_request(request_data: GraphQLRequestData) -> None:
    with pytest.raises(RefusalError) as refused:
        check_request_text(request_data)
    assert (refused.value.status, refused.value.error.code) == (400, "BAD_USER_INPUT")


def test_deep_json_is_refused_and_valid_text_passes() -> None:
    deep: Any = "x"
    for _ in range(MAX_INPUT_DEPTH + 1):
        deep = [deep]
    with pytest.raises(RefusalError):
        check_request_text(data(variables={"x": deep}))
    check_request_text(data(variables={"x": ["😀 ünïcode", {"k": "\u2028"}]}))


def test_serve_does_not_let_uvicorn_believe_forwarded_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def run(*_args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("GROWTHGRAPH_DEMO_DATA", "0")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("GROWTHGRAPH_API_KEYS", "")
    cli.cmd_serve(argparse.Namespace(workers=1))
    assert seen["proxy_headers"] is False
