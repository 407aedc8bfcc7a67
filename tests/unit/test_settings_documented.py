"""Every setting is documented in .env.example and in the README's configuration table."""

from __future__ import annotations

from pathlib import Path

from growthgraph.config import Settings

REPO = Path(__file__).resolve().parents[2]


def env_names() -> list[str]:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: list[str] = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.append(alias if isinstance(alias, str) else (prefix + name).upper())
    return names


def test_names_follow_the_prefix() -> None:
    names = env_names()
    assert "GROWTHGRAPH_QUERY_TIMEOUT" in names
    assert "NEO4J_URI" in names
    assert len(names) == len(set(names))


def test_every_setting_is_in_env_example() -> None:
    text = (REPO / ".env.example").read_text()
    missing = [n for n in env_names() if f"{n}=" not in text]
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    text = (REPO / "README.md").read_text()
    missing = [n for n in env_names() if f"`{n}`" not in text]
    assert missing == []
