"""The shared write rules (``growthgraph.rules``): their codes are the schema's, and each rule's
boundary (the same instant is allowed; an influencer may share a user's id) is where the
mutations and the importer both put it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from growthgraph import rules
from growthgraph.api.enums import ErrorCode
from growthgraph.rules import Code, Refusal

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
# The refusals of mutations that write nothing the importer loads (rewards, the network
# analysis job, consent).
NOT_IMPORTED = {
    "UNKNOWN_REWARD_RULE",
    "PERIOD_OVERLAP",
    "PERIOD_TOO_LARGE",
    "UNKNOWN_REWARD",
    "INVALID_TRANSITION",
    "ANALYSIS_RUNNING",
    "USER_ERASED",
}


def test_codes_are_the_schemas() -> None:
    schema = {code.value for code in ErrorCode}
    shared = {code.value for code in Code} - {code.value for code in rules.IMPORT_ONLY}
    assert shared <= schema
    assert schema - shared == NOT_IMPORTED
    assert {code.value for code in rules.IMPORT_ONLY}.isdisjoint(schema)


def test_a_refusal_reads_code_first() -> None:
    reason = str(Refusal(Code.CONVERSION_BEFORE_SIGN_UP, "at is before user a signed up"))
    assert reason == "CONVERSION_BEFORE_SIGN_UP: at is before user a signed up"
    assert rules.code_of(reason) == "CONVERSION_BEFORE_SIGN_UP"


def test_time_rules_allow_the_same_instant() -> None:
    for rule in (
        rules.sign_up_before_referrer,
        rules.invite_before_sender,
        rules.sign_up_before_invite,
        rules.conversion_before_sign_up,
        rules.activity_before_sign_up,
    ):
        # (the later event, the event it must not precede)
        assert rule(T0 - SECOND, T0), rule.__name__
        assert not rule(T0, T0), rule.__name__
        assert not rule(T0 + SECOND, T0), rule.__name__


def test_who_may_refer_and_connect_whom() -> None:
    assert rules.is_self_referral("u1", True, "u1")
    assert not rules.is_self_referral("u1", False, "u1")  # an influencer named like the user
    assert not rules.is_self_referral("u1", True, "u2")
    assert rules.is_self_connection("u1", "u1")
    assert not rules.is_self_connection("u1", "u2")
    sender = ("USER", "a")
    assert not rules.referrer_differs_from_sender(None, sender)  # none named: the sender refers
    assert not rules.referrer_differs_from_sender(("USER", "a"), sender)
    assert rules.referrer_differs_from_sender(("INFLUENCER", "a"), sender)
