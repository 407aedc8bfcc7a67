"""Resolvers of the social graph: ``connectUsers`` and ``peopleYouMayKnow``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import network
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.schema.enums import ErrorCode
from growthgraph.schema.errors import FieldProblem, InvalidInputError, UnknownUserError
from growthgraph.schema.network import (
    ConnectUsersResult,
    ConnectUsersSuccess,
    PersonYouMayKnow,
    SelfConnectionError,
)
from growthgraph.validation import check_aware, check_id

Ctx = Info[Context, None]


async def connect_users(
    info: Ctx,
    a: Annotated[strawberry.ID, strawberry.argument(description="One user's id.")],
    b: Annotated[strawberry.ID, strawberry.argument(description="The other user's id.")],
    at: Annotated[
        datetime | None,
        strawberry.argument(
            description="When the two connected; must carry a time zone offset. Optional."
        ),
    ] = None,
) -> ConnectUsersResult:
    problems = check_id("a", str(a)) + check_id("b", str(b))
    if at is not None:
        problems += check_aware("at", at)
    if problems:
        return InvalidInputError(
            code=ErrorCode.INVALID_INPUT,
            message="; ".join(f"{p.field} {p.message}" for p in problems),
            problems=[FieldProblem(field=p.field, message=p.message) for p in problems],
        )
    if str(a) == str(b):
        return SelfConnectionError(
            code=ErrorCode.SELF_CONNECTION,
            message="a user cannot be connected to themselves",
            id=a,
        )
    out = await network.connect_users(
        info.context.db, str(a), str(b), None if at is None else at.astimezone(UTC)
    )
    if isinstance(out, network.UnknownUsers):
        return UnknownUserError(
            code=ErrorCode.UNKNOWN_USER,
            message="no user with id " + ", ".join(repr(i) for i in out.ids),
            ids=[strawberry.ID(i) for i in out.ids],
        )
    return ConnectUsersSuccess(
        a=mapping.user(out.a), b=mapping.user(out.b), at=out.at, created=out.created
    )


async def people_you_may_know(
    info: Ctx,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user to suggest for.")],
    limit: Annotated[
        int,
        strawberry.argument(
            description=f"How many suggestions to return, 1 to {network.MAX_SUGGESTIONS}."
        ),
    ] = 10,
    evidence: Annotated[
        int,
        strawberry.argument(
            description="How many shared connections to list per suggestion, "
            f"1 to {network.MAX_EVIDENCE}."
        ),
    ] = 5,
) -> list[PersonYouMayKnow] | None:
    if not 1 <= limit <= network.MAX_SUGGESTIONS:
        raise BadUserInputError(f"`limit` must be between 1 and {network.MAX_SUGGESTIONS}")
    if not 1 <= evidence <= network.MAX_EVIDENCE:
        raise BadUserInputError(f"`evidence` must be between 1 and {network.MAX_EVIDENCE}")
    found = await network.people_you_may_know(
        info.context.db, str(user_id), limit=limit, evidence=evidence
    )
    if found is None:
        return None
    return [
        PersonYouMayKnow(
            user=mapping.user(s.user),
            common_connections=s.common,
            adamic_adar=s.adamic_adar,
            shared_connections=[mapping.user(u) for u in s.shared],
        )
        for s in found
    ]
