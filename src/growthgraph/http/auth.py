"""API keys: who is calling.

Keys are configured as ``role:sha256-hex`` pairs (``GROWTHGRAPH_API_KEYS``): the service never
sees a key in clear except on the request that presents it, hashes it, and compares the hash with
every configured one in constant time. Roles:

- ``analyst``: every read; a user's name and email come back masked.
- ``writer``: reads (masked like an analyst) and the mutations that record events.
- ``admin``: everything, unmasked, including the admin-only mutations.

Without a key a request is anonymous: it may read the public aggregates when
``GROWTHGRAPH_PUBLIC_AGGREGATES`` is on, and nothing else; never a mutation. With no keys
configured in development, access is open (every request is admin), so a laptop needs no setup.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from growthgraph.api.permissions import reset_role, set_role
from growthgraph.config import Role
from growthgraph.errors import UnauthenticatedError
from growthgraph.http.guards import refuse

KEY_HEADERS = (b"x-api-key", b"authorization")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Authenticator:
    def __init__(self, keys: tuple[tuple[Role, str], ...]) -> None:
        self._keys = keys

    def role_of(self, key: str) -> Role | None:
        """Compare against every configured hash, in constant time, without stopping early."""
        presented = hash_key(key).encode()
        found: Role | None = None
        for role, digest in self._keys:
            if hmac.compare_digest(presented, digest.encode()):
                found = role
        return found


def presented_key(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class AuthMiddleware:
    """Sets the request's role. A key that matches nothing is refused at once (401)."""

    def __init__(self, app: ASGIApp, keys: tuple[tuple[Role, str], ...], required: bool) -> None:
        self.app = app
        self.authenticator = Authenticator(keys)
        self.required = required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        role: Role | None = Role.ADMIN
        if self.required:
            key = presented_key(scope)
            role = None if key is None else self.authenticator.role_of(key)
            if key is not None and role is None:
                await refuse(send, 401, UnauthenticatedError.code, "The API key is not valid.")
                return
        token = set_role(role)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_role(token)
