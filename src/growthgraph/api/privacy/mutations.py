"""Root fields of privacy: consent flags, and GDPR erasure of a user (admin only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.enums import ErrorCode
from growthgraph.api.errors import OutcomeErrors, UnknownUserError, error_for, unknown_users
from growthgraph.api.privacy.types import (
    EraseUserResult,
    EraseUserSuccess,
    SetConsentResult,
    SetConsentSuccess,
    UserErasedError,
    consent,
)
from growthgraph.graph import privacy

CONSENT_ERRORS: OutcomeErrors[UnknownUserError | UserErasedError] = {
    privacy.NoSuchUser: lambda out: unknown_users([out.id], "no user has this id"),
    privacy.UserErased: lambda out: UserErasedError(
        code=ErrorCode.USER_ERASED,
        message=f"user {out.id!r} was erased; their consent stays cleared",
        user_id=strawberry.ID(out.id),
        erased_at=out.erased_at,
    ),
}


async def erase_user(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
) -> EraseUserResult:
    done = await privacy.erase_user(info.context.db, str(id))
    if done is None:
        return unknown_users([str(id)], "no user has this id")
    return EraseUserSuccess(
        user_id=strawberry.ID(done.id), erased_at=done.erased_at, already_erased=done.already
    )


async def set_consent(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
    marketing: Annotated[
        bool | None, strawberry.argument(description="New marketing flag; omit to keep it.")
    ] = None,
    analytics: Annotated[
        bool | None, strawberry.argument(description="New analytics flag; omit to keep it.")
    ] = None,
) -> SetConsentResult:
    found = await privacy.set_consent(
        info.context.db, str(user_id), marketing=marketing, analytics=analytics
    )
    if isinstance(found, privacy.ConsentSet):
        return SetConsentSuccess(consent=consent(found.consent), changed=found.changed)
    return error_for(CONSENT_ERRORS, found)


@strawberry.type
class PrivacyMutation:
    set_consent: SetConsentResult = strawberry.field(
        resolver=set_consent,
        description="Record a user's consent flags. Omitted flags keep their value; repeating "
        "a call changes nothing (not even `updatedAt`) and answers `changed: false`. An erased "
        "user's flags were cleared by the erasure and stay so (`USER_ERASED`).",
    )
    erase_user: EraseUserResult = strawberry.field(
        resolver=erase_user,
        description="GDPR erasure (admin only). Replaces the user's name and email with "
        "`[erased]` and removes the country, but keeps the user node, its id, sign-up time and "
        "every referral edge, so counts, cascades and attributions still add up. Copies of the "
        "name and email stored elsewhere (answers kept for `Idempotency-Key` retries, flag "
        "reasons, the user's own events) are redacted too. The consent flags are cleared (both "
        "false, and `setConsent` refuses to set them again), so the user is never suggested or "
        "shown as evidence by `peopleYouMayKnow`. The erasure is recorded. Repeating the call "
        "is safe.",
    )
