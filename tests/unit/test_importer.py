"""Import files: reading (line numbers, headers, JSON Lines), per-row validation, and the
cross-row rules of the plan, each worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from growthgraph.loading import files
from growthgraph.loading.dataset import CampaignRow
from growthgraph.loading.files import Reject
from growthgraph.loading.parse import (
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    ReferralRow,
    parse,
)
from growthgraph.loading.plan import Existing, Located, Parsed, plan
from growthgraph.loading.rows import read_directory
from growthgraph.loading.run import write_rejects
from growthgraph.rules import code_of

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_carry_their_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "connections.csv",
        'a,b,at\nu1,u2,\n\nu3,"u\n4",\nu5,u6,x,y\nu7,u8,2024-01-01T00:00:00Z\n',
    )
    rejects: list[Reject] = []
    rows = list(files.read("connections", path, rejects))
    # The quoted cell spans lines 4-5; the blank line 3 is skipped.
    assert [(r.line, r.values["a"]) for r in rows] == [(2, "u1"), (4, "u3"), (7, "u7")]
    assert rows[0].values["at"] is None
    assert rejects == [Reject("connections.csv", 6, "INVALID_INPUT: has 4 cells, expected 3")]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("a,b,colour", "unknown column(s) colour"),
        ("a,at", "missing required column(s) b"),
        ("a,b,a", "a column name appears twice"),
    ],
)
def test_a_bad_csv_header_skips_the_file(tmp_path: Path, header: str, reason: str) -> None:
    path = _write(tmp_path / "connections.csv", f"{header}\nu1,u2,x\n")
    rejects: list[Reject] = []
    assert list(files.read("connections", path, rejects)) == []
    assert len(rejects) == 1
    assert rejects[0].line == 1
    assert rejects[0].reason.startswith("INVALID_INPUT: file skipped: ")
    assert reason in rejects[0].reason


def test_json_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "partners.jsonl",
        '{"id": "p1", "name": "P", "kind": "affiliate"}\n'
        "\n"
        "{not json\n"
        "[1, 2]\n"
        '{"id": "p2", "name": "Q", "kind": "affiliate", "colour": "red"}\n',
    )
    rejects: list[Reject] = []
    rows = list(files.read("partners", path, rejects))
    assert [r.line for r in rows] == [1]
    assert [(r.line, r.reason.split(" (")[0]) for r in rejects] == [
        (3, "INVALID_INPUT: is not valid JSON"),
        (4, "INVALID_INPUT: is not a JSON object"),
        (5, "INVALID_INPUT: unknown field(s) colour"),
    ]


def test_both_formats_of_one_kind_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "users.csv", "id\n")
    _write(tmp_path / "users.jsonl", "")
    with pytest.raises(ValueError, match="keep one"):
        files.find_files(tmp_path)


def test_user_rows_are_validated_and_times_normalised() -> None:
    row = parse(
        "users",
        {"id": "u1", "name": "A", "email": "a@example.com", "signedUpAt": "2024-01-01T12:00+02:00"},
    )
    assert isinstance(row, ImportUser)
    assert row.signed_up_at == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert row.signed_up_at.tzinfo is UTC
    bad = parse(
        "users",
        {"id": "u 1", "name": "A", "email": "nope", "signedUpAt": "2024-01-01", "country": "de"},
    )
    assert isinstance(bad, str)
    assert "signedUpAt: must include a time zone offset" in bad
    missing = parse("users", {"id": "u1", "name": " ", "signedUpAt": "yesterday"})
    assert missing == (
        "INVALID_INPUT: name: must not be blank; email: is required; "
        "signedUpAt: must be an ISO 8601 time, e.g. 2024-05-01T12:00Z"
    )
    checked = parse(
        "users",
        {
            "id": "u 1",
            "name": "A",
            "email": "nope",
            "signedUpAt": "2024-01-01T00:00Z",
            "country": "de",
        },
    )
    assert isinstance(checked, str)
    assert checked.startswith("INVALID_INPUT: id: may contain only")
    assert "email: is not a valid email address" in checked
    assert "country: must be an ISO 3166-1 alpha-2 code" in checked


@pytest.mark.parametrize(
    ("kind", "values", "reason"),
    [
        ("influencers", {"id": "i", "handle": "h", "platform": "x", "followers": "many",
                         "engagementRate": "0.1"}, "followers: must be a whole number"),
        ("influencers", {"id": "i", "handle": "h", "platform": "x", "followers": 10,
                         "engagementRate": 1.5}, "engagementRate: must be between 0 and 1"),
        ("influencers", {"id": "i", "handle": "h", "platform": "x", "followers": True,
                         "engagementRate": 0.5}, "followers: must be a whole number"),
        ("partners", {"id": "p", "name": "P", "kind": "friend"}, "kind: must be one of"),
        ("campaigns", {"id": "c", "name": None}, "name: is required"),
        ("referrals", {"userId": "u", "referrerKind": "USER", "referrerId": "u"},
         "SELF_REFERRAL: a user cannot refer themselves"),
        ("referrals", {"userId": "u", "referrerKind": "user", "referrerId": "v"},
         "referrerKind: must be one of USER, INFLUENCER, PARTNER"),
        ("invites", {"id": "i", "referrerKind": "USER", "referrerId": "u", "at": 5},
         "at: must be an ISO 8601 time"),
        ("conversions", {"id": "c", "userId": "u", "at": "2024-01-01T00:00Z",
                         "revenueCents": "-1"}, "revenueCents: must be zero or more"),
        ("connections", {"a": "u", "b": "u"}, "SELF_CONNECTION: a user cannot be connected to themselves"),
    ],
)  # fmt: skip
def test_rows_are_rejected_with_a_reason(kind: files.KindName, values: dict[str, object],
                                         reason: str) -> None:  # fmt: skip
    got = parse(kind, values)
    assert isinstance(got, str)
    assert reason in got
    first = code_of(reason)
    assert got.startswith(f"{first if first.isupper() else 'INVALID_INPUT'}: ")


def test_connections_are_stored_smaller_id_first() -> None:
    assert parse("connections", {"a": "u9", "b": "u1"}) == ImportConnection("u1", "u9", None)


def _user(uid: str, hours: int, campaign: str | None = None) -> ImportUser:
    return ImportUser(
        uid, uid, f"{uid}@example.com", T0 + timedelta(hours=hours), campaign_id=campaign
    )


def _parsed(users: list[ImportUser], referrals: list[ReferralRow]) -> Parsed:
    parsed = Parsed()
    parsed.users = [Located("users.csv", i + 2, u) for i, u in enumerate(users)]
    parsed.referrals = [Located("referrals.csv", i + 2, r) for i, r in enumerate(referrals)]
    return parsed


def test_referral_rules() -> None:
    users = [_user("a", 0), _user("b", 1), _user("c", 0), _user("d", 2), _user("e", 2)]
    referrals = [
        ReferralRow("b", "USER", "zz"),  # 2: unknown referrer
        ReferralRow("b", "USER", "a"),  # 3: the first valid one wins
        ReferralRow("b", "USER", "c"),  # 4: conflicting second referral
        ReferralRow("b", "USER", "a"),  # 5: exact duplicate
        ReferralRow("a", "USER", "b"),  # 6: referrer signed up after the user
        ReferralRow("nobody", "USER", "a"),  # 7: unknown user
        ReferralRow("c", "INFLUENCER", "inf"),  # 8: unknown influencer
        ReferralRow("d", "USER", "e"),  # 9: same sign-up time is allowed
        ReferralRow("e", "USER", "d"),  # 10: ... but not a loop between equals
        ReferralRow("e", "PARTNER", "p1"),  # 11: partner known only in the database
    ]
    got = plan(_parsed(users, referrals), Existing(partners={"p1"}))
    assert got.referrals == [referrals[1], referrals[7], referrals[9]]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (2, "UNKNOWN_REFERRER: unknown referrer USER zz"),
        (4, "ALREADY_REFERRED: user b is already referred by USER a on line 3"),
        (5, "DUPLICATE: duplicate of line 3"),
        (6, "SIGN_UP_BEFORE_REFERRER: referrer b signed up after user a"),
        (7, "UNKNOWN_USER: unknown user nobody"),
        (8, "UNKNOWN_REFERRER: unknown referrer INFLUENCER inf"),
        (10, "REFERRAL_CYCLE: would make a referral cycle"),
    ]


def test_referrals_against_the_database() -> None:
    users = [_user("b", 5)]
    referrals = [
        ReferralRow("b", "USER", "a"),  # 2: a conflicting referral already stored
        ReferralRow("c", "USER", "a"),  # 3: the same referral already stored (a re-run)
        ReferralRow("c", "USER", "a"),  # 4: and repeated in the file
        ReferralRow("d", "USER", "a"),  # 5: a new one between stored users
    ]
    existing = Existing(
        users={"a": T0, "c": T0 + timedelta(hours=3), "d": T0},
        referred_by={"b": ("INFLUENCER", "x"), "c": ("USER", "a")},
    )
    got = plan(_parsed(users, referrals), existing)
    assert got.referrals == [referrals[1], referrals[3]]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (2, "ALREADY_REFERRED: user b is already referred by INFLUENCER x in the database"),
        (4, "DUPLICATE: duplicate of line 3"),
    ]


def test_unknown_campaigns_and_duplicate_ids() -> None:
    parsed = _parsed([_user("a", 0, "c1"), _user("b", 0, "c2"), _user("a", 1)], [])
    got = plan(parsed, Existing(campaigns={"c1"}))
    assert [u.id for u in got.users] == ["a"]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (3, "UNKNOWN_CAMPAIGN: unknown campaign c2"),
        (4, "ID_CONFLICT: user a is already defined on line 2 with other values"),
    ]


def test_invites_and_their_acceptance() -> None:
    users = [_user("a", 0), _user("b", 1), _user("c", 1), _user("d", 2), _user("e", 3)]
    referrals = [
        ReferralRow("b", "USER", "a"),
        ReferralRow("c", "INFLUENCER", "x"),
        ReferralRow("d", "USER", "a"),
        ReferralRow("e", "USER", "a"),
    ]
    parsed = _parsed(users, referrals)
    invite = ImportInvite
    hour = timedelta(hours=1)
    parsed.invites = [
        Located("invites.csv", 2, invite("i1", "USER", "a", T0, accepted_by="b")),
        Located("invites.csv", 3, invite("i2", "USER", "a", T0, accepted_by="b")),
        Located("invites.csv", 4, invite("i3", "USER", "q", T0)),
        Located("invites.csv", 5, invite("i4", "INFLUENCER", "x", T0, accepted_by="c")),
        Located("invites.csv", 6, invite("i5", "USER", "a", T0, accepted_by="zz")),
        Located("invites.csv", 7, invite("i6", "USER", "a", T0, campaign_id="nope")),
        Located("invites.csv", 8, invite("i7", "USER", "b", T0)),  # before b signed up
        Located("invites.csv", 9, invite("i8", "INFLUENCER", "x", T0, accepted_by="d")),
        Located("invites.csv", 10, invite("i9", "USER", "a", T0 + 3 * hour, accepted_by="d")),
        Located("invites.csv", 11, invite("i1", "USER", "a", T0, accepted_by="e")),
        Located("invites.csv", 12, invite("i10", "USER", "c", T0 + hour)),  # c at T0 + 1h: fine
    ]
    got = plan(parsed, Existing(influencers={"x"}, user_of_invite={"i4": "c2"}))
    assert [i.id for i in got.invites] == ["i1", "i10"]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (3, "ID_CONFLICT: user b already accepted invite i1"),
        (4, "UNKNOWN_REFERRER: unknown sender USER q"),
        (5, "INVITE_ALREADY_ACCEPTED: invite i4 was already accepted by user c2"),
        (6, "UNKNOWN_USER: unknown user zz in acceptedBy"),
        (7, "UNKNOWN_CAMPAIGN: unknown campaign nope"),
        (8, "INVITE_BEFORE_SENDER: at is before sender b signed up (2024-01-01T01:00:00+00:00)"),
        (9, "INVITE_REFERRER_MISMATCH: user d has referrer USER a, not the invite's sender "
            "INFLUENCER x"),
        (10, "SIGN_UP_BEFORE_INVITE: user d signed up before invite i9 was sent "
             "(2024-01-01T03:00:00+00:00)"),
        (11, "INVITE_ALREADY_ACCEPTED: invite i1 was already accepted by user b on line 2"),
    ]  # fmt: skip
    assert got.size() == 5 + 4 + 2 + 1


def test_an_acceptance_needs_the_referral_from_its_sender() -> None:
    """The importer implies no referral: a user accepting an invite must be referred by its
    sender, in the files or in the database."""
    parsed = _parsed([_user("a", 0), _user("b", 1)], [])
    parsed.invites = [
        Located("invites.csv", 2, ImportInvite("i1", "USER", "a", T0, accepted_by="b"))
    ]
    alone = plan(parsed, Existing())
    assert [(r.line, r.reason) for r in alone.rejects] == [
        (2, "INVITE_REFERRER_MISMATCH: user b has no referrer, not the invite's sender USER a")
    ]
    stored = plan(parsed, Existing(referred_by={"b": ("USER", "a")}))
    assert stored.rejects == []
    assert [i.id for i in stored.invites] == ["i1"]


def test_conversions_follow_the_sign_up() -> None:
    parsed = _parsed([_user("a", 5)], [])
    parsed.conversions = [
        Located("conversions.csv", 2, ImportConversion("cv1", "a", T0 + timedelta(hours=5), 900)),
        Located("conversions.csv", 3, ImportConversion("cv2", "a", T0, 900)),
        Located("conversions.csv", 4, ImportConversion("cv3", "b", T0, 900)),
        Located("conversions.csv", 5, ImportConversion("cv1", "a", T0 + timedelta(hours=6), 900)),
        Located("conversions.csv", 6, ImportConversion("cv4", "s", T0, 900)),
    ]
    got = plan(parsed, Existing(users={"s": T0}, differing={"conversions": {"cv4"}}))
    assert [c.id for c in got.conversions] == ["cv1"]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (3, "CONVERSION_BEFORE_SIGN_UP: at is before user a signed up (2024-01-01T05:00:00+00:00)"),
        (4, "UNKNOWN_USER: unknown user b"),
        (5, "ID_CONFLICT: conversion cv1 is already defined on line 2 with other values"),
        (6, "ID_CONFLICT: conversion cv4 is stored with other values or another user"),
    ]


def test_rows_stored_with_other_values_conflict() -> None:
    """The database holds these ids with other values: ID_CONFLICT, as the mutations answer. A
    conflicting user's stored sign-up time is what the rules then read."""
    parsed = _parsed([_user("a", 9), _user("b", 1)], [ReferralRow("b", "USER", "a")])
    parsed.campaigns = [Located("campaigns.csv", 2, CampaignRow("c1", "Launch"))]
    existing = Existing(users={"a": T0}, differing={"users": {"a"}, "campaigns": {"c1"}})
    got = plan(parsed, existing)
    assert [u.id for u in got.users] == ["b"]
    assert got.campaigns == []
    assert got.referrals == [ReferralRow("b", "USER", "a")]  # a signed up at T0, as stored
    assert [(r.file, r.line, r.reason) for r in got.rejects] == [
        ("campaigns.csv", 2, "ID_CONFLICT: campaign c1 is stored with other values"),
        ("users.csv", 2, "ID_CONFLICT: user a is stored with other values"),
    ]


def test_connections_need_known_users_once() -> None:
    parsed = _parsed([_user("a", 0), _user("b", 1)], [])
    parsed.connections = [
        Located("connections.csv", 2, ImportConnection("a", "b")),
        Located("connections.csv", 3, ImportConnection("a", "b", T0)),
        Located("connections.csv", 4, ImportConnection("a", "q")),
    ]
    got = plan(parsed, Existing(users={}))
    assert got.connections == [ImportConnection("a", "b")]
    assert [(r.line, r.reason) for r in got.rejects] == [
        (3, "DUPLICATE: duplicate of line 2"),
        (4, "UNKNOWN_USER: unknown user q"),
    ]


def test_read_directory_reports_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path / "campaigns.csv", "id,name\nc1,Launch\nc 2,Bad id\n")
    _write(tmp_path / "notes.txt", "ignored")
    parsed, rejects = read_directory(tmp_path)
    assert [c.line for c in parsed.campaigns] == [2]
    assert len(rejects) == 1
    assert (rejects[0].file, rejects[0].line) == ("campaigns.csv", 3)
    assert rejects[0].reason.startswith("INVALID_INPUT: id: may contain only")


def test_the_rejects_report_is_csv(tmp_path: Path) -> None:
    path = tmp_path / "out" / "rejects.csv"
    write_rejects(path, [Reject("users.csv", 4, 'email: is not valid, "quoted"')])
    assert path.read_text(encoding="utf-8").splitlines() == [
        "file,line,reason",
        'users.csv,4,"email: is not valid, ""quoted"""',
    ]


USER = {"id": "u1", "name": "A", "email": "a@example.com", "signedUpAt": "2024-01-01T00:00Z"}
ERASED_USER = {
    **USER,
    "name": "[erased]",
    "email": "[erased]",
    "consentMarketing": "false",
    "consentAnalytics": "false",
    "consentUpdatedAt": "2024-03-01T00:00Z",
    "erasedAt": "2024-03-01T00:00Z",
}


def test_consent_and_erasure_columns_read_as_set_consent_and_erasure_leave_them() -> None:
    given = parse(
        "users",
        {
            **USER,
            "consentMarketing": "true",
            "consentAnalytics": False,  # JSON's boolean
            "consentUpdatedAt": "2024-02-01T12:00+01:00",
        },
    )
    assert isinstance(given, ImportUser)
    assert (given.consent_marketing, given.consent_analytics) == (True, False)
    assert given.consent_updated_at == datetime(2024, 2, 1, 11, tzinfo=UTC)
    assert given.erased_at is None
    erased = parse("users", ERASED_USER)
    assert isinstance(erased, ImportUser)
    assert erased.erased_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert (erased.consent_marketing, erased.consent_analytics) == (False, False)
    # An older file: no consent columns, an erased user without erasedAt.
    old = parse("users", {**USER, "name": "[erased]", "email": "[erased]"})
    assert isinstance(old, ImportUser)
    assert (old.consent_updated_at, old.erased_at) == (None, None)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({**USER, "consentMarketing": "yes", "consentAnalytics": "true",
          "consentUpdatedAt": "2024-02-01T00:00Z"}, "consentMarketing: must be true or false"),
        ({**USER, "consentMarketing": "True", "consentAnalytics": "true",
          "consentUpdatedAt": "2024-02-01T00:00Z"}, "consentMarketing: must be true or false"),
        ({**USER, "consentMarketing": 1, "consentAnalytics": "true",
          "consentUpdatedAt": "2024-02-01T00:00Z"}, "consentMarketing: must be true or false"),
        ({**USER, "consentMarketing": "true", "consentAnalytics": "false",
          "consentUpdatedAt": "2024-02-01"}, "consentUpdatedAt: must include a time zone offset"),
        ({**USER, "consentMarketing": "true"},
         "consentAnalytics, consentUpdatedAt: consentMarketing, consentAnalytics and "
         "consentUpdatedAt go together"),
        ({**USER, "consentUpdatedAt": "2024-02-01T00:00Z"},
         "consentMarketing, consentAnalytics: consentMarketing, consentAnalytics and"),
        ({**ERASED_USER, "name": "A"}, "erasedAt: an erased user's name and email are [erased]"),
        ({**ERASED_USER, "consentAnalytics": "true"},
         "erasedAt: an erased user's consent flags are cleared: both false, dated"),
        ({k: v for k, v in ERASED_USER.items() if not k.startswith("consent")},
         "erasedAt: an erased user's consent flags are cleared"),
        ({**ERASED_USER, "consentUpdatedAt": "2024-03-01T00:00:01Z"},
         "consentUpdatedAt: is after erasedAt"),
        ({**ERASED_USER, "country": "DE"}, "erasedAt: an erased user has no country, ipHash"),
        ({**ERASED_USER, "deviceHash": "d1"}, "erasedAt: an erased user has no country, ipHash"),
        ({**ERASED_USER, "erasedAt": "soon"}, "erasedAt: must be an ISO 8601 time"),
    ],
)  # fmt: skip
def test_consent_and_erasure_columns_are_checked(values: dict[str, object], reason: str) -> None:
    got = parse("users", values)
    assert isinstance(got, str)
    assert got.startswith("INVALID_INPUT: ")
    assert reason in got
