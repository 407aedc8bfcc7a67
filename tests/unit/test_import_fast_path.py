"""The CSV fast path of the importer accepts the clean rows it exists for, and only rows that the
full checks accept, with the same typed row. Clean rows are checked against typed rows written
by hand and, for a generated set of files, against the rows the files were written from: both
paths must give those values, and the fast path must accept every one of them. Awkward cells,
hand-picked and generated, must never make the fast path accept what the full checks refuse or
give another value; rows it declines go to the full checks, which decide and word the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthgraph.loading import files, seed
from growthgraph.loading.fast import fast_parser
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.generate import generate_files
from growthgraph.loading.parse import (
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    Parsed,
    ReferralRow,
    parse,
)
from growthgraph.loading.rows import read_file

USERS = ("id", "name", "email", "signedUpAt", "country", "plan", "channel", "campaignId",
         "ipHash", "deviceHash")  # fmt: skip
CLEAN: dict[KindName, tuple[tuple[str, ...], list[str]]] = {
    "users": (
        USERS,
        [
            "u-1",
            "Ana",
            "ana@example.com",
            "2024-01-01T10:00:00Z",
            "PT",
            "pro",
            "link",
            "c1",
            "ab12",
            "cd34",
        ],
    ),
    "referrals": (
        ("userId", "referrerKind", "referrerId", "channel", "campaignId"),
        ["u-2", "USER", "u-1", "link", "c1"],
    ),
    "invites": (
        ("id", "referrerKind", "referrerId", "at", "channel", "campaignId", "acceptedBy"),
        ["i-1", "INFLUENCER", "inf-1", "2024-01-01T10:00:00.5+02:00", "", "", "u-2"],
    ),
    "conversions": (
        ("id", "userId", "at", "revenueCents", "plan"),
        ["cv-1", "u-2", "2024-02-01T00:00Z", "900", "pro"],
    ),
    "connections": (("a", "b", "at"), ["u-2", "u-1", "2024-01-03T00:00:00Z"]),
}
AWKWARD = [
    "",
    " ",
    "  x  ",
    "a b",
    "-x",
    "x\n",
    "é",
    "x" * 129,
    "y" * 201,
    "USER",
    "user",
    "PARTNER",
    "INFLUENCER",
    "DE",
    "de",
    "D",
    "DEU",
    "a@b.c",
    "a@b",
    "a b@c.d",
    "a@b.c\n",
    "2024-01-01",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00+05:30",
    "2024-01-01 00:00:00-01:00",
    "20240101T000000Z",
    "yesterday",
    "0",
    "-1",
    "+5",
    " 7 ",
    "1_000",
    "²",
    "1.5",
    "u-1",
    "u-2",
]


WITH_CONSENT = (*USERS, "consentMarketing", "consentAnalytics", "consentUpdatedAt", "erasedAt")
REFERRAL_COLUMNS = ("userId", "referrerKind", "referrerId", "channel", "campaignId")
INVITE_COLUMNS = ("id", "referrerKind", "referrerId", "at", "channel", "campaignId", "acceptedBy")
CONVERSION_COLUMNS = ("id", "userId", "at", "revenueCents", "plan")


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# Clean rows and the typed row each must become, worked out by hand (times in UTC).
BY_HAND: list[tuple[KindName, tuple[str, ...], list[str], Parsed]] = [
    (
        "users",
        USERS,
        ["u-1", "Ana", "ana@example.com", "2024-01-01T10:00:00Z", "PT", "pro", "link", "c1",
         "ab12", "cd34"],
        ImportUser("u-1", "Ana", "ana@example.com", utc(2024, 1, 1, 10), "PT", "pro", "link",
                   "c1", "ab12", "cd34"),
    ),
    (
        "users",
        USERS,
        ["u.2:x@y-z", "Zoë Ångström", "z@mail.example.org", "2024-02-29T23:30:00.25+02:00",
         "", "", "", "", "", ""],
        ImportUser("u.2:x@y-z", "Zoë Ångström", "z@mail.example.org",
                   datetime(2024, 2, 29, 21, 30, 0, 250_000, tzinfo=UTC)),
    ),
    (
        "users",
        ("id", "name", "email", "signedUpAt"),
        ["U3", "Bo B", "bo+x@b.co", "2023-12-31T22:00:00-05:00"],
        ImportUser("U3", "Bo B", "bo+x@b.co", utc(2024, 1, 1, 3)),
    ),
    (
        "referrals",
        REFERRAL_COLUMNS,
        ["u-2", "USER", "u-1", "link", "c1"],
        ReferralRow("u-2", "USER", "u-1", "link", "c1"),
    ),
    (
        "referrals",
        REFERRAL_COLUMNS,
        ["u-3", "INFLUENCER", "inf-1", "", ""],
        ReferralRow("u-3", "INFLUENCER", "inf-1"),
    ),
    (
        # The same id under another kind is not a self-referral.
        "referrals",
        REFERRAL_COLUMNS,
        ["u-4", "PARTNER", "u-4", "", ""],
        ReferralRow("u-4", "PARTNER", "u-4"),
    ),
    (
        "invites",
        INVITE_COLUMNS,
        ["i-1", "INFLUENCER", "inf-1", "2024-01-01T10:00:00.5+02:00", "", "", "u-2"],
        ImportInvite("i-1", "INFLUENCER", "inf-1",
                     datetime(2024, 1, 1, 8, 0, 0, 500_000, tzinfo=UTC), accepted_by="u-2"),
    ),
    (
        "invites",
        INVITE_COLUMNS,
        ["i-2", "USER", "u-1", "2024-03-01T00:00:00Z", "email", "c1", ""],
        ImportInvite("i-2", "USER", "u-1", utc(2024, 3, 1), "email", "c1"),
    ),
    (
        "conversions",
        CONVERSION_COLUMNS,
        ["cv-1", "u-2", "2024-02-01T00:00Z", "900", "pro"],
        ImportConversion("cv-1", "u-2", utc(2024, 2, 1), 900, "pro"),
    ),
    (
        "conversions",
        CONVERSION_COLUMNS,
        ["cv-2", "u-3", "2024-02-01T00:00:00+01:00", "0", ""],
        ImportConversion("cv-2", "u-3", utc(2024, 1, 31, 23), 0),
    ),
    (
        # Stored with the smaller id first.
        "connections",
        ("a", "b", "at"),
        ["u-2", "u-1", "2024-01-03T00:00:00Z"],
        ImportConnection("u-1", "u-2", utc(2024, 1, 3)),
    ),
    ("connections", ("a", "b", "at"), ["a", "b", ""], ImportConnection("a", "b")),
    (
        "users",
        WITH_CONSENT,
        ["u-5", "Eve", "eve@example.com", "2024-01-01T10:00:00Z", "", "", "", "", "", "",
         "true", "false", "2024-02-01T09:00:00+01:00", ""],
        ImportUser("u-5", "Eve", "eve@example.com", utc(2024, 1, 1, 10), consent_marketing=True,
                   consent_analytics=False, consent_updated_at=utc(2024, 2, 1, 8)),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "names", "cells", "want"), BY_HAND, ids=[f"{r[0]}-{r[2][0]}" for r in BY_HAND]
)
def test_clean_rows_give_the_values_worked_out_by_hand(
    kind: KindName, names: tuple[str, ...], cells: list[str], want: Parsed
) -> None:
    fast = fast_parser(kind, list(names))
    assert fast is not None
    assert fast([*cells, ""]) == want  # accepted by the fast path, with these values
    assert _slow(kind, names, cells) == want


def test_the_fast_path_accepts_every_generated_row(tmp_path: Path) -> None:
    """Files written by ``growthgraph generate`` are the clean rows the fast path exists for:
    it accepts every one, and users and referrals match the rows the files were made from."""
    written = generate_files(tmp_path, users=400, seed=4)
    source = seed.generate(users=400, seed=4)
    want: dict[KindName, list[Parsed]] = {
        "users": [
            ImportUser(u.id, u.name, u.email, u.signed_up_at.astimezone(UTC), u.country, u.plan,
                       u.channel, u.campaign_id, u.ip_hash, u.device_hash)
            for u in source.users
        ],
        "referrals": [
            ReferralRow(u.id, u.referrer_kind, u.referrer_id, u.channel, u.campaign_id)
            for u in source.users
            if u.referrer_kind is not None and u.referrer_id is not None
        ],
    }  # fmt: skip
    for kind in ("users", "referrals", "invites", "conversions", "connections"):
        rejects: list[Reject] = []
        fast_rows: list[Parsed] = []
        for line, names, cells in files.read_csv_cells(kind, tmp_path / f"{kind}.csv", rejects):
            fast = fast_parser(kind, names)
            assert fast is not None
            got = fast([*cells, ""])
            assert got is not None, (kind, line, cells)
            assert got == parse(kind, {n: c or None for n, c in zip(names, cells, strict=True)})
            fast_rows.append(got)
        assert rejects == []
        assert len(fast_rows) == written[kind] > 0, kind
        if kind in want:
            assert fast_rows == want[kind], kind


def _slow(kind: KindName, names: tuple[str, ...], cells: list[str]) -> object:
    return parse(kind, {n: c or None for n, c in zip(names, cells, strict=True)})


def _agree(kind: KindName, names: tuple[str, ...], cells: list[str]) -> object:
    fast = fast_parser(kind, list(names))
    assert fast is not None
    got = fast([*cells, ""])
    if got is not None:
        assert got == _slow(kind, names, cells), cells
    return got


@pytest.mark.parametrize("kind", list(CLEAN))
def test_clean_rows_take_the_fast_path(kind: KindName) -> None:
    names, cells = CLEAN[kind]
    assert _agree(kind, names, cells) is not None


@pytest.mark.parametrize("kind", list(CLEAN))
def test_each_awkward_cell_in_each_column(kind: KindName) -> None:
    names, clean = CLEAN[kind]
    for column in range(len(names)):
        for value in AWKWARD:
            cells = list(clean)
            cells[column] = value
            _agree(kind, names, cells)


@pytest.mark.parametrize("kind", list(CLEAN))
def test_missing_optional_columns(kind: KindName) -> None:
    names, cells = CLEAN[kind]
    required = files.REQUIRED[kind]
    keep = [i for i, n in enumerate(names) if n in required]
    assert _agree(kind, tuple(names[i] for i in keep), [cells[i] for i in keep]) is not None


def test_consent_and_erasure_cells_never_make_the_fast_path_differ() -> None:
    """Each consent or erasure cell, awkward or not, in a consenting and in an erased user's row:
    the fast path gives what the full checks give, or declines."""
    consenting = ["u-5", "Eve", "eve@example.com", "2024-01-01T10:00:00Z", *[""] * 6,
                  "true", "false", "2024-02-01T00:00:00Z", ""]  # fmt: skip
    erased = ["u-6", "[erased]", "[erased]", "2024-01-01T10:00:00Z", *[""] * 6,
              "false", "false", "2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z"]  # fmt: skip
    assert _agree("users", WITH_CONSENT, consenting) is not None
    assert _agree("users", WITH_CONSENT, erased) is None  # left to the full checks
    assert isinstance(_slow("users", WITH_CONSENT, erased), ImportUser)
    for clean in (consenting, erased):
        for column in range(10, 14):
            for value in [*AWKWARD, "true", "false", "True", "FALSE", "1"]:
                cells = list(clean)
                cells[column] = value
                _agree("users", WITH_CONSENT, cells)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(CLEAN)),
    picks=st.lists(
        st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12)), min_size=10, max_size=10
    ),
    mask=st.lists(st.booleans(), min_size=10, max_size=10),
)
def test_generated_cells(kind: KindName, picks: list[str], mask: list[bool]) -> None:
    names, clean = CLEAN[kind]
    cells = [pick if swap else value for value, pick, swap in zip(clean, picks, mask, strict=False)]
    _agree(kind, names, cells)


def test_read_file_matches_the_full_checks(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(
        ",".join(USERS) + "\n"
        "u1,Ana,ana@example.com,2024-01-01T10:00:00Z,PT,,,,,\n"
        "u2,Bo,bo@example.com,2024-01-01T12:00:00+02:00,,,,,,\n"
        "u3,Cy,not-an-email,2024-01-01T10:00:00Z,,,,,,\n"
        'u4,"  Di  ",di@example.com,2024-01-01T10:00:00Z,,"   ",,,,\n'
    )
    rejects: list[Reject] = []
    rows = read_file("users", path, rejects)
    raw_rejects: list[Reject] = []
    expected = [
        (raw.line, parse("users", raw.values)) for raw in files.read("users", path, raw_rejects)
    ]
    assert [(r.line, r.row) for r in rows] == [
        (n, row) for n, row in expected if not isinstance(row, str)
    ]
    assert rejects == [Reject("users.csv", n, row) for n, row in expected if isinstance(row, str)]
    assert [r.line for r in rejects] == [4]
