"""Who may do what, decided before execution, and the masking of personal data.

The request's role is set by the HTTP layer (``http.auth``) from the API key it presents (see
``config.Role`` for the roles). Without a key a request is anonymous: it may read the public
aggregates when ``GROWTHGRAPH_PUBLIC_AGGREGATES`` is on, and nothing else; never a mutation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar, Token

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from growthgraph.api.documents import Chosen, chosen_operation
from growthgraph.config import Role
from growthgraph.errors import ForbiddenError, UnauthenticatedError

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
        "createWebhook",
        "deleteWebhook",
    }
)
# Personal data (User.name, User.email, NearDuplicateGroup.reasons) is masked for every role
# but admin by those fields' own resolvers: see personal() and personal_keys().
MASK = "[masked]"

_role: ContextVar[Role | None] = ContextVar("growthgraph_role", default=None)


def set_role(role: Role | None) -> Token[Role | None]:
    """Set the role of the request being served (reset it with ``reset_role``)."""
    return _role.set(role)


def reset_role(token: Token[Role | None]) -> None:
    _role.reset(token)


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


def root_fields(chosen: Chosen) -> set[str]:
    """The root fields the operation selects, through inline fragments and spread fragments;
    each fragment is looked into once, however often it is spread."""
    fields: set[str] = set()
    seen: set[str] = set()
    pending: list[SelectionSetNode] = [chosen.operation.selection_set]
    while pending:
        for node in pending.pop().selections:
            if isinstance(node, FieldNode):
                fields.add(node.name.value)
            elif isinstance(node, InlineFragmentNode):
                pending.append(node.selection_set)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                seen.add(node.name.value)
                fragment = chosen.fragments.get(node.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return fields


class AccessControl(SchemaExtension):
    """Checks the operation against the caller's role once the document is parsed, before it is
    validated or analysed further: an anonymous caller costs a parse and one linear pass over
    the root fields, nothing more. Personal fields mask themselves (:func:`personal`)."""

    def __init__(self, public_aggregates: bool) -> None:
        self.public_aggregates = public_aggregates

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        chosen = None if document is None else chosen_operation(document, context.operation_name)
        if chosen is not None:
            self._check(chosen.operation.operation, root_fields(chosen))
        yield

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
