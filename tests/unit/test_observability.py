"""Request ids, masking with the request id, error codes, JSON logs: a tiny schema whose resolver
fails unexpectedly, served through the same middleware and extension as the service."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import strawberry
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from strawberry.asgi import GraphQL

from growthgraph.api.extensions import OperationMetrics
from growthgraph.api.schema import GrowthGraphSchema
from growthgraph.api.telemetry import Metrics, current_request_id
from growthgraph.errors import BadUserInputError
from growthgraph.http.auth import Gate
from growthgraph.http.front import FrontDoor
from growthgraph.http.observability import JsonFormatter, request_id_from

SECRET = "MATCH (u:User) RETURN u.password"


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError(SECRET)

    @strawberry.field
    def refused(self) -> int:
        raise BadUserInputError("`first` must be between 1 and 100")

    @strawberry.field
    def request_id(self) -> str | None:
        return current_request_id()


def front_door(metrics: Metrics | None) -> dict[str, Any]:
    """The app's front layer, open (no keys) and without CORS."""
    return {
        "gate": Gate((), required=False),
        "max_body_bytes": 65_536,
        "metrics": metrics,
        "cors_origins": [],
    }


def make_app(metrics: Metrics) -> Starlette:
    schema = GrowthGraphSchema(query=Query, extensions=[lambda: OperationMetrics(metrics)])
    schema.metrics = metrics
    return Starlette(
        routes=[Route("/graphql", GraphQL[None, None](schema), methods=["GET", "POST"])],
        middleware=[Middleware(FrontDoor, **front_door(metrics))],
    )


async def post(app: Starlette, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/graphql", json={"query": query}, headers=headers or {})


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc-123_X.y:z", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has space", False),
        ("semi;colon", False),
        ("", False),
        (None, False),
    ],
)
def test_request_id_is_kept_only_when_sane(given: str | None, kept: bool) -> None:
    out = request_id_from(given)
    assert (out == given) is kept
    if not kept:
        assert len(out) == 32
        assert int(out, 16) >= 0


async def test_masked_error_carries_the_request_id_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    with caplog.at_level(logging.ERROR, logger="growthgraph.errors"):
        response = await post(make_app(metrics), "{ broken }", {"X-Request-ID": "req-42"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42"
    body = response.json()
    (error,) = body["errors"]
    assert error["message"] == "Internal error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert SECRET not in response.text
    assert "Traceback" not in response.text
    (record,) = [r for r in caplog.records if r.name == "growthgraph.errors"]
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "error"
    assert line["code"] == "INTERNAL_SERVER_ERROR"
    assert SECRET in line["exception"]  # the operator sees the cause, the client never does
    text = generate_latest(metrics.registry).decode()
    assert 'growthgraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR"} 1.0' in text


async def test_request_id_is_generated_and_visible_to_resolvers() -> None:
    response = await post(make_app(Metrics()), "{ requestId }", {"X-Request-ID": "bad id"})
    generated = response.headers["x-request-id"]
    assert generated != "bad id"
    assert len(generated) == 32
    assert response.json() == {"data": {"requestId": generated}}


async def test_json_log_line_has_the_request_id() -> None:
    seen: list[str] = []

    @strawberry.type
    class Logging:
        @strawberry.field
        def hello(self) -> str:
            record = logging.LogRecord(
                "growthgraph", logging.INFO, __file__, 1, "hi %s", ("x",), None
            )
            seen.append(JsonFormatter().format(record))
            return "ok"

    schema = strawberry.Schema(query=Logging)
    app = Starlette(
        routes=[Route("/graphql", GraphQL[None, None](schema), methods=["POST"])],
        middleware=[Middleware(FrontDoor, **front_door(None))],
    )
    await post(app, "{ hello }", {"X-Request-ID": "trace-7"})
    (line,) = seen
    parsed = json.loads(line)
    assert parsed.pop("time").endswith("+00:00")
    assert parsed == {
        "level": "info",
        "logger": "growthgraph",
        "message": "hi x",
        "requestId": "trace-7",
    }
    assert current_request_id() is None  # reset after the request


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ refused }", "BAD_USER_INPUT"),
        ("{ refused", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("query Q { refused } query Q { refused }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_every_error_has_a_code(query: str, code: str) -> None:
    body = (await post(make_app(Metrics()), query)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
