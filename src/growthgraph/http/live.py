"""Subscriptions over WebSocket: ``graphql-transport-ws`` on ``/graphql``, with the same keys,
roles and masking as HTTP.

The key comes in the ``connection_init`` payload (``{"apiKey": "..."}``, or ``X-API-Key`` /
``Authorization: Bearer`` entries) and/or in the handshake's own headers; as over HTTP, two
different keys, a key that matches nothing, or no key where one is needed is not authenticated.
The role it proves is set for the whole connection, so every event is masked as a query by the
same caller would be. Close codes (besides the protocol's own: 4400 bad message, 4408 no
``connection_init`` in time, 4409 a duplicate subscription id, 4429 a second
``connection_init``):

- ``4401`` not authenticated (the reason says why);
- ``4429`` too many open connections for this client (``GROWTHGRAPH_LIVE_CONNECTIONS``, per
  process), or too many failed keys from this address (``GROWTHGRAPH_AUTH_FAILURE_LIMIT``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from growthgraph.api.context import Context
from growthgraph.api.permissions import set_role
from growthgraph.config import Network, Role
from growthgraph.http.auth import Authenticator, presented_keys
from growthgraph.http.guards import RateLimiter, client_address

UNAUTHENTICATED: Final = 4401
TOO_MANY: Final = 4429
# Entries of the connection_init payload that carry a key.
KEY_ENTRIES: Final = ("apiKey", "x-api-key", "X-API-Key")
AUTHORIZATION_ENTRIES: Final = ("authorization", "Authorization")


@dataclass
class LiveContext(Context):
    """The context of one WebSocket connection (shared by its subscriptions)."""

    websocket: WebSocket | None = None
    connection_params: object = None


@dataclass(frozen=True, slots=True)
class Admitted:
    role: Role
    client: str  # whom the connection counts against: a key's hash, else the address


@dataclass(frozen=True, slots=True)
class Refused:
    code: int
    reason: str


def payload_keys(payload: Mapping[str, object]) -> set[str]:
    keys: set[str] = set()
    for entry in KEY_ENTRIES:
        value = payload.get(entry)
        if isinstance(value, str) and value.strip():
            keys.add(value.strip())
    for entry in AUTHORIZATION_ENTRIES:
        value = payload.get(entry)
        if isinstance(value, str):
            scheme, *rest = value.strip().split(None, 1) or [""]
            if scheme.lower() == "bearer" and rest and rest[0].strip():
                keys.add(rest[0].strip())
    return keys


class LiveGate:
    """Who may open a subscription connection, and how many each client has open."""

    def __init__(
        self,
        keys: tuple[tuple[Role, str], ...],
        *,
        required: bool,
        per_client: int,
        failure_limit: int,
        trusted_proxies: tuple[Network, ...] = (),
    ) -> None:
        self.authenticator = Authenticator(keys)
        self.required = required
        self.per_client = per_client
        self.failures = RateLimiter(failure_limit) if failure_limit > 0 else None
        self.trusted_proxies = trusted_proxies
        self.open: dict[str, int] = {}

    def admit(self, scope: Mapping[str, Any], payload: Mapping[str, object]) -> Admitted | Refused:
        address = client_address(dict(scope), self.trusted_proxies)
        if not self.required:  # open development mode, as over HTTP
            return self._take(Admitted(Role.ADMIN, f"addr:{address}"))
        keys = presented_keys(dict(scope)) | payload_keys(payload)
        if not keys:
            return Refused(UNAUTHENTICATED, "Send an API key in the connection_init payload.")
        found = self.authenticator.match(keys.pop()) if len(keys) == 1 else None
        if found is None:
            if self.failures is not None and self.failures.take(f"fail:{address}") > 0:
                return Refused(TOO_MANY, "Too many failed API keys from this address.")
            return Refused(UNAUTHENTICATED, "The API key is not valid.")
        role, digest = found
        return self._take(Admitted(role, f"key:{digest}"))

    def _take(self, admitted: Admitted) -> Admitted | Refused:
        if self.open.get(admitted.client, 0) >= self.per_client:
            return Refused(TOO_MANY, f"At most {self.per_client} open connections per client.")
        self.open[admitted.client] = self.open.get(admitted.client, 0) + 1
        return admitted

    def release(self, admitted: Admitted) -> None:
        left = self.open.get(admitted.client, 0) - 1
        if left > 0:
            self.open[admitted.client] = left
        else:
            self.open.pop(admitted.client, None)


class HasGate(Protocol):
    live_gate: LiveGate


class LiveTransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's ``graphql-transport-ws`` handler, with our authentication at
    ``connection_init`` and the per-client connection count."""

    admitted: Admitted | None = None

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self.admitted is not None:
                cast("HasGate", self.view).live_gate.release(self.admitted)
                self.admitted = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = cast("object", message.get("payload") or {})
        if self.connection_init_received or self.connection_timed_out:
            await super().handle_connection_init(message)
            return
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        context = self.context
        websocket = context.websocket if isinstance(context, LiveContext) else None
        scope: Mapping[str, Any] = {} if websocket is None else websocket.scope
        verdict = cast("HasGate", self.view).live_gate.admit(
            scope, cast("Mapping[str, object]", payload)
        )
        if isinstance(verdict, Refused):
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(code=verdict.code, reason=verdict.reason)
            return
        self.admitted = verdict
        # The operations of this connection run in tasks started from this one: they inherit
        # the role, so access control and masking see the caller's role.
        set_role(verdict.role)
        await super().handle_connection_init(message)
