"""API keys and roles.

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
from collections.abc import Iterator
from contextvars import ContextVar
from enum import StrEnum

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
)
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from growthgraph.documents import chosen_operations
from growthgraph.errors import ForbiddenError, UnauthenticatedError
from growthgraph.guards import refuse


class Role(StrEnum):
    ANALYST = "analyst"
    WRITER = "writer"
    ADMIN = "admin"


# Root fields an anonymous caller may read when public aggregates are on: counts, no rows.
PUBLIC_FIELDS = frozenset({"topReferrers", "referralCascade", "__typename"})
# Mutations only an admin may run: erasure, jobs, and the reward ledger's money movements.
ADMIN_FIELDS = frozenset(
    {
        "eraseUser",
        "runNetworkAnalysis",
        "createRewardRule",
        "runRewards",
        "setRewardStatus",
        "flagUser",
        "unflagUser",
    }
)
# Personal data (User.name, User.email, NearDuplicateGroup.reasons) is masked for every role
# but admin by those fields' own resolvers: see personal() and personal_keys().
MASK = "[masked]"
KEY_HEADERS = (b"x-api-key", b"authorization")

_role: ContextVar[Role | None] = ContextVar("growthgraph_role", default=None)


def current_role() -> Role | None:
    """The role of the request being served; None when it is anonymous."""
    return _role.get()


def personal(value: str) -> str:
    """A personal value as the caller may see it: itself for admin, masked for every other role.
    Called by the personal fields' own resolvers, so no other field pays for the check."""
    return value if _role.get() is Role.ADMIN else MASK


def personal_keys(values: list[str]) -> list[str]:
    """Evidence keys derived from personal data (``email:<key>``): the kind stays visible."""
    if _role.get() is Role.ADMIN:
        return values
    return [item.split(":", 1)[0] + ":" + MASK for item in values]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_keys(spec: str) -> tuple[tuple[Role, str], ...]:
    """``role:hash,role:hash`` (whitespace ignored) into pairs; raises ValueError when malformed."""
    pairs: list[tuple[Role, str]] = []
    for item in spec.replace("\n", ",").split(","):
        entry = item.strip()
        if not entry:
            continue
        role, sep, digest = entry.partition(":")
        digest = digest.strip().lower()
        if not sep or role.strip() not in Role.__members__.values():
            raise ValueError(f"API key entry must be role:sha256-hex with a known role: {role!r}")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("API key hashes must be 64 hex characters (SHA-256)")
        pairs.append((Role(role.strip()), digest))
    return tuple(pairs)


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
        token = _role.set(role)
        try:
            await self.app(scope, receive, send)
        finally:
            _role.reset(token)


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[str]:
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield node.name.value
        elif isinstance(node, InlineFragmentNode):
            yield from _root_fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _root_fields(fragment.selection_set, fragments, seen)


class AccessControl(SchemaExtension):
    """Checks the operation against the caller's role after validation, before execution.
    Personal fields mask themselves (:func:`personal`)."""

    def __init__(self, public_aggregates: bool) -> None:
        self.public_aggregates = public_aggregates

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.pre_execution_errors:
            return
        chosen = chosen_operations(document, context.operation_name)
        for op in chosen.operations:
            fields = set(_root_fields(op.selection_set, chosen.fragments, set()))
            self._check(op.operation, fields)

    def _check(self, operation: OperationType, fields: set[str]) -> None:
        role = current_role()
        if operation is OperationType.MUTATION:
            if role is None:
                raise UnauthenticatedError("Mutations need an API key with the writer role.")
            if role is Role.ANALYST:
                raise ForbiddenError("The analyst role may only read.")
            if role is not Role.ADMIN and fields & ADMIN_FIELDS:
                raise ForbiddenError(
                    "Only the admin role may run " + ", ".join(sorted(fields & ADMIN_FIELDS)) + "."
                )
            return
        if role is None and not (self.public_aggregates and fields <= PUBLIC_FIELDS):
            raise UnauthenticatedError(
                "Send an API key (X-API-Key or Authorization: Bearer) to read this."
            )
