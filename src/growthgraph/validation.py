"""Pure input checks shared by the mutations and the loaders. Each returns every problem found,
so a client can fix all of them in one go."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 200
# Deliberately permissive: one @, no spaces, a dot in the domain. Deliverability is not our job.
# Every pattern is applied with fullmatch: `$` would also match before a final newline.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]*")
MAX_KIND_LENGTH = 64
# An activity's kind: a short lower-case token such as ``login`` or ``order.placed``.
_KIND = re.compile(rf"[a-z][a-z0-9._:-]{{0,{MAX_KIND_LENGTH - 1}}}")


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


def check_id(field: str, value: str) -> list[Problem]:
    if not value:
        return [Problem(field, "must not be empty")]
    if len(value) > MAX_ID_LENGTH:
        return [Problem(field, f"must be at most {MAX_ID_LENGTH} characters")]
    if not _ID.fullmatch(value):
        return [
            Problem(
                field,
                "may contain only letters, digits and . _ : @ - (starting with a letter or digit)",
            )
        ]
    return []


def check_kind(field: str, value: str) -> list[Problem]:
    """An activity's kind: 1-64 of lower-case letters, digits and . _ : -, starting with a
    letter (``login``, ``page_view``, ``order.placed``)."""
    if not _KIND.fullmatch(value):
        return [
            Problem(
                field,
                f"must be 1-{MAX_KIND_LENGTH} lower-case letters, digits or . _ : - starting "
                "with a letter, e.g. login or order.placed",
            )
        ]
    return []


def check_text(field: str, value: str | None, *, required: bool = True) -> list[Problem]:
    if value is None:
        return [Problem(field, "is required")] if required else []
    if required and not value.strip():
        return [Problem(field, "must not be blank")]
    if len(value) > MAX_TEXT_LENGTH:
        return [Problem(field, f"must be at most {MAX_TEXT_LENGTH} characters")]
    return []


def check_aware(field: str, value: datetime) -> list[Problem]:
    if value.tzinfo is None or value.utcoffset() is None:
        return [Problem(field, "must include a time zone offset, e.g. 2024-05-01T12:00:00Z")]
    return []


def check_influencer(followers: int, engagement_rate: float) -> list[Problem]:
    problems: list[Problem] = []
    if followers < 0:
        problems.append(Problem("followers", "must be zero or more"))
    if math.isnan(engagement_rate) or not 0.0 <= engagement_rate <= 1.0:
        problems.append(Problem("engagementRate", "must be between 0 and 1"))
    return problems


def check_cents(field: str, value: int | None) -> list[Problem]:
    if value is not None and value < 0:
        return [Problem(field, "must be zero or more")]
    return []


def check_sign_up(
    *,
    id: str,
    name: str,
    email: str,
    signed_up_at: datetime,
    country: str | None,
    plan: str | None,
    referrer_id: str | None,
    channel: str | None,
    campaign_id: str | None,
) -> list[Problem]:
    problems = (
        check_id("id", id) + check_text("name", name) + check_aware("signedUpAt", signed_up_at)
    )
    if not _EMAIL.fullmatch(email) or len(email) > MAX_TEXT_LENGTH:
        problems.append(Problem("email", "is not a valid email address"))
    if country is not None and not _COUNTRY.fullmatch(country):
        problems.append(
            Problem("country", "must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE")
        )
    problems += check_text("plan", plan, required=False)
    problems += check_text("channel", channel, required=False)
    if referrer_id is not None:
        problems += check_id("referrer.id", referrer_id)
    if campaign_id is not None:
        problems += check_id("campaignId", campaign_id)
    return problems
