"""Expected failures as schema values: the ``Error`` interface every mutation error implements,
the error types several domains share, and ``error_for``, which turns a graph outcome into its
error through one table per domain. Codes are stable; messages are for people and may change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import strawberry

from growthgraph.api.enums import FROM_KIND, ErrorCode, ReferrerKind
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer
from growthgraph.validation import Problem

E = TypeVar("E")
# A domain's table: for each refusal its graph write can answer, the error it becomes.
OutcomeErrors = Mapping[type[Any], Callable[[Any], E]]


def error_for(table: OutcomeErrors[E], outcome: object) -> E:
    """The error ``outcome`` becomes; a refusal missing from the table is a programming error."""
    return table[type(outcome)](outcome)


def created_flag() -> Any:
    """The ``created`` field every idempotent write's success type carries."""
    return strawberry.field(description="False when an identical call had stored it.")


@strawberry.interface(description="An expected failure of a mutation. Nothing was written.")
class Error:
    code: ErrorCode
    message: str


@strawberry.type(description="What is wrong with one input field.")
class FieldProblem:
    field: str = strawberry.field(description="The input field, as named in the schema.")
    message: str


@strawberry.type(description="One or more input values are invalid.")
class InvalidInputError(Error):
    problems: list[FieldProblem]


@strawberry.type(
    description="An entity with this id already exists with different values. Repeating a call "
    "with identical values is not an error: it returns the stored entity."
)
class IdConflictError(Error):
    id: strawberry.ID


@strawberry.type(description="The named referrer does not exist.")
class UnknownReferrerError(Error):
    kind: ReferrerKind
    id: strawberry.ID


@strawberry.type(description="One or more of the named users do not exist.")
class UnknownUserError(Error):
    ids: list[strawberry.ID] = strawberry.field(description="The ids that name no user.")


@strawberry.type(description="The named campaign does not exist.")
class UnknownCampaignError(Error):
    campaign_id: strawberry.ID


def invalid_input(problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(
        code=ErrorCode.INVALID_INPUT,
        message="; ".join(f"{p.field} {p.message}" for p in problems),
        problems=[FieldProblem(field=p.field, message=p.message) for p in problems],
    )


def id_conflict(found: IdConflict) -> IdConflictError:
    return IdConflictError(
        code=ErrorCode.ID_CONFLICT,
        message=f"{found.entity} {found.id!r} already exists with different values",
        id=strawberry.ID(found.id),
    )


# The one refusal of creating an entity by id.
ENTITY_ERRORS: OutcomeErrors[IdConflictError] = {IdConflict: id_conflict}


def unknown_referrer(out: UnknownReferrer) -> UnknownReferrerError:
    return UnknownReferrerError(
        code=ErrorCode.UNKNOWN_REFERRER,
        message=f"no {out.kind.value.lower()} with id {out.id!r}",
        kind=FROM_KIND[out.kind],
        id=strawberry.ID(out.id),
    )


def unknown_campaign(out: UnknownCampaign) -> UnknownCampaignError:
    return UnknownCampaignError(
        code=ErrorCode.UNKNOWN_CAMPAIGN,
        message=f"no campaign with id {out.id!r}",
        campaign_id=strawberry.ID(out.id),
    )


def unknown_users(ids: list[str], message: str | None = None) -> UnknownUserError:
    return UnknownUserError(
        code=ErrorCode.UNKNOWN_USER,
        message=message or "no user with id " + ", ".join(repr(i) for i in ids),
        ids=[strawberry.ID(i) for i in ids],
    )
