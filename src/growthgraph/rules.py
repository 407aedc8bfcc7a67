"""The write rules beyond single fields, in one place: the mutations (through the decisions in
``graph/``) and the importer (``loading/plan.py``) both ask these functions, and both name a
refusal by the same code, the GraphQL ``ErrorCode``. Field checks are in ``validation``.

Pure: every rule takes the values it compares, never the database. Times are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Code(StrEnum):
    """Why a write is refused. Every value but the last two is a value of the GraphQL
    ``ErrorCode`` (tests/unit/test_rules.py checks it); the importer prefixes each line of its
    rejects report with one of them."""

    INVALID_INPUT = "INVALID_INPUT"
    ID_CONFLICT = "ID_CONFLICT"
    UNKNOWN_REFERRER = "UNKNOWN_REFERRER"
    UNKNOWN_CAMPAIGN = "UNKNOWN_CAMPAIGN"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    SIGN_UP_BEFORE_REFERRER = "SIGN_UP_BEFORE_REFERRER"
    UNKNOWN_USER = "UNKNOWN_USER"
    SELF_CONNECTION = "SELF_CONNECTION"
    UNKNOWN_INVITE = "UNKNOWN_INVITE"
    INVITE_ALREADY_ACCEPTED = "INVITE_ALREADY_ACCEPTED"
    INVITE_REFERRER_MISMATCH = "INVITE_REFERRER_MISMATCH"
    SIGN_UP_BEFORE_INVITE = "SIGN_UP_BEFORE_INVITE"
    INVITE_BEFORE_SENDER = "INVITE_BEFORE_SENDER"
    CONVERSION_BEFORE_SIGN_UP = "CONVERSION_BEFORE_SIGN_UP"
    ACTIVITY_BEFORE_SIGN_UP = "ACTIVITY_BEFORE_SIGN_UP"
    # Only the importer gives these two. A repeated identical call is no error in the API (it
    # answers ``created: false``); a repeated identical row is listed, so the report accounts
    # for every line. A referral cycle needs a referral between users who both exist, which the
    # API never writes (a sign-up's referrer exists before the user does).
    DUPLICATE = "DUPLICATE"
    REFERRAL_CYCLE = "REFERRAL_CYCLE"


IMPORT_ONLY: frozenset[Code] = frozenset({Code.DUPLICATE, Code.REFERRAL_CYCLE})


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused write as the rejects report words it: ``CODE: what is wrong``."""

    code: Code
    message: str

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


def code_of(reason: str) -> str:
    """The code a rejects-report reason starts with."""
    return reason.split(":", 1)[0]


# --- who may refer and connect whom --------------------------------------------------------


def is_self_referral(user_id: str, referrer_is_user: bool, referrer_id: str) -> bool:
    """SELF_REFERRAL: a user cannot refer themselves (an influencer or partner may share an id
    with a user: ids are unique per kind)."""
    return referrer_is_user and referrer_id == user_id


def is_self_connection(a: str, b: str) -> bool:
    """SELF_CONNECTION: a user cannot be connected to themselves."""
    return a == b


def referrer_differs_from_sender(referrer: tuple[str, str] | None, sender: tuple[str, str]) -> bool:
    """INVITE_REFERRER_MISMATCH: a sign-up through an invite names a referrer (kind, id) other
    than the invite's sender. Naming none is no mismatch: the sender is then the referrer."""
    return referrer is not None and referrer != sender


# --- the order of events: nothing happens before whom it depends on ------------------------


def sign_up_before_referrer(signed_up_at: datetime, referrer_signed_up_at: datetime) -> bool:
    """SIGN_UP_BEFORE_REFERRER: a user cannot sign up before the user who referred them; the
    same instant is allowed (influencers and partners have no sign-up time)."""
    return signed_up_at < referrer_signed_up_at


def invite_before_sender(at: datetime, sender_signed_up_at: datetime) -> bool:
    """INVITE_BEFORE_SENDER: a user cannot send an invite before its own sign-up."""
    return at < sender_signed_up_at


def sign_up_before_invite(signed_up_at: datetime, invite_at: datetime) -> bool:
    """SIGN_UP_BEFORE_INVITE: a user cannot sign up through an invite sent after it."""
    return signed_up_at < invite_at


def conversion_before_sign_up(at: datetime, signed_up_at: datetime) -> bool:
    """CONVERSION_BEFORE_SIGN_UP: a user cannot pay before it signed up."""
    return at < signed_up_at


def activity_before_sign_up(at: datetime, signed_up_at: datetime) -> bool:
    """ACTIVITY_BEFORE_SIGN_UP: a user cannot be active before it signed up."""
    return at < signed_up_at
