"""The pure helpers of neo4j/local.py, the Docker-free Neo4j launcher (no Java, no network)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "neo4j" / "local.py"


def _load() -> Any:
    # The folder is named like the driver package, so load the script by path, not by import.
    spec = importlib.util.spec_from_file_location("growthgraph_local_neo4j", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while it executes
    spec.loader.exec_module(module)
    return module


local = _load()


def _settings(tmp_path: Path, **env: str) -> Any:
    return local.load_settings({"GROWTHGRAPH_NEO4J_HOME": str(tmp_path), **env})


def test_defaults_put_everything_under_the_instance_dir(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert settings.instance == "dev"
    assert settings.instance_dir == tmp_path / "instances" / "dev"
    assert settings.data_dir == settings.instance_dir / "data"
    assert (settings.bolt_port, settings.http_port) == (7687, 7474)
    assert settings.bolt_url == "bolt://127.0.0.1:7687"
    assert (settings.heap, settings.pagecache, settings.start_timeout) == ("1g", "1g", 120.0)


def test_environment_overrides(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        GROWTHGRAPH_NEO4J_INSTANCE="b",
        GROWTHGRAPH_NEO4J_BOLT_PORT="27687",
        GROWTHGRAPH_NEO4J_HTTP_PORT="27474",
        GROWTHGRAPH_NEO4J_DATA_DIR=str(tmp_path / "elsewhere"),
        GROWTHGRAPH_NEO4J_HEAP="512M",
        GROWTHGRAPH_NEO4J_START_TIMEOUT="30",
    )
    assert settings.instance_dir == tmp_path / "instances" / "b"
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.bolt_url == "bolt://127.0.0.1:27687"
    assert settings.heap == "512m"
    assert settings.start_timeout == 30.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEO4J_PASSWORD", "short", "at least 8"),
        ("GROWTHGRAPH_NEO4J_BOLT_PORT", "70000", "outside 1-65535"),
        ("GROWTHGRAPH_NEO4J_HTTP_PORT", "7687", "must differ"),
        ("GROWTHGRAPH_NEO4J_HEAP", "lots", "memory size"),
        ("GROWTHGRAPH_NEO4J_INSTANCE", "../up", "letters, digits"),
        ("GROWTHGRAPH_NEO4J_START_TIMEOUT", "-1", "positive"),
    ],
)
def test_bad_settings_are_refused_clearly(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(local.SettingsError, match=message) as caught:
        _settings(tmp_path, **{name: value})
    assert caught.value.exit_code == 2


def test_conf_binds_locally_and_enables_apoc(tmp_path: Path) -> None:
    settings = _settings(tmp_path, GROWTHGRAPH_NEO4J_BOLT_PORT="17687")
    conf = local.render_conf(settings).splitlines()
    assert "server.bolt.listen_address=127.0.0.1:17687" in conf
    assert "server.http.listen_address=127.0.0.1:7474" in conf
    assert "server.https.enabled=false" in conf
    assert "dbms.usage_report.enabled=false" in conf
    assert "dbms.security.procedures.unrestricted=apoc.*" in conf
    assert f"server.directories.data={settings.data_dir}" in conf
    assert f"server.directories.plugins={settings.dist_dir / 'plugins'}" in conf
    assert not any(line.startswith("db.transaction.timeout") for line in conf)


def test_configured_ports_are_read_back_from_the_conf(tmp_path: Path) -> None:
    settings = _settings(tmp_path, GROWTHGRAPH_NEO4J_BOLT_PORT="17687")
    settings.conf_dir.mkdir(parents=True)
    (settings.conf_dir / "neo4j.conf").write_text(local.render_conf(settings))
    assert local._configured_ports(_settings(tmp_path)) == (17687, 7474)


def test_server_command_uses_the_entry_point_and_instance_dirs(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    cmd = local.jvm_command(settings, "java")
    assert cmd[:3] == ["java", "-Xms1g", "-Xmx1g"]
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in cmd
    assert cmd[-3:] == [
        "org.neo4j.server.CommunityEntryPoint",
        f"--home-dir={settings.instance_dir}",
        f"--config-dir={settings.conf_dir}",
    ]


def test_maven_download_lines_are_counted() -> None:
    counter = local.DownloadCounter()
    lines = [
        "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/a/a-1.jar",
        "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/a/a-1.jar "
        "(633 kB at 53 kB/s)",
        "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/b/b-1.jar "
        "(1.5 MB at 2 MB/s)",
        "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/c/c-1.pom "
        "(900 B at 1 kB/s)",
    ]
    assert [counter.feed(line) for line in lines] == [False, True, True, True]
    assert counter.artifacts == 3
    assert counter.megabytes == pytest.approx(2.1339)


def test_install_stamp_follows_the_pom() -> None:
    stamp = local.install_stamp()
    assert stamp["neo4j"] == stamp["apoc"]  # APOC is released in lockstep with Neo4j
    assert len(stamp["pom_sha256"]) == 64


def test_the_container_image_pins_the_same_neo4j_as_maven() -> None:
    from tests.support.neo4j_server import pinned_image

    versions = local.pinned_versions()
    assert pinned_image() == f"neo4j:{versions['neo4j']}-community"
