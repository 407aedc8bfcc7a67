"""API keys: who is calling, and whether they may call now.

Keys are configured as ``role:sha256-hex`` pairs (``GROWTHGRAPH_API_KEYS``): the service never
sees a key in clear except on the request that presents it, hashes it, and compares the hash with
every configured one in constant time. Roles:

- ``analyst``: every read; a user's name and email come back masked.
- ``writer``: reads (masked like an analyst) and the mutations that record events.
- ``admin``: everything, unmasked, including the admin-only mutations.

Without a key a request is anonymous: it may read the public aggregates when
``GROWTHGRAPH_PUBLIC_AGGREGATES`` is on, and nothing else; never a mutation. With no keys
configured in development, access is open (every request is admin), so a laptop needs no setup.

The same middleware applies the rate limit (``http.guards.ClientLimits``) to ``/graphql``, keyed
by the identity it established: a configured key's hash, else the caller's address, with keys
that match nothing counted in a separate, smaller budget per address. A request refused for its
credentials (a key that matches nothing, or none where every request needs one) gets ``401`` with
a GraphQL error body, before the body is read.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import Scope, Send

from growthgraph.config import Network, Role
from growthgraph.errors import UnauthenticatedError
from growthgraph.http.guards import (
    GUARDED_PATH,
    Client,
    ClientLimits,
    Standing,
    client_address,
    refuse,
    refuse_rate_limited,
)

WWW_AUTHENTICATE = {"www-authenticate": 'Bearer realm="growthgraph"'}
ANONYMOUS_REFUSED = "Send an API key (X-API-Key or Authorization: Bearer)."


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Authenticator:
    def __init__(self, keys: tuple[tuple[Role, str], ...]) -> None:
        self._keys = keys

    def match(self, key: str) -> tuple[Role, str] | None:
        """The configured (role, hash) the key hashes to; every configured hash is compared,
        in constant time, without stopping early."""
        presented = hash_key(key).encode()
        found: tuple[Role, str] | None = None
        for role, digest in self._keys:
            if hmac.compare_digest(presented, digest.encode()):
                found = (role, digest)
        return found

    def role_of(self, key: str) -> Role | None:
        found = self.match(key)
        return None if found is None else found[0]


def presented_keys(scope: Scope) -> set[str]:
    """Every key the request presents: each ``X-API-Key`` header and each ``Authorization``
    header of the Bearer scheme (any whitespace after the scheme). Other Authorization schemes
    are not keys and are ignored, wherever they stand among the headers."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    keys: set[str] = set()
    for name, value in headers:
        text = value.decode("latin-1").strip()
        if not text:
            continue
        if name == b"x-api-key":
            keys.add(text)
        elif name == b"authorization":
            scheme, *rest = text.split(None, 1)
            if scheme.lower() == "bearer" and rest and rest[0].strip():
                keys.add(rest[0].strip())
    return keys


def presented_key(scope: Scope) -> str | None:
    """The one key the request presents; None for none, or for two different ones (which
    ``Gate`` refuses as a failed attempt)."""
    keys = presented_keys(scope)
    return next(iter(keys)) if len(keys) == 1 else None


class Gate:
    """Decides a request's role and applies the rate limit. A key that matches nothing is
    refused at once (401, after its failed-attempts budget is charged); so is an anonymous
    request to ``/graphql`` when nothing may be read without a key."""

    def __init__(
        self,
        keys: tuple[tuple[Role, str], ...],
        required: bool,
        *,
        limits: ClientLimits | None = None,
        trusted_proxies: tuple[Network, ...] = (),
        anonymous_may_read: bool = True,
    ) -> None:
        self.authenticator = Authenticator(keys)
        self.required = required
        self.limits = limits
        self.trusted_proxies = trusted_proxies
        self.anonymous_may_read = anonymous_may_read

    def identify(self, scope: Scope) -> tuple[Client, Role | None]:
        """Whom the request counts against, and its role (None: anonymous or refused)."""
        address = client_address(scope, self.trusted_proxies)
        if not self.required:  # open development mode: keys are not checked, so not trusted
            return Client(Standing.ANONYMOUS, address), Role.ADMIN
        keys = presented_keys(scope)
        if not keys:
            return Client(Standing.ANONYMOUS, address), None
        found = self.authenticator.match(keys.pop()) if len(keys) == 1 else None
        if found is None:
            return Client(Standing.FAILED, address), None
        role, digest = found
        return Client(Standing.KEY, digest), role

    async def admit(self, scope: Scope, send: Send) -> tuple[bool, Role | None]:
        """Whether the request may go on, and its role. A refused request has been answered
        (401 or 429) when this returns False."""
        client, role = self.identify(scope)
        guarded = scope["path"] == GUARDED_PATH
        failed = client.standing is Standing.FAILED
        # Every wrong key is charged, on any path (a 401 anywhere would tell a guess apart).
        if (guarded or failed) and self.limits is not None:
            wait = self.limits.take(client)
            if wait > 0:
                await refuse_rate_limited(send, wait)
                return False, None
        if failed:
            await refuse(
                send, 401, UnauthenticatedError.code, "The API key is not valid.", WWW_AUTHENTICATE
            )
            return False, None
        if role is None and guarded and not self.anonymous_may_read and _graphql_request(scope):
            # Nothing can be read without a key: refuse before the body is read or parsed.
            await refuse(send, 401, UnauthenticatedError.code, ANONYMOUS_REFUSED, WWW_AUTHENTICATE)
            return False, None
        return True, role


def _graphql_request(scope: Scope) -> bool:
    """A GraphQL request, as opposed to a browser asking for the playground page (a ``GET``
    without a ``query`` parameter), which needs no key: its requests do."""
    if scope["method"] != "GET":
        return True
    query_string: bytes = scope.get("query_string", b"")
    return any(part.split(b"=", 1)[0] == b"query" for part in query_string.split(b"&"))
