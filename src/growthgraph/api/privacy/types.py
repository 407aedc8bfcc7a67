"""Types of privacy: consent flags and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.errors import Error, UnknownUserError
from growthgraph.graph import privacy


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


def consent(found: privacy.ConsentRecord) -> Consent:
    return Consent(
        user_id=strawberry.ID(found.user_id),
        marketing=found.marketing,
        analytics=found.analytics,
        updated_at=found.updated_at,
    )


@strawberry.type(description="The user's consent flags as stored.")
class SetConsentSuccess:
    consent: Consent
    changed: bool = strawberry.field(
        description="False when the flags already had these values: nothing was written, not "
        "even `updatedAt`."
    )


@strawberry.type(
    description="The user was erased: their consent flags were cleared (both false) and stay "
    "so. Nothing was written."
)
class UserErasedError(Error):
    user_id: strawberry.ID
    erased_at: datetime = strawberry.field(description="When the user was erased (UTC).")


SetConsentResult = Annotated[
    SetConsentSuccess | UnknownUserError | UserErasedError, strawberry.union("SetConsentResult")
]
EraseUserResult = Annotated[
    EraseUserSuccess | UnknownUserError, strawberry.union("EraseUserResult")
]
