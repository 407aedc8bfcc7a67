"""``recordSignUp``: validate, write through ``graph.users``, answer with the user or the
refusal."""

from __future__ import annotations

from datetime import UTC

import strawberry

from growthgraph import rules
from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND, ReferrerKind
from growthgraph.api.errors import error_for, invalid_input
from growthgraph.api.permissions import current_role
from growthgraph.api.types import user
from growthgraph.api.users.errors import SIGN_UP_ERRORS, RecordSignUpResult, self_referral
from growthgraph.api.users.types import RecordSignUpInput, RecordSignUpSuccess
from growthgraph.config import Role
from growthgraph.graph import users
from growthgraph.graph.outcomes import Written
from growthgraph.identity import keyed_hash
from growthgraph.validation import check_id, check_sign_up, check_text


def _hash(info: Info, kind: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return keyed_hash(info.context.settings.hash_secret.get_secret_value(), kind, value)


async def record_sign_up(info: Info, input: RecordSignUpInput) -> RecordSignUpResult:
    ref = input.referrer
    problems = check_sign_up(
        id=str(input.id),
        name=input.name,
        email=input.email,
        signed_up_at=input.signed_up_at,
        country=input.country,
        plan=input.plan,
        referrer_id=None if ref is None else str(ref.id),
        channel=input.channel,
        campaign_id=None if input.campaign_id is None else str(input.campaign_id),
    )
    problems += check_text("ip", input.ip, required=False)
    problems += check_text("device", input.device, required=False)
    if input.invite_id is not None:
        problems += check_id("inviteId", str(input.invite_id))
    if problems:
        return invalid_input(problems)
    if ref is not None and rules.is_self_referral(
        str(input.id), ref.kind is ReferrerKind.USER, str(ref.id)
    ):
        return self_referral(input.id)
    signup = users.SignUp(
        id=str(input.id),
        name=input.name,
        email=input.email,
        signed_up_at=input.signed_up_at.astimezone(UTC),  # stored in UTC
        country=input.country,
        plan=input.plan,
        referrer_kind=None if ref is None else TO_KIND[ref.kind],
        referrer_id=None if ref is None else str(ref.id),
        channel=input.channel,
        campaign_id=None if input.campaign_id is None else str(input.campaign_id),
        invite_id=None if input.invite_id is None else str(input.invite_id),
        ip_hash=_hash(info, "ip", input.ip),
        device_hash=_hash(info, "device", input.device),
    )
    counters = info.context.settings.referral_counters
    # A caller who reads name and email masked must not learn them by guessing: its repeats are
    # judged without them (graph.users.compared_props).
    out = await users.record_sign_up(
        info.context.db, signup, counters=counters, personal=current_role() is Role.ADMIN
    )
    if isinstance(out, Written):
        return RecordSignUpSuccess(user=user(out.record), created=out.created)
    return error_for(SIGN_UP_ERRORS, out)


@strawberry.type
class UsersMutation:
    record_sign_up: RecordSignUpResult = strawberry.field(
        resolver=record_sign_up,
        description="Record a sign-up and, with a referrer, the referral that brought it in. "
        "Repeating it with the same values returns the stored user with `created: false`; other "
        "values for an existing id give `ID_CONFLICT`. A repeat is compared only on what the "
        "caller may read: `ip` and `device` are never compared, and `name` and `email` only for "
        "the admin role, so a masked value cannot be confirmed by guessing it.",
    )
