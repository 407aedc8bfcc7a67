"""The one layer in front of the routes: what used to be three middlewares (request id and
metrics, authentication with the rate limit, the body limit) run as one ASGI call, in the same
order, with CORS between the request id and the rest only when origins are configured.

For every HTTP request, in order: the request id is bound and echoed (``observability``); a CORS
preflight is answered (when configured); the caller is identified and charged against the rate
limit, and refused when its key matches nothing or it needs one (``auth``); the body of
``/graphql`` is read up to the limit (``guards``); then the request's role is set for the app.
"""

from __future__ import annotations

import time

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from growthgraph.api.permissions import reset_role, set_role
from growthgraph.api.telemetry import Metrics, bind_request_id, unbind_request_id
from growthgraph.http.auth import Gate
from growthgraph.http.guards import GUARDED_PATH, read_bounded
from growthgraph.http.observability import record_request, request_id_of

REQUEST_ID_HEADER = b"x-request-id"


class FrontDoor:
    """Request id, metrics, CORS, authentication, rate limit and body limit, in one layer."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        gate: Gate,
        max_body_bytes: int,
        metrics: Metrics | None,
        cors_origins: list[str],
    ) -> None:
        self.app = app
        self.gate = gate
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.admitted: ASGIApp = self._admit
        if cors_origins:
            self.admitted = CORSMiddleware(
                self._admit,
                allow_origins=cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["content-type", "authorization", "x-api-key", "x-request-id"],
                expose_headers=["x-request-id", "retry-after"],
                max_age=600,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        echoed = (REQUEST_ID_HEADER, request_id.encode("latin-1"))
        token = bind_request_id(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != REQUEST_ID_HEADER
                ]
                headers.append(echoed)
                message["headers"] = headers
            await send(message)

        try:
            await self.admitted(scope, receive, send_with_id)
        finally:
            unbind_request_id(token)
            if self.metrics is not None:
                record_request(self.metrics, scope, status, time.perf_counter() - started)

    async def _admit(self, scope: Scope, receive: Receive, send: Send) -> None:
        admitted, role = await self.gate.admit(scope, send)
        if not admitted:
            return
        if scope["path"] == GUARDED_PATH:
            replay = await read_bounded(receive, send, scope, self.max_body_bytes)
            if replay is None:
                return
            receive = replay
        token = set_role(role)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_role(token)
