"""The pure helpers of neo4j/local.py, the Docker-free Neo4j launcher (no Java, no network)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_neo4j import REPO, local


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


# --- Why a start failed: the classifier reads what the server and its JVM logged ---------------

# Excerpts of what Neo4j 5.26 and its JVM logged when a start failed, trimmed of stack frames.
BOLT_PORT_TAKEN = """\
2026-12-04 17:08:17.344+0000 ERROR Failed to start Neo4j on 127.0.0.1:37474.
java.lang.RuntimeException: Error starting Neo4j database server at /x/data/databases
Caused by: org.neo4j.kernel.lifecycle.LifecycleException: Component 'org.neo4j.bolt.protocol.common.connector.netty.SocketNettyConnector@22025464' was successfully initialized, but failed to start. Please see the attached cause exception "bind(..) failed with error(-98): Address already in use".
Caused by: org.neo4j.configuration.helpers.PortBindException: An error occurred while trying to bind to the socket /127.0.0.1:37687
Caused by: io.netty.channel.unix.Errors$NativeIoException: bind(..) failed with error(-98): Address already in use
2026-12-04 17:08:17.347+0000 INFO  Neo4j Server shutdown initiated by request
"""
HTTP_PORT_TAKEN = """\
2026-12-04 17:09:15.362+0000 ERROR Failed to start Neo4j on 127.0.0.1:37474: Address 127.0.0.1:37474 is already in use, cannot bind to it.
Caused by: org.neo4j.configuration.helpers.PortBindException: Address 127.0.0.1:37474 is already in use, cannot bind to it.
"""
HEAP_TOO_LARGE = """\
---- 2026-12-04 17:09:01 start
Error occurred during initialization of VM
Could not reserve enough space for 104856551424KB object heap
"""
OUT_OF_MEMORY = """\
2026-12-04 17:20:00.000+0000 ERROR Failed to start Neo4j on 127.0.0.1:7474.
java.lang.OutOfMemoryError: Java heap space
"""
UNKNOWN_SETTING = """\
Exception in thread "main" java.lang.IllegalArgumentException: Unrecognized setting. No declared setting with name: server.bogus.thing. Cleanup the config or disable 'server.config.strict_validation.enabled' to continue.
\tat org.neo4j.configuration.Config.getActiveSettings(Config.java:762)
"""
BAD_VALUE = """\
Exception in thread "main" java.lang.IllegalArgumentException: Error evaluating value for setting 'db.tx_log.rotation.retention_policy'. Failed to validate 'banana' for 'db.tx_log.rotation.retention_policy': value does not match expression
"""
STORE_LOCKED = """\
Caused by: org.neo4j.kernel.internal.locker.FileLockException: Lock file has been locked by another process: /x/data/databases/store_lock. Please ensure no other process is using this database, and that the directory is writable (required even for read-only access)
"""
DISK_FULL = "java.io.IOException: No space left on device\n"
OLD_JAVA = (
    'Exception in thread "main" java.lang.UnsupportedClassVersionError: '
    "org/neo4j/server/CommunityEntryPoint has been compiled by a more recent version\n"
)
A_GOOD_START = """\
2026-12-04 17:04:22.847+0000 INFO  Starting...
2026-12-04 17:04:29.071+0000 INFO  Bolt enabled on localhost:27687.
2026-12-04 17:04:29.957+0000 INFO  HTTP enabled on 127.0.0.1:27474.
2026-12-04 17:04:29.965+0000 INFO  Started.
"""


def _ported(tmp_path: Path) -> Any:
    return _settings(
        tmp_path, GROWTHGRAPH_NEO4J_BOLT_PORT="37687", GROWTHGRAPH_NEO4J_HTTP_PORT="37474"
    )


@pytest.mark.parametrize(
    ("log", "port", "variable"),
    [
        (BOLT_PORT_TAKEN, 37687, "GROWTHGRAPH_NEO4J_BOLT_PORT"),
        (HTTP_PORT_TAKEN, 37474, "GROWTHGRAPH_NEO4J_HTTP_PORT"),
    ],
)
def test_a_taken_port_is_named_with_the_setting_that_moves_it(
    tmp_path: Path, log: str, port: int, variable: str
) -> None:
    found = local.diagnose(log, _ported(tmp_path))
    assert found is not None
    assert found.kind == "port"
    assert f"port {port} is already in use" in found.message
    assert variable in found.message
    assert "wipe" not in found.message
    assert "password" not in found.message.lower()


def test_the_bolt_port_is_named_even_when_neo4j_blames_the_http_address(tmp_path: Path) -> None:
    found = local.diagnose(BOLT_PORT_TAKEN, _ported(tmp_path))
    assert found is not None
    assert "Bolt port 37687" in found.message
    assert "37474" not in found.message


@pytest.mark.parametrize(
    ("log", "kind", "words"),
    [
        (HEAP_TOO_LARGE, "memory", ["memory", "GROWTHGRAPH_NEO4J_HEAP", "Could not reserve"]),
        (OUT_OF_MEMORY, "memory", ["memory", "GROWTHGRAPH_NEO4J_PAGECACHE"]),
        (UNKNOWN_SETTING, "setting", ["server.bogus.thing", "refused a setting"]),
        (BAD_VALUE, "setting", ["'banana'", "db.tx_log.rotation.retention_policy"]),
        (STORE_LOCKED, "locked", ["locked by another Neo4j process", "DATA_DIR"]),
        (DISK_FULL, "disk", ["disk is full"]),
        (OLD_JAVA, "java", ["Java 17 or 21"]),
    ],
)
def test_other_failures_are_classified(
    tmp_path: Path, log: str, kind: str, words: list[str]
) -> None:
    found = local.diagnose(log, _settings(tmp_path))
    assert found is not None
    assert found.kind == kind
    for word in words:
        assert word in found.message
    assert "wipe" not in found.message


def test_a_log_without_a_known_failure_gives_no_diagnosis(tmp_path: Path) -> None:
    assert local.diagnose(A_GOOD_START, _settings(tmp_path)) is None
    assert local.diagnose("", _settings(tmp_path)) is None


def test_started_means_logged_since_the_last_launch(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.logs_dir.mkdir(parents=True)
    log = settings.user_log
    log.write_text(A_GOOD_START)
    assert local._server_started(settings, {})
    log.write_text(A_GOOD_START + "2026-12-04 18:00:00.000+0000 INFO  Starting...\n")
    assert not local._server_started(settings, {})  # the previous run's line does not count
    offset = log.stat().st_size
    assert not local._server_started(settings, {log: offset})
    with log.open("a") as fh:
        fh.write("2026-12-04 18:00:09.000+0000 INFO  Started.\n")
    assert local._server_started(settings, {log: offset})


def test_the_default_backup_is_named_after_the_instance_and_the_time(tmp_path: Path) -> None:
    settings = _settings(tmp_path, GROWTHGRAPH_NEO4J_INSTANCE="b")
    when = time.mktime((2026, 12, 4, 17, 5, 39, 0, 0, -1))
    assert local.default_backup_path(settings, when) == REPO / "backups" / "b-20261204-170539.dump"


def test_backups_are_ignored_by_git() -> None:
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "backups/" in ignored
