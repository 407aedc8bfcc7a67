"""The viral cycle time as people read it: ISO 8601 durations and a short text, on hand-worked
values and against Python's own timedelta arithmetic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from growthgraph.api.durations import iso_duration, readable_duration


@pytest.mark.parametrize(
    ("seconds", "iso", "text"),
    [
        (None, None, None),
        (0.0, "PT0S", "0 seconds"),
        (0.4, "PT0S", "0 seconds"),
        (1.0, "PT1S", "1 second"),
        (59.6, "PT1M", "59 seconds"),
        (3_600.0, "PT1H", "1 hour"),
        (3 * 86_400 + 4 * 3_600, "P3DT4H", "3 days 4 hours"),
        (86_400 + 2 * 60 + 5, "P1DT2M5S", "1 day 2 minutes"),
        (2 * 86_400, "P2D", "2 days"),
        (3_725.25, "PT1H2M5S", "1 hour 2 minutes"),
    ],
)
def test_hand_worked_durations(seconds: float | None, iso: str | None, text: str | None) -> None:
    assert iso_duration(seconds) == iso
    assert readable_duration(seconds) == text


@pytest.mark.parametrize("seconds", [17.0, 4_000.5, 93_784.0, 1_000_000.9, 31_536_000.0])
def test_the_iso_duration_adds_up_to_the_seconds(seconds: float) -> None:
    iso = iso_duration(seconds)
    assert iso is not None
    span = timedelta(seconds=round(seconds))
    days, rest = span.days, span.seconds
    expected = (
        "P"
        + (f"{days}D" if days else "")
        + ("T" if rest else "")
        + (f"{rest // 3600}H" if rest // 3600 else "")
        + (f"{rest % 3600 // 60}M" if rest % 3600 // 60 else "")
        + (f"{rest % 60}S" if rest % 60 else "")
    )
    assert iso == expected
