"""docs/errors.md documents every code the service can return."""

from __future__ import annotations

import re
from pathlib import Path

from growthgraph import errors
from growthgraph.api import extensions
from growthgraph.api.enums import ErrorCode
from growthgraph.http import guards, idempotency

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def documented() -> set[str]:
    return set(re.findall(r"^\| `([A-Z_]+)` \|", DOC.read_text(), flags=re.MULTILINE))


def raised_codes() -> set[str]:
    found: set[str] = set()
    pending: list[type[errors.GrowthGraphError]] = [errors.GrowthGraphError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not errors.GrowthGraphError:
            found.add(cls.code)
    return found


def test_every_code_is_documented() -> None:
    codes = raised_codes() | {e.value for e in ErrorCode}
    codes |= {extensions.INTERNAL, extensions.PARSE_FAILED, extensions.VALIDATION_FAILED}
    codes |= {code for _, code in extensions.LIMIT_CODES}
    codes |= {guards.RATE_LIMITED, guards.TOO_LARGE}
    codes |= {idempotency.IN_USE, idempotency.REUSED, idempotency.INVALID}
    assert codes - documented() == set()
    assert len(codes) >= 16  # the set this page started with
