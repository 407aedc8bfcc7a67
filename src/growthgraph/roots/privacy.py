"""Privacy: consent flags on users, and GDPR erasure of a user (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.graph import consent, erasure
from growthgraph.resolvers.context import Context
from growthgraph.schema.enums import ErrorCode
from growthgraph.schema.errors import UnknownUserError


@strawberry.type(description="The user's personal data is erased.")
class EraseUserSuccess:
    user_id: strawberry.ID
    erased_at: datetime = strawberry.field(description="When the user was first erased (UTC).")
    already_erased: bool = strawberry.field(
        description="True when an earlier call had erased the user; nothing changed."
    )


@strawberry.type(description="A user's consent flags. Both are false until recorded.")
class Consent:
    user_id: strawberry.ID
    marketing: bool = strawberry.field(description="May the user be contacted for marketing?")
    analytics: bool = strawberry.field(
        description="Did the user agree to analytics beyond what the service needs to run?"
    )
    updated_at: datetime | None = strawberry.field(
        description="When a flag last changed (UTC); null if never recorded."
    )


def _consent(found: consent.ConsentRecord) -> Consent:
    return Consent(
        user_id=strawberry.ID(found.user_id),
        marketing=found.marketing,
        analytics=found.analytics,
        updated_at=found.updated_at,
    )


SetConsentResult = Annotated[Consent | UnknownUserError, strawberry.union("SetConsentResult")]
EraseUserResult = Annotated[
    EraseUserSuccess | UnknownUserError, strawberry.union("EraseUserResult")
]


async def erase_user(
    info: Info[Context, None],
    id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
) -> EraseUserResult:
    done = await erasure.erase_user(info.context.db, str(id))
    if done is None:
        return UnknownUserError(
            code=ErrorCode.UNKNOWN_USER, message="no user has this id", ids=[id]
        )
    return EraseUserSuccess(
        user_id=strawberry.ID(done.id), erased_at=done.erased_at, already_erased=done.already
    )


async def user_consent(
    info: Info[Context, None],
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
) -> Consent | None:
    found = await consent.get_consent(info.context.db, str(user_id))
    return None if found is None else _consent(found)


async def set_consent(
    info: Info[Context, None],
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
    marketing: Annotated[
        bool | None, strawberry.argument(description="New marketing flag; omit to keep it.")
    ] = None,
    analytics: Annotated[
        bool | None, strawberry.argument(description="New analytics flag; omit to keep it.")
    ] = None,
) -> SetConsentResult:
    found = await consent.set_consent(
        info.context.db, str(user_id), marketing=marketing, analytics=analytics
    )
    if found is None:
        return UnknownUserError(
            code=ErrorCode.UNKNOWN_USER, message="no user has this id", ids=[user_id]
        )
    return _consent(found)


@strawberry.type
class PrivacyQuery:
    user_consent: Consent | None = strawberry.field(
        resolver=user_consent,
        description="A user's consent flags; null if there is no such user.",
    )


@strawberry.type
class PrivacyMutation:
    set_consent: SetConsentResult = strawberry.field(
        resolver=set_consent,
        description="Record a user's consent flags. Omitted flags keep their value; repeating "
        "a call changes nothing (not even `updatedAt`).",
    )
    erase_user: EraseUserResult = strawberry.field(
        resolver=erase_user,
        description="GDPR erasure (admin only). Replaces the user's name and email with "
        "`[erased]` and removes the country, but keeps the user node, its id, sign-up time and "
        "every referral edge, so counts, cascades and attributions still add up. The erasure is "
        "recorded. Repeating the call is safe.",
    )
