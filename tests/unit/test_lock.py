"""requirements.lock pins what ``make setup`` installs: every package once, at one exact version,
and every requirement of pyproject.toml (the runtime ones and the ``dev`` extra) locked at a
version its range allows, so a new release on PyPI changes nothing until ``make lock`` is run."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.datasets import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def _locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for number, raw in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pin = PIN.fullmatch(line)
        assert pin is not None, f"requirements.lock:{number}: not name==version: {raw!r}"
        name, version = pin.group(1), pin.group(2)
        key = canonicalize_name(name)
        assert key not in pins, f"requirements.lock:{number}: {name} pinned twice"
        pins[key] = Version(version)
    return pins


def _required() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts: list[str] = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(text) for text in texts]


def test_every_requirement_is_locked_within_its_range() -> None:
    pins = _locked()
    wrong: list[str] = []
    for requirement in _required():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            wrong.append(f"{requirement.name}: not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            wrong.append(f"{requirement.name}=={pinned} is outside {requirement.specifier}")
    assert not wrong, "run make lock: " + "; ".join(wrong)


def test_the_lock_pins_the_whole_environment() -> None:
    """More than the direct requirements: their own dependencies are pinned too."""
    pins = _locked()
    direct = {canonicalize_name(r.name) for r in _required()}
    assert direct < set(pins), sorted(direct - set(pins))
    for indirect in ("graphql-core", "pydantic-core", "anyio"):
        assert indirect in pins, indirect
