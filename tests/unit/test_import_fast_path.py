"""The CSV fast path of the importer accepts only rows that the full checks accept, with the same
typed row: on hand-picked awkward cells and on generated ones. Rows it declines go to the full
checks, which decide and word the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthgraph.loading import files
from growthgraph.loading.fast import fast_parser
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import parse
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
