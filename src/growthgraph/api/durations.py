"""Durations as people read them: an ISO 8601 duration and a short text, from seconds (the
viral cycle time, the funnel's median times)."""

from __future__ import annotations

_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))


def _parts(seconds: float) -> list[tuple[str, int]]:
    left = int(seconds)
    out: list[tuple[str, int]] = []
    for name, size in _UNITS:
        out.append((name, left // size))
        left %= size
    return out


def iso_duration(seconds: float | None) -> str | None:
    """An ISO 8601 duration of ``seconds`` rounded to whole seconds: ``P3DT4H``, ``PT0S``."""
    if seconds is None:
        return None
    parts = dict(_parts(round(seconds)))
    time = "".join(f"{parts[n]}{c}" for n, c in (("hour", "H"), ("minute", "M"), ("second", "S"))
                   if parts[n])  # fmt: skip
    days = f"{parts['day']}D" if parts["day"] else ""
    if not days and not time:
        return "PT0S"
    return f"P{days}" + (f"T{time}" if time else "")


def readable_duration(seconds: float | None) -> str | None:
    """The two largest non-zero units, rounded down: ``3 days 4 hours``, ``0 seconds``."""
    if seconds is None:
        return None
    shown = [(n, v) for n, v in _parts(seconds) if v][:2]
    if not shown:
        return "0 seconds"
    return " ".join(f"{v} {n}" if v == 1 else f"{v} {n}s" for n, v in shown)
