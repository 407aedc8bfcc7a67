#!/usr/bin/env python3
"""Run a local Neo4j Community server (with APOC) without Docker.

    python neo4j/local.py start|stop|status|restart|install
    python neo4j/local.py wipe [--yes]
    python neo4j/local.py backup [--to FILE]
    python neo4j/local.py restore --from FILE [--yes]

The server jars come from Maven Central (versions pinned in ``neo4j/pom.xml``) and are shared by
every instance under ``$GROWTHGRAPH_NEO4J_HOME/dist``. Each instance has its own configuration,
data, logs and pid file under ``$GROWTHGRAPH_NEO4J_HOME/instances/<name>``, so several instances
can run side by side on different ports.

Settings (environment variables, with defaults):

    GROWTHGRAPH_NEO4J_HOME           <repo>/.neo4j
    GROWTHGRAPH_NEO4J_INSTANCE       dev
    GROWTHGRAPH_NEO4J_DATA_DIR       <home>/instances/<instance>/data
    GROWTHGRAPH_NEO4J_BOLT_PORT      7687
    GROWTHGRAPH_NEO4J_HTTP_PORT      7474
    NEO4J_PASSWORD                   growthgraph-dev   (at least 8 characters; user is "neo4j")
    GROWTHGRAPH_NEO4J_HEAP           1g
    GROWTHGRAPH_NEO4J_PAGECACHE      1g
    GROWTHGRAPH_NEO4J_START_TIMEOUT  120   (seconds)

``wipe`` and ``restore`` destroy data: when there is data to lose they ask on the terminal, and
without a terminal they refuse unless given ``--yes``. ``backup`` dumps the ``neo4j`` database
with ``neo4j-admin database dump`` (default file: ``<repo>/backups/<instance>-<timestamp>.dump``)
and ``restore`` loads such a file in its place; both stop the server around the admin tool and
start it again if it was running.

When a start fails, the cause is read from the server's own logs (a port taken, memory, a refused
setting, a locked store...); a wrong password is only reported by a server that has started.

Progress and diagnostics go to stderr; ``start`` prints the Bolt URL and ``backup`` the dump's
path on stdout. Exit codes: 0 success, 1 failure (or not confirmed), 2 invalid settings or
arguments, 3 ``status`` of a stopped instance.

The module is importable (stdlib only): ``load_settings``, ``install``, ``start``, ``stop``,
``running_pid``, ``live_settings``, ``wipe``, ``backup``, ``restore``, ``admin_import`` (a full
``neo4j-admin database import`` from CSV files, used by ``growthgraph import --initial``) and
``diagnose`` are the programmatic interface.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Final, cast

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
POM_PATH: Final = Path(__file__).resolve().parent / "pom.xml"

DEFAULT_INSTANCE: Final = "dev"
DEFAULT_BOLT_PORT: Final = 7687
DEFAULT_HTTP_PORT: Final = 7474
DEFAULT_PASSWORD: Final = "growthgraph-dev"  # noqa: S105  # the documented dev default
DEFAULT_HEAP: Final = "1g"
DEFAULT_PAGECACHE: Final = "1g"
DEFAULT_START_TIMEOUT: Final = 120.0
MIN_PASSWORD_LENGTH: Final = 8
STOP_TIMEOUT: Final = 60.0
NEO4J_USER: Final = "neo4j"

ENTRY_POINT: Final = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL: Final = "org.neo4j.cli.AdminTool"
STAMP_NAME: Final = "install.json"
DATABASE: Final = "neo4j"  # the database that backup and restore dump and load
ADMIN_HEAP: Final = "512m"
BACKUPS_DIR: Final = REPO_ROOT / "backups"

EXIT_OK: Final = 0
EXIT_FAILURE: Final = 1
EXIT_BAD_SETTINGS: Final = 2
EXIT_STOPPED: Final = 3

# The JVM flags of the distribution's default neo4j.conf (``server.jvm.additional``) for Neo4j 5.26,
# minus -XX:+AlwaysPreTouch: committing the whole heap up front only slows a development start.
JVM_FLAGS: Final[tuple[str, ...]] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    "-Dfile.encoding=UTF-8",
)

_SIZE_RE: Final = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
_INSTANCE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DOWNLOADED_RE: Final = re.compile(r"Downloaded from \S+: \S+ \(([0-9.]+) (B|kB|MB|GB)\b")
_UNIT_BYTES: Final[Mapping[str, float]] = {"B": 1.0, "kB": 1e3, "MB": 1e6, "GB": 1e9}


class LocalNeo4jError(Exception):
    """A failure with a message meant for the person at the terminal."""

    exit_code: int = EXIT_FAILURE


class SettingsError(LocalNeo4jError):
    """An environment variable holds an unusable value."""

    exit_code = EXIT_BAD_SETTINGS


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    home: Path
    instance: str
    data_dir: Path
    bolt_port: int
    http_port: int
    password: str
    heap: str
    pagecache: str
    start_timeout: float

    @property
    def dist_dir(self) -> Path:
        return self.home / "dist"

    @property
    def instance_dir(self) -> Path:
        return self.home / "instances" / self.instance

    @property
    def conf_dir(self) -> Path:
        return self.instance_dir / "conf"

    @property
    def logs_dir(self) -> Path:
        return self.instance_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.instance_dir / "run"

    @property
    def import_dir(self) -> Path:
        return self.instance_dir / "import"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def user_log(self) -> Path:
        return self.logs_dir / "neo4j.log"

    @property
    def debug_log(self) -> Path:
        return self.logs_dir / "debug.log"

    @property
    def launch_file(self) -> Path:
        """Where each log stood when the running server was launched (JSON)."""
        return self.run_dir / "launch.json"

    @property
    def bolt_url(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def classpath(self) -> str:
        return f"{self.dist_dir / 'lib'}/*:{self.dist_dir / 'plugins'}/*"


def _env_port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name}={port} is outside 1-65535")
    return port


def _env_size(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    if not _SIZE_RE.match(raw):
        raise SettingsError(f"{name}={raw!r} is not a memory size like 512m or 2g")
    return raw.lower()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    home = Path(env.get("GROWTHGRAPH_NEO4J_HOME", "").strip() or REPO_ROOT / ".neo4j")
    home = home.expanduser().resolve()

    instance = env.get("GROWTHGRAPH_NEO4J_INSTANCE", "").strip() or DEFAULT_INSTANCE
    if not _INSTANCE_RE.match(instance):
        raise SettingsError(
            f"GROWTHGRAPH_NEO4J_INSTANCE={instance!r}: use letters, digits, '.', '_' or '-'"
        )

    raw_data = env.get("GROWTHGRAPH_NEO4J_DATA_DIR", "").strip()
    data_dir = (
        Path(raw_data).expanduser().resolve()
        if raw_data
        else home / "instances" / instance / "data"
    )

    bolt_port = _env_port(env, "GROWTHGRAPH_NEO4J_BOLT_PORT", DEFAULT_BOLT_PORT)
    http_port = _env_port(env, "GROWTHGRAPH_NEO4J_HTTP_PORT", DEFAULT_HTTP_PORT)
    if bolt_port == http_port:
        raise SettingsError(f"the Bolt and HTTP ports must differ (both are {bolt_port})")

    password = env.get("NEO4J_PASSWORD", "") or DEFAULT_PASSWORD
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SettingsError(
            f"NEO4J_PASSWORD is {len(password)} characters long; "
            f"Neo4j requires at least {MIN_PASSWORD_LENGTH}"
        )

    raw_timeout = env.get("GROWTHGRAPH_NEO4J_START_TIMEOUT", "").strip()
    try:
        start_timeout = float(raw_timeout) if raw_timeout else DEFAULT_START_TIMEOUT
    except ValueError:
        raise SettingsError(
            f"GROWTHGRAPH_NEO4J_START_TIMEOUT={raw_timeout!r} is not a number of seconds"
        ) from None
    if start_timeout <= 0:
        raise SettingsError("GROWTHGRAPH_NEO4J_START_TIMEOUT must be positive")

    return Settings(
        home=home,
        instance=instance,
        data_dir=data_dir,
        bolt_port=bolt_port,
        http_port=http_port,
        password=password,
        heap=_env_size(env, "GROWTHGRAPH_NEO4J_HEAP", DEFAULT_HEAP),
        pagecache=_env_size(env, "GROWTHGRAPH_NEO4J_PAGECACHE", DEFAULT_PAGECACHE),
        start_timeout=start_timeout,
    )


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _say(settings: Settings, message: str) -> None:
    print(f"neo4j[{settings.instance}]: {message}", file=sys.stderr, flush=True)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class StatusLine:
    """One line that updates in place on a terminal; elsewhere, occasional plain lines."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._tty = _is_tty(self._stream)
        self._width = 0
        self._last = 0.0

    @property
    def tty(self) -> bool:
        return self._tty

    def update(self, text: str, *, force: bool = False) -> None:
        """Redraw (terminal, at most 10 times a second) or print the line (``force``, not a tty)."""
        if self._tty:
            now = time.monotonic()
            if not force and now - self._last < 0.1:
                return
            self._last = now
            pad = max(0, self._width - len(text))
            self._stream.write("\r" + text + " " * pad)
            self._width = len(text)
            self._stream.flush()
        elif force:
            self._stream.write(text + "\n")
            self._stream.flush()

    def done(self, text: str | None = None) -> None:
        """End the line, replacing it with ``text`` when given."""
        if self._tty:
            if text is not None:
                self.update(text, force=True)
            if self._width:
                self._stream.write("\n")
                self._stream.flush()
            self._width = 0
        elif text is not None:
            self._stream.write(text + "\n")
            self._stream.flush()


def _tail(path: Path, lines: int = 30, start: int = 0) -> str:
    """The last ``lines`` lines of ``path`` after byte offset ``start``."""
    try:
        with path.open("rb") as fh:
            fh.seek(start)
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace").rstrip("\n")
    return "\n".join(text.splitlines()[-lines:])


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


# --------------------------------------------------------------------------------------------
# Install (Maven)
# --------------------------------------------------------------------------------------------


def pinned_versions(pom: Path = POM_PATH) -> dict[str, str]:
    """The Neo4j and APOC versions pinned in ``pom.xml``."""
    try:
        root = ET.parse(pom).getroot()  # noqa: S314  # our own pom.xml, not untrusted input
    except (OSError, ET.ParseError) as exc:
        raise LocalNeo4jError(f"cannot read {pom}: {exc}") from exc
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    versions: dict[str, str] = {}
    for key, prop in (("neo4j", "neo4j.version"), ("apoc", "apoc.version")):
        node = root.find(f"m:properties/m:{prop}", ns)
        if node is None or not (node.text or "").strip():
            raise LocalNeo4jError(f"{pom} does not define <{prop}>")
        versions[key] = (node.text or "").strip()
    return versions


def install_stamp(pom: Path = POM_PATH) -> dict[str, str]:
    """What an install is made from: the pinned versions and a digest of pom.xml itself."""
    stamp = pinned_versions(pom)
    stamp["pom_sha256"] = hashlib.sha256(pom.read_bytes()).hexdigest()
    return stamp


def _installed_ok(dist: Path, stamp: Mapping[str, str]) -> bool:
    try:
        found = json.loads((dist / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        found == dict(stamp)
        and (dist / "lib" / f"neo4j-{stamp['neo4j']}.jar").is_file()
        and (dist / "plugins" / f"apoc-core-{stamp['apoc']}.jar").is_file()
        and (dist / "plugins" / f"apoc-common-{stamp['apoc']}.jar").is_file()
    )


def is_installed(settings: Settings) -> bool:
    """Whether ``<home>/dist`` holds the jars that pom.xml pins, as it is now."""
    return _installed_ok(settings.dist_dir, install_stamp())


def _java_binary() -> str | None:
    java_home = os.environ.get("JAVA_HOME", "").strip()
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


_JAVA_HINT: Final = (
    "Java 17 or 21 (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`)"
)
_MAVEN_HINT: Final = "Maven 3.8+ (e.g. `apt-get install maven` or `brew install maven`)"


def require_tools(*, maven: bool) -> str:
    """The path of ``java`` (17+), checking for ``mvn`` too when ``maven``; else a clear error."""
    java = _java_binary()
    lacks_maven = maven and shutil.which("mvn") is None
    if java is None or lacks_maven:
        missing = [_JAVA_HINT] if java is None else []
        missing += [_MAVEN_HINT] if lacks_maven else []
        raise LocalNeo4jError(
            "please install " + " and ".join(missing) + ". Neo4j runs on Java, and Maven "
            "fetches its jars from Maven Central."
        )
    major = _java_major(java)
    if major is not None and major < 17:
        raise LocalNeo4jError(f"{java} is Java {major}; Neo4j 5 needs {_JAVA_HINT}")
    return java


@contextlib.contextmanager
def _file_lock(path: Path) -> Generator[None]:
    """An exclusive advisory lock, so concurrent invocations take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class DownloadCounter:
    """Counts the artifacts and bytes in Maven's ``Downloaded from`` lines."""

    def __init__(self) -> None:
        self.artifacts = 0
        self.bytes = 0.0

    def feed(self, line: str) -> bool:
        """Account for one line of Maven output; True when it was a finished download."""
        match = _DOWNLOADED_RE.search(line)
        if match is None:
            return False
        self.artifacts += 1
        self.bytes += float(match.group(1)) * _UNIT_BYTES[match.group(2)]
        return True

    @property
    def megabytes(self) -> float:
        return self.bytes / 1e6


def install(settings: Settings, *, force: bool = False) -> bool:
    """Resolve the pinned jars into ``<home>/dist``; False when they were already there."""
    versions = install_stamp()
    dist = settings.dist_dir
    if not force and _installed_ok(dist, versions):
        return False
    require_tools(maven=True)
    mvn = shutil.which("mvn") or "mvn"
    settings.home.mkdir(parents=True, exist_ok=True)
    with _file_lock(settings.home / ".install.lock"):
        if not force and _installed_ok(dist, versions):  # another process just did it
            return False
        staging = settings.home / "dist.partial"
        shutil.rmtree(staging, ignore_errors=True)
        log_path = settings.home / "maven.log"
        label = f"Neo4j {versions['neo4j']} jars"
        _say(
            settings,
            f"installing Neo4j {versions['neo4j']} + APOC {versions['apoc']} into {dist} (Maven)",
        )
        started = time.monotonic()
        counter = DownloadCounter()
        line_out = StatusLine()
        cmd = [
            mvn,
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM_PATH),
            f"-Dhome={staging}",
            "package",
        ]
        with log_path.open("w", encoding="utf-8") as log:
            try:
                proc = subprocess.Popen(
                    cmd,
                    cwd=REPO_ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    errors="replace",
                )
            except OSError as exc:
                raise LocalNeo4jError(f"cannot run Maven: {exc}") from exc
            for line in proc.stdout or ():
                log.write(line)
                if counter.feed(line):
                    text = (
                        f"downloading {label}: {counter.artifacts} artifacts, "
                        f"{counter.megabytes:.1f} MB"
                    )
                    line_out.update(text, force=not line_out.tty and counter.artifacts % 20 == 0)
            code = proc.wait()
        line_out.done()
        if code != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise LocalNeo4jError(
                f"Maven failed (exit {code}); the end of {log_path}:\n{_indent(_tail(log_path))}"
            )
        (staging / STAMP_NAME).write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
        if not _installed_ok(staging, versions):
            raise LocalNeo4jError(f"Maven succeeded but the jars are missing; see {log_path}")
        old = settings.home / "dist.old"
        shutil.rmtree(old, ignore_errors=True)
        if dist.exists():
            dist.rename(old)
        staging.rename(dist)
        shutil.rmtree(old, ignore_errors=True)
        fetched = (
            f"{counter.artifacts} artifacts, {counter.megabytes:.1f} MB downloaded"
            if counter.artifacts
            else "all from the local Maven cache"
        )
        _say(settings, f"installed in {time.monotonic() - started:.0f}s ({fetched})")
    return True


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


def jvm_command(settings: Settings, java: str = "java") -> list[str]:
    """The server's command line."""
    return [
        java,
        f"-Xms{settings.heap}",
        f"-Xmx{settings.heap}",
        *JVM_FLAGS,
        "-cp",
        settings.classpath,
        ENTRY_POINT,
        f"--home-dir={settings.instance_dir}",
        f"--config-dir={settings.conf_dir}",
    ]


def render_conf(settings: Settings) -> str:
    """The instance's neo4j.conf (rewritten on every start)."""
    lines = [
        f"# Written by neo4j/local.py for instance '{settings.instance}'; rewritten on each start.",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address=127.0.0.1:{settings.bolt_port}",
        f"server.bolt.advertised_address=127.0.0.1:{settings.bolt_port}",
        "server.http.enabled=true",
        f"server.http.listen_address=127.0.0.1:{settings.http_port}",
        f"server.http.advertised_address=127.0.0.1:{settings.http_port}",
        "server.https.enabled=false",
        # Server-side routing would open one more port (7688) per instance; drivers don't need it.
        "dbms.routing.enabled=false",
        "dbms.security.auth_enabled=true",
        "dbms.usage_report.enabled=false",
        f"server.memory.heap.initial_size={settings.heap}",
        f"server.memory.heap.max_size={settings.heap}",
        f"server.memory.pagecache.size={settings.pagecache}",
        f"server.directories.data={settings.data_dir}",
        f"server.directories.logs={settings.logs_dir}",
        f"server.directories.run={settings.run_dir}",
        f"server.directories.import={settings.import_dir}",
        f"server.directories.plugins={settings.dist_dir / 'plugins'}",
        f"server.directories.lib={settings.dist_dir / 'lib'}",
        "db.tx_log.rotation.retention_policy=100M size",
        # Bolt waits 5s for idle worker threads, twice, on every shutdown; 1s keeps `stop` quick.
        "internal.server.bolt.thread_pool_shutdown_wait_time=1s",
        "dbms.security.procedures.unrestricted=apoc.*",
        "dbms.security.procedures.allowlist=apoc.*",
        *(f"server.jvm.additional={flag}" for flag in JVM_FLAGS),
    ]
    return "\n".join(lines) + "\n"


def _write_conf(settings: Settings) -> None:
    for directory in (
        settings.conf_dir,
        settings.logs_dir,
        settings.run_dir,
        settings.import_dir,
        settings.data_dir,
    ):
        directory.mkdir(parents=True, exist_ok=True)
    conf = settings.conf_dir / "neo4j.conf"
    tmp = conf.with_suffix(".conf.tmp")
    tmp.write_text(render_conf(settings), encoding="utf-8")
    tmp.replace(conf)


def _java_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(settings.instance_dir)
    env["NEO4J_CONF"] = str(settings.conf_dir)
    return env


def _password_pending_or_set(settings: Settings) -> bool:
    """Whether this data dir already has a password (stored, or waiting for the first start)."""
    return (settings.data_dir / "dbms" / "auth.ini").exists() or (
        settings.data_dir / "databases" / "system"
    ).exists()


def _admin_command(settings: Settings, java: str, *args: str, heap: str = ADMIN_HEAP) -> list[str]:
    """A ``neo4j-admin`` command line for the instance (the jars' AdminTool, its own small heap)."""
    return [java, f"-Xmx{heap}", *JVM_FLAGS, "-cp", settings.classpath, ADMIN_TOOL, *args]


def _run_admin(
    settings: Settings,
    java: str,
    *args: str,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    heap: str = ADMIN_HEAP,
) -> tuple[int, str]:
    """Run ``neo4j-admin`` on the instance's conf: its exit code and output (stderr only, when
    ``stdout`` takes the standard output)."""
    try:
        out = subprocess.run(
            _admin_command(settings, java, *args, heap=heap),
            cwd=settings.instance_dir,
            env=_java_env(settings),
            preexec_fn=_die_with_parent,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.PIPE if stdout is None else stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
    except OSError as exc:
        raise LocalNeo4jError(f"cannot run {java}: {exc}") from exc
    captured = (out.stdout or b"") if stdout is None else b""
    return out.returncode, (captured + out.stderr).decode("utf-8", errors="replace")


def _die_with_parent() -> None:
    """In the admin tool's process, before it runs: on Linux, be killed when the process that
    started it dies, so that a killed backup, restore or import never leaves the tool writing a
    store on its own (the store set aside is then put back by ``recover_aside``)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _set_initial_password(settings: Settings, java: str) -> None:
    _say(settings, f"new database: setting the password of user {NEO4J_USER!r}")
    code, output = _run_admin(settings, java, "dbms", "set-initial-password", settings.password)
    if code != 0:
        output = output.replace(settings.password, "***")
        raise LocalNeo4jError(f"setting the initial password failed:\n{_indent(output.strip())}")


# --------------------------------------------------------------------------------------------
# Processes and probes
# --------------------------------------------------------------------------------------------


def _process_info(pid: int) -> tuple[str, list[str]] | None:
    """(state, command-line arguments) of a process, or None when there is none."""
    proc = Path("/proc") / str(pid)
    if Path("/proc/self").exists():
        try:
            raw = (proc / "cmdline").read_bytes().decode(errors="replace")
            stat = (proc / "stat").read_text()
        except OSError:
            return None
        state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else "?"
        return state, raw.rstrip("\0").split("\0")
    try:  # macOS and other systems without /proc
        out = subprocess.run(
            ["ps", "-o", "stat=", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    text = out.stdout.strip()
    if out.returncode != 0 or not text:
        return None
    state, _, cmdline = text.partition(" ")
    return state[:1], cmdline.split()  # ps joins the arguments with spaces


def _is_our_server(settings: Settings, pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own (just stopped) child
    info = _process_info(pid)
    if info is None:
        return False
    state, args = info
    return state != "Z" and ENTRY_POINT in args and f"--home-dir={settings.instance_dir}" in args


def running_pid(settings: Settings) -> int | None:
    """The pid of this instance's server, or None (a stale pid file is removed)."""
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if _is_our_server(settings, pid):
        return pid
    with contextlib.suppress(OSError):
        settings.pid_file.unlink()
    return None


def bolt_handshake(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """Whether a Bolt server on ``port`` agrees on a protocol version (5.0-5.8 or 4.4)."""
    proposal = bytes.fromhex("6060b01700080805000004040000000000000000")
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(proposal)
            reply = b""
            while len(reply) < 4:
                chunk = sock.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
    except OSError:
        return False
    return reply != b"\0\0\0\0"


def _http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310  # http://127.0.0.1
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


def check_login(settings: Settings, timeout: float = 5.0) -> str | None:
    """Run ``RETURN 1`` over HTTP as user neo4j: None when it works, else the problem.

    The problem is ``"unauthorized"`` for a wrong password, or another short description.
    """
    body = json.dumps({"statements": [{"statement": "RETURN 1"}]}).encode()
    token = base64.b64encode(f"{NEO4J_USER}:{settings.password}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310  # always http://127.0.0.1
        f"{settings.http_url}/db/neo4j/tx/commit",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Basic {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310  # as above
            payload = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return "unauthorized" if exc.code == 401 else f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return str(exc)
    code = _first_error_code(payload)
    if code is not None and "Unauthorized" in code:
        return "unauthorized"
    return code


def _first_error_code(payload: object) -> str | None:
    """The code of the first error in a transactional-endpoint response, None when it has none."""
    if not isinstance(payload, dict):
        return "unexpected response"
    errors = cast("dict[str, object]", payload).get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    first = cast("list[object]", errors)[0]
    if isinstance(first, dict):
        return str(cast("dict[str, object]", first).get("code", "error"))
    return str(first)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _other_instance_on(settings: Settings, port: int) -> str | None:
    """The name of another running instance under the same home that is configured for ``port``."""
    instances = settings.home / "instances"
    if not instances.is_dir():
        return None
    needle = re.compile(rf"^server\.(bolt|http)\.listen_address=127\.0\.0\.1:{port}$", re.MULTILINE)
    for conf in sorted(instances.glob("*/conf/neo4j.conf")):
        name = conf.parent.parent.name
        if name == settings.instance:
            continue
        try:
            if not needle.search(conf.read_text(encoding="utf-8")):
                continue
        except OSError:
            continue
        pid_file = conf.parent.parent / "run" / "neo4j.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            if _process_info(pid) is not None:
                return name
    return None


def _check_ports(settings: Settings) -> None:
    for name, port, var in (
        ("Bolt", settings.bolt_port, "GROWTHGRAPH_NEO4J_BOLT_PORT"),
        ("HTTP", settings.http_port, "GROWTHGRAPH_NEO4J_HTTP_PORT"),
    ):
        if _port_free(port):
            continue
        other = _other_instance_on(settings, port)
        holder = f"instance {other!r}" if other else "another process"
        raise LocalNeo4jError(
            f"the {name} port {port} is taken by {holder}; stop it, or pick a free port with {var}"
        )


def _memory_mb(pid: int) -> float | None:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _password_mismatch(settings: Settings) -> LocalNeo4jError:
    return LocalNeo4jError(
        f"Neo4j is running at {settings.bolt_url}, but NEO4J_PASSWORD is not the password "
        f"stored in {settings.data_dir} (it is set once, when the database is created). "
        "Use the original password. To start over with this one instead, `wipe` the instance "
        "(make neo4j-wipe): that deletes all its data, so `backup` it first if you need it."
    )


# --------------------------------------------------------------------------------------------
# Why a start failed, from the server's own logs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    """The cause of a failed start: ``kind`` for programs, ``message`` for people."""

    kind: str  # "port", "locked", "memory", "disk", "setting" or "java"
    message: str
    evidence: str  # the log line it was read from


_PORT_IN_USE: Final = (
    re.compile(r"Address \S*?:(\d+) is already in use"),
    re.compile(r"trying to bind to the socket \S*?:(\d+)"),
    re.compile(r"Failed to bind to \S*?:(\d+)"),
    re.compile(r"Address already in use|java\.net\.BindException"),
)
_STORE_LOCKED: Final = re.compile(
    r"Lock file has been locked by another process[^\n]*|FileLockException[^\n]*"
)
_OUT_OF_MEMORY: Final = re.compile(
    r"java\.lang\.OutOfMemoryError[^\n]*"
    r"|Could not reserve enough space for [^\n]*"
    r"|There is insufficient memory for the Java Runtime Environment[^\n]*"
    r"|Cannot allocate memory[^\n]*"
    r"|Invalid (?:maximum|initial) heap size[^\n]*"
    r"|Initial heap size set to a larger value than the maximum heap size"
)
_DISK_FULL: Final = re.compile(r"No space left on device[^\n]*")
_BAD_SETTING: Final = (  # the most specific first
    re.compile(r"Unrecognized setting\. No declared setting with name: [\w.]+"),
    re.compile(r"Failed to validate '[^'\n]*' for '[\w.]+'"),
    re.compile(r"[\w.]+ declared multiple times"),
    re.compile(r"Error evaluating value for setting '[\w.]+'"),
    re.compile(r"ConfigurationException: [^\n]*"),
)
_OLD_JAVA: Final = re.compile(r"UnsupportedClassVersionError[^\n]*")


def _evidence(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 240 else text[:237] + "..."


def diagnose(log_text: str, settings: Settings) -> Diagnosis | None:
    """The cause of a failed start, read from what the server and its JVM logged; None if unknown.

    ``log_text`` is what the console output, neo4j.log and debug.log gained since the launch.
    """
    for pattern in _PORT_IN_USE:
        match = pattern.search(log_text)
        if match is None:
            continue
        port = int(match.group(1)) if match.groups() else None
        names = {settings.bolt_port: "GROWTHGRAPH_NEO4J_BOLT_PORT"}
        names[settings.http_port] = "GROWTHGRAPH_NEO4J_HTTP_PORT"
        which = "Bolt" if port == settings.bolt_port else "HTTP" if port else None
        what = f"the {which} port {port}" if which else f"port {port}" if port else "a port"
        var = names.get(port or 0, "GROWTHGRAPH_NEO4J_BOLT_PORT or GROWTHGRAPH_NEO4J_HTTP_PORT")
        return Diagnosis(
            "port",
            f"{what} is already in use: another process bound it while Neo4j was starting "
            f"(it was free when checked). Stop that process, or pick a free port with {var}.",
            _evidence(match.group(0)),
        )
    match = _STORE_LOCKED.search(log_text)
    if match is not None:
        return Diagnosis(
            "locked",
            f"the data in {settings.data_dir} is locked by another Neo4j process. Stop that "
            "process, or give this instance its own GROWTHGRAPH_NEO4J_DATA_DIR.",
            _evidence(match.group(0)),
        )
    match = _OUT_OF_MEMORY.search(log_text)
    if match is not None:
        return Diagnosis(
            "memory",
            f"the JVM could not get the memory it needs ({_evidence(match.group(0))}). Lower "
            f"GROWTHGRAPH_NEO4J_HEAP (now {settings.heap}) or GROWTHGRAPH_NEO4J_PAGECACHE (now "
            f"{settings.pagecache}), or free some memory.",
            _evidence(match.group(0)),
        )
    match = _DISK_FULL.search(log_text)
    if match is not None:
        return Diagnosis(
            "disk",
            f"the disk is full. Free some space for {settings.data_dir} and {settings.logs_dir}.",
            _evidence(match.group(0)),
        )
    match = next(filter(None, (pattern.search(log_text) for pattern in _BAD_SETTING)), None)
    if match is not None:
        return Diagnosis(
            "setting",
            f"Neo4j refused a setting ({_evidence(match.group(0))}). neo4j/local.py writes "
            f"{settings.conf_dir / 'neo4j.conf'} from the GROWTHGRAPH_NEO4J_* variables on every "
            "start: check their values.",
            _evidence(match.group(0)),
        )
    match = _OLD_JAVA.search(log_text)
    if match is not None:
        return Diagnosis(
            "java",
            f"this Java is too old for Neo4j {pinned_versions()['neo4j']}; use {_JAVA_HINT}.",
            _evidence(match.group(0)),
        )
    return None


def _read_since(path: Path, offset: int, limit: int = 4_000_000) -> str:
    """What ``path`` gained after byte ``offset`` (all of it if the file was rotated), at most
    the last ``limit`` bytes."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = offset if 0 <= offset <= size else 0
            fh.seek(max(start, size - limit))
            data = fh.read()
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")


def _log_offsets(settings: Settings) -> dict[Path, int]:
    offsets: dict[Path, int] = {}
    for path in (settings.console_log, settings.user_log, settings.debug_log):
        with contextlib.suppress(OSError):
            offsets[path] = path.stat().st_size
    return offsets


def _launch_offsets(settings: Settings) -> dict[Path, int]:
    """Where the logs stood when the running server was launched (empty when unknown)."""
    try:
        raw = json.loads(settings.launch_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    found = cast("dict[str, object]", raw)
    return {Path(k): v for k, v in found.items() if isinstance(v, int)}


_STARTING_LINE: Final = re.compile(r"^\S+ \S+ INFO  Starting\.\.\.$", re.MULTILINE)
_STARTED_LINE: Final = re.compile(r"^\S+ \S+ INFO  Started\.$", re.MULTILINE)


def _server_started(settings: Settings, offsets: Mapping[Path, int]) -> bool:
    """Whether our server has logged ``Started.`` since its launch.

    Whatever answers on the ports before that is not (yet) our server: another process may have
    taken a port between the check and the bind, and its answers say nothing about our data.
    """
    text = _read_since(settings.user_log, offsets.get(settings.user_log, 0))
    starts = list(_STARTING_LINE.finditer(text))
    if starts:
        text = text[starts[-1].end() :]
    return _STARTED_LINE.search(text) is not None


def _startup_failure(
    settings: Settings, offsets: Mapping[Path, int], headline: str
) -> LocalNeo4jError:
    """An error naming the cause the logs give (when they give one), then the log excerpts."""
    text = "\n".join(
        _read_since(path, offsets.get(path, 0))
        for path in (settings.console_log, settings.user_log, settings.debug_log)
    )
    found = diagnose(text, settings)
    cause = f": {found.message}" if found is not None else "."
    return LocalNeo4jError(f"{headline}{cause}\n{_startup_report(settings, offsets)}")


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _startup_report(settings: Settings, offsets: Mapping[Path, int]) -> str:
    """What the logs said since the launch: JVM output, then Neo4j's errors (or its last lines)."""
    parts: list[str] = []
    console = [
        line
        for line in _tail(
            settings.console_log, 15, offsets.get(settings.console_log, 0)
        ).splitlines()
        if not line.startswith("---- ")
    ]
    if console:
        parts.append(f"{settings.console_log}:\n" + _indent("\n".join(console)))
    user_log = settings.user_log
    text = _tail(user_log, 400, offsets.get(user_log, 0))
    errors = [ln for ln in text.splitlines() if " ERROR " in ln or ln.startswith("Caused by:")]
    lines = errors[:4] + errors[4:][-6:] if errors else text.splitlines()[-15:]
    if lines:
        parts.append(f"{user_log}:\n" + _indent("\n".join(line[:400] for line in lines)))
    parts.append(f"(details in {settings.debug_log})")
    return "\n".join(parts)


def _wait_ready(
    settings: Settings,
    pid: int,
    proc: subprocess.Popen[bytes] | None,
    offsets: Mapping[Path, int],
) -> float:
    """Wait until Bolt shakes hands and the password works; the seconds it took."""
    started = time.monotonic()
    deadline = started + settings.start_timeout
    line = StatusLine()
    next_plain = 0.0
    phase = "starting"
    while True:
        elapsed = time.monotonic() - started
        exited = proc.poll() is not None if proc is not None else not _is_our_server(settings, pid)
        if exited:
            line.done()
            with contextlib.suppress(OSError):
                settings.pid_file.unlink()
            raise _startup_failure(settings, offsets, "Neo4j exited during startup")
        # Only our own server, once it has logged that it started, speaks for our data: until
        # then, whatever answers on the ports may be another process that took one of them.
        if (
            bolt_handshake(settings.bolt_port)
            and _http_status(settings.http_url + "/") == 200
            and _server_started(settings, offsets)
        ):
            problem = check_login(settings)
            if problem is None:
                line.done()
                return time.monotonic() - started
            if problem == "unauthorized":
                line.done()
                raise _password_mismatch(settings)
            phase = "opening the database"
        if time.monotonic() > deadline:
            line.done()
            raise _startup_failure(
                settings,
                offsets,
                f"Neo4j was not ready after {settings.start_timeout:.0f}s; it is still running "
                f"(pid {pid}): `stop` it, or raise GROWTHGRAPH_NEO4J_START_TIMEOUT",
            )
        text = f"neo4j[{settings.instance}]: {phase}... {elapsed:.0f}s"
        if line.tty or elapsed >= next_plain:
            line.update(text, force=True)
            next_plain = elapsed + 15
        time.sleep(0.25)


def _configured_ports(settings: Settings) -> tuple[int, int] | None:
    """The (bolt, http) ports in the instance's current neo4j.conf, if it has one."""
    try:
        conf = (settings.conf_dir / "neo4j.conf").read_text(encoding="utf-8")
    except OSError:
        return None
    found: dict[str, int] = {}
    for match in re.finditer(r"^server\.(bolt|http)\.listen_address=[^:\n]*:(\d+)$", conf, re.M):
        found[match.group(1)] = int(match.group(2))
    if "bolt" in found and "http" in found:
        return found["bolt"], found["http"]
    return None


def _as_running(settings: Settings) -> Settings:
    """``settings`` with the ports the instance was last started with (they may have changed)."""
    ports = _configured_ports(settings)
    if ports is None:
        return settings
    return replace(settings, bolt_port=ports[0], http_port=ports[1])


@dataclass(frozen=True)
class Server:
    """A running instance."""

    pid: int
    bolt_url: str


def _attach(settings: Settings, pid: int) -> Server:
    """Report on (and if need be wait for) an instance that is already up."""
    live = _as_running(settings)
    if live.bolt_port != settings.bolt_port or live.http_port != settings.http_port:
        _say(
            settings,
            f"note: it runs on Bolt {live.bolt_port} / HTTP {live.http_port}, not the "
            f"configured {settings.bolt_port} / {settings.http_port}; `restart` to switch",
        )
    offsets = _launch_offsets(live)
    if bolt_handshake(live.bolt_port) and _server_started(live, offsets):
        if check_login(live) == "unauthorized":
            raise _password_mismatch(live)
        _say(settings, f"already running (pid {pid})")
    else:
        _say(settings, f"already starting (pid {pid}); waiting")
        _wait_ready(live, pid, None, offsets)
        _say(settings, f"ready (pid {pid})")
    return Server(pid, live.bolt_url)


def _launch(settings: Settings, java: str) -> tuple[subprocess.Popen[bytes], dict[Path, int]]:
    """Start the server process, detached; also returns where each log stood before."""
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    offsets = dict.fromkeys((settings.user_log, settings.debug_log), 0)
    offsets.update(_log_offsets(settings))
    with settings.console_log.open("ab") as log:
        offsets[settings.console_log] = log.tell()
        log.write(f"---- {time.strftime('%Y-%m-%d %H:%M:%S')} start\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(
                jvm_command(settings, java),
                cwd=settings.instance_dir,
                env=_java_env(settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # detached: survives the terminal closing
            )
        except OSError as exc:
            raise LocalNeo4jError(f"cannot launch {java}: {exc}") from exc
    settings.pid_file.write_text(f"{proc.pid}\n")
    settings.launch_file.write_text(
        json.dumps({str(path): offset for path, offset in offsets.items()}) + "\n",
        encoding="utf-8",
    )
    return proc, offsets


def _prepare_and_launch(settings: Settings) -> tuple[subprocess.Popen[bytes], dict[Path, int]]:
    java = require_tools(maven=not is_installed(settings))
    install(settings)
    _check_ports(settings)
    _write_conf(settings)
    recover_aside(settings)
    if not _password_pending_or_set(settings):
        _set_initial_password(settings, java)
    return _launch(settings, java)


# Servers this process launched, kept so that their Popen objects are reaped by ``stop`` rather
# than dropped while the server runs (which Python reports as a ResourceWarning).
_LAUNCHED: dict[int, subprocess.Popen[bytes]] = {}


def start(settings: Settings) -> Server:
    """Start the instance (installing the jars first if needed) and wait until it is ready.

    Idempotent: an instance that already runs is left alone.
    """
    with _file_lock(settings.run_dir / "local.lock"):
        existing = running_pid(settings)
        launched = _prepare_and_launch(settings) if existing is None else existing
    if isinstance(launched, int):
        return _attach(settings, launched)
    proc, offsets = launched
    _say(
        settings,
        f"starting Neo4j {pinned_versions()['neo4j']} (pid {proc.pid}, heap {settings.heap}, "
        f"page cache {settings.pagecache}; logs in {settings.logs_dir})",
    )
    elapsed = _wait_ready(settings, proc.pid, proc, offsets)
    _LAUNCHED[proc.pid] = proc
    memory = _memory_mb(proc.pid)
    rss = f", {memory:.0f} MB resident" if memory is not None else ""
    _say(settings, f"ready in {elapsed:.1f}s (pid {proc.pid}{rss})")
    return Server(proc.pid, settings.bolt_url)


def stop(settings: Settings) -> bool:
    """Stop the instance: SIGTERM, then SIGKILL after 60s. False when it was not running."""
    with _file_lock(settings.run_dir / "local.lock"):
        pid = running_pid(settings)
        if pid is None:
            return False
        _say(settings, f"stopping (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and _is_our_server(settings, pid):
            time.sleep(0.2)
        if _is_our_server(settings, pid):
            _say(settings, f"still running after {STOP_TIMEOUT:.0f}s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while _is_our_server(settings, pid):
                time.sleep(0.1)
        launched = _LAUNCHED.pop(pid, None)
        if launched is not None:
            launched.wait()  # already reaped: this only records its end
        with contextlib.suppress(OSError):
            settings.pid_file.unlink()
        return True


def _looks_like_data_dir(path: Path) -> bool:
    entries = {p.name for p in path.iterdir()}
    return not entries or bool(entries & {"databases", "transactions", "dbms"})


def _size(path: Path) -> int:
    """The bytes in the files under ``path`` (or of ``path``, a file)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).lstat().st_size
    return total


def _human(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


# Asked before data is destroyed, with what would be done; raises NotConfirmedError to refuse.
Confirm = Callable[[str], None]


class NotConfirmedError(LocalNeo4jError):
    """A destructive command was not confirmed; nothing was changed."""


def terminal_confirm(*, yes: bool, make_hint: str) -> Confirm:
    """Confirmation on the terminal: ``--yes`` confirms; without a terminal, refuse."""

    def confirm(action: str) -> None:
        if yes:
            return
        if not _is_tty(sys.stdin):
            raise NotConfirmedError(
                f"this would {action}, and there is no terminal to confirm on. Nothing was "
                f"changed. Pass --yes to confirm ({make_hint})."
            )
        sys.stderr.write(f"neo4j: {action}? This cannot be undone. [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline()
        if answer.strip().lower() not in {"y", "yes"}:
            raise NotConfirmedError("not confirmed; nothing was changed")

    return confirm


def holds_data(settings: Settings) -> bool:
    """Whether the instance's data dir holds anything (that a wipe would delete)."""
    try:
        return any(settings.data_dir.iterdir())
    except OSError:
        return False


def _wipe_target(settings: Settings) -> Path | None:
    data = settings.data_dir
    if not data.exists():
        return None
    protected = {Path("/"), Path.home().resolve(), REPO_ROOT, settings.home, settings.instance_dir}
    if data in protected or not _looks_like_data_dir(data):
        raise LocalNeo4jError(f"refusing to delete {data}: it does not look like a Neo4j data dir")
    return data


def wipe(settings: Settings, confirm: Confirm | None = None) -> bool:
    """Stop the instance and delete its data dir. False when there was nothing to delete.

    When the data dir holds anything, ``confirm`` (if given) is asked first, before the server
    is stopped: a refusal leaves everything as it was.
    """
    data = _wipe_target(settings)
    if data is None:
        stop(settings)
        return False
    if confirm is not None and holds_data(settings):
        confirm(
            f"delete all the data of instance {settings.instance!r} ({data}, {_human(_size(data))})"
        )
    stop(settings)
    shutil.rmtree(data)
    return True


# --------------------------------------------------------------------------------------------
# Backup and restore (neo4j-admin database dump / load, with the server stopped)
# --------------------------------------------------------------------------------------------


def default_backup_path(settings: Settings, now: float | None = None) -> Path:
    """``<repo>/backups/<instance>-<YYYYmmdd-HHMMSS>.dump``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return BACKUPS_DIR / f"{settings.instance}-{stamp}.dump"


def _store_dirs(settings: Settings) -> tuple[Path, Path]:
    """The database's store and transaction-log directories."""
    data = settings.data_dir
    return data / "databases" / DATABASE, data / "transactions" / DATABASE


def _has_database(settings: Settings) -> bool:
    return _store_dirs(settings)[0].is_dir()


def _admin_output(output: str, lines: int = 20) -> str:
    """The end of neo4j-admin's output, without its progress lines."""
    kept = [ln for ln in output.splitlines() if ln.strip() and not ln.startswith("Files: ")]
    return _indent("\n".join(kept[-lines:]))


@contextlib.contextmanager
def _offline(settings: Settings, purpose: str) -> Generator[None]:
    """Hold the instance stopped (stopping it if it runs) and start it again afterwards if it ran.

    The admin tool cannot dump or load a database that a running server has open.
    """
    pid = running_pid(settings)
    live = _as_running(settings) if pid is not None else settings
    if pid is not None:
        _say(settings, f"stopping the server for the {purpose}; it is started again afterwards")
        stop(settings)
    done = False
    try:
        with _file_lock(settings.run_dir / "local.lock"):
            if running_pid(settings) is not None:
                raise LocalNeo4jError(
                    f"the instance was started again meanwhile; the {purpose} needs it stopped"
                )
            _write_conf(live)  # the admin tool finds the data dir through it
            yield
        done = True
    finally:
        if pid is not None:
            try:
                start(live)
            except LocalNeo4jError as exc:
                if done:
                    raise
                _say(settings, f"starting it again failed too: {exc}")


def backup(settings: Settings, target: Path | None = None) -> Path:
    """Dump the instance's ``neo4j`` database into ``target`` (default: ``default_backup_path``).

    A running server is stopped for the dump and started again. Returns the file written; an
    existing file is never overwritten.
    """
    path = (target if target is not None else default_backup_path(settings)).expanduser()
    path = path.absolute()
    if path.exists():
        raise LocalNeo4jError(f"{path} already exists; choose another file, or move that one away")
    if not _has_database(settings):
        raise LocalNeo4jError(
            f"instance {settings.instance!r} has no {DATABASE!r} database to back up "
            f"(in {settings.data_dir}); `start` it once to create one"
        )
    java = require_tools(maven=not is_installed(settings))
    install(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    began = time.monotonic()
    with _offline(settings, "backup"):
        _say(settings, f"dumping the {DATABASE!r} database into {path}")
        try:
            with partial.open("wb") as out:
                code, output = _run_admin(
                    settings, java, "database", "dump", "--to-stdout", DATABASE, stdout=out
                )
            if code != 0:
                raise LocalNeo4jError(
                    f"neo4j-admin database dump failed (exit {code}):\n{_admin_output(output)}"
                )
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    _say(
        settings,
        f"backed up in {time.monotonic() - began:.1f}s: {path} ({_human(path.stat().st_size)})",
    )
    return path


def _check_dump(settings: Settings, java: str, path: Path) -> None:
    """Refuse a file that neo4j-admin cannot read as a dump, before anything is stopped."""
    if running_pid(settings) is None:
        _write_conf(settings)
    with path.open("rb") as dump:
        code, output = _run_admin(
            settings, java, "database", "load", "--info", "--from-stdin", DATABASE, stdin=dump
        )
    if code != 0:
        raise LocalNeo4jError(
            f"{path} is not a database dump that neo4j-admin can load:\n{_admin_output(output)}"
        )


def restore(settings: Settings, source: Path, confirm: Confirm | None = None) -> None:
    """Replace the instance's ``neo4j`` database with the dump in ``source``.

    The file is checked first; then, when there is a database to replace, ``confirm`` (if
    given) is asked. A running server is stopped for the load and started again. The current
    database is kept aside until the load succeeds, and put back if it fails.
    """
    path = source.expanduser().absolute()
    if not path.is_file():
        raise LocalNeo4jError(f"{path} is not a file: give the dump to restore")
    java = require_tools(maven=not is_installed(settings))
    install(settings)
    _check_dump(settings, java, path)
    store, txlogs = _store_dirs(settings)
    if confirm is not None and _has_database(settings):
        confirm(
            f"replace the {DATABASE!r} database of instance {settings.instance!r} "
            f"({_human(_size(store) + _size(txlogs))} in {settings.data_dir}) with {path}"
        )
    began = time.monotonic()
    with _offline(settings, "restore"), _kept_aside(settings, "restore"):
        _say(settings, f"loading {path} into the {DATABASE!r} database")
        with path.open("rb") as dump:
            code, output = _run_admin(
                settings, java, "database", "load", "--from-stdin", DATABASE, stdin=dump
            )
        if code != 0:
            raise LocalNeo4jError(
                f"neo4j-admin database load failed (exit {code}); the database was left "
                f"as it was:\n{_admin_output(output)}"
            )
    _say(settings, f"restored {path} in {time.monotonic() - began:.1f}s")


@contextlib.contextmanager
def _kept_aside(settings: Settings, purpose: str) -> Generator[None]:
    """Move the database's store and transaction logs aside while the admin tool writes a new
    one; put them back (dropping whatever it wrote) when the body fails or is interrupted."""
    recover_aside(settings)
    store, txlogs = _store_dirs(settings)
    aside = settings.data_dir / f".before-{purpose}-{time.strftime('%Y%m%d-%H%M%S')}"
    moved: list[tuple[Path, Path]] = []
    for part in (store, txlogs):
        if part.exists():
            kept = aside / part.parent.name / part.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            part.rename(kept)
            moved.append((part, kept))
    try:
        yield
    except BaseException:
        for part in (store, txlogs):
            shutil.rmtree(part, ignore_errors=True)  # whatever the admin tool wrote
        for part, kept in moved:
            kept.rename(part)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    if aside.exists():  # renamed first: a kill during the deletion must not bring it back
        discard = aside.with_name(aside.name.replace(".before-", ".discard-", 1))
        aside.rename(discard)
        shutil.rmtree(discard, ignore_errors=True)


def recover_aside(settings: Settings) -> bool:
    """Put back a database that a killed restore or import left aside (``.before-*`` in the
    data dir: the admin tool's output may be incomplete), and drop one left to be deleted
    (``.discard-*``). Run before every start, restore and import; True when a database
    was put back."""
    data = settings.data_dir
    if not data.is_dir():
        return False
    recovered = False
    for left in sorted(data.glob(".before-*")):
        for part in _store_dirs(settings):
            shutil.rmtree(part, ignore_errors=True)
            kept = left / part.parent.name / part.name
            if kept.exists():
                part.parent.mkdir(parents=True, exist_ok=True)
                kept.rename(part)
        shutil.rmtree(left, ignore_errors=True)
        _say(
            settings,
            f"a restore or import was interrupted: the database it had set aside ({left.name}) "
            "is back in place",
        )
        recovered = True
    for done in data.glob(".discard-*"):
        shutil.rmtree(done, ignore_errors=True)
    return recovered


def live_settings(settings: Settings) -> Settings | None:
    """The running instance's settings (with the ports it was started on), or None when it is
    not running."""
    if running_pid(settings) is None:
        return None
    return _as_running(settings)


def admin_import(
    settings: Settings,
    nodes: Sequence[tuple[str, Path]],
    relationships: Sequence[tuple[str, Path]],
    *,
    multiline_fields: bool = False,
    heap: str | None = None,
) -> str:
    """Replace the instance's ``neo4j`` database with the one ``neo4j-admin database import
    full`` builds from CSV files, each ``(label or type, file)`` with its header on the first
    line. Strict: a duplicate node, a relationship to a missing node or any unreadable value
    fails the import. A running server is stopped for the import and started again (a stopped
    one stays stopped). The current database is kept aside until the import has succeeded, and
    put back when it fails or is interrupted, so a failure changes nothing. Returns the admin
    tool's report (the end of its output)."""
    for _name, path in (*nodes, *relationships):
        if not path.is_file():
            raise LocalNeo4jError(f"{path} is not a file: nothing was imported")
    java = require_tools(maven=not is_installed(settings))
    install(settings)
    report = settings.logs_dir / "import.report"
    args = [
        "database",
        "import",
        "full",
        DATABASE,
        "--overwrite-destination=true",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        "--bad-tolerance=0",
        "--verbose",  # the cause of a failure is only printed with the stack trace
        f"--multiline-fields={'true' if multiline_fields else 'false'}",
        f"--report-file={report}",
        *(f"--nodes={label}={path}" for label, path in nodes),
        *(f"--relationships={kind}={path}" for kind, path in relationships),
    ]
    began = time.monotonic()
    with _offline(settings, "import"), _kept_aside(settings, "import"):
        _say(settings, f"neo4j-admin database import full into the {DATABASE!r} database")
        code, output = _run_admin(settings, java, *args, heap=heap or settings.heap)
        if code != 0:
            raise LocalNeo4jError(
                f"neo4j-admin database import failed (exit {code}): {_import_cause(output)}; "
                f"the database was left as it was. The admin tool said:\n"
                f"{_admin_output(_without_trace(output), lines=12)}"
            )
    _say(settings, f"imported in {time.monotonic() - began:.1f}s (restart included)")
    return _admin_output(_without_trace(output))


def _without_trace(output: str) -> str:
    """The admin tool's output without Java stack frames."""
    frames = re.compile(r"^\s+(at |\.\.\. \d+ more)")
    return "\n".join(ln for ln in output.splitlines() if not frames.match(ln))


def _import_cause(output: str) -> str:
    """The innermost cause that ``--verbose`` prints (``Caused by: ...Exception: reason``), or
    the tool's own last words."""
    causes = re.findall(r"^Caused by: [\w.$]+: (.+)$", output, re.MULTILINE)
    if causes:
        return str(causes[-1]).strip()
    kept = [ln.strip() for ln in _without_trace(output).splitlines() if ln.strip()]
    return kept[-1] if kept else "no output"


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The options of the subcommands that take some."""

    yes: bool = False
    to: Path | None = None
    source: Path | None = None


def _cmd_start(settings: Settings, _options: Options) -> int:
    print(start(settings).bolt_url, flush=True)
    return EXIT_OK


def _cmd_stop(settings: Settings, _options: Options) -> int:
    if not stop(settings):
        _say(settings, "not running")
    else:
        _say(settings, "stopped")
    return EXIT_OK


def _cmd_restart(settings: Settings, options: Options) -> int:
    stop(settings)
    return _cmd_start(settings, options)


def _cmd_status(settings: Settings, _options: Options) -> int:
    pid = running_pid(settings)
    if pid is None:
        print("stopped")
        return EXIT_STOPPED
    live = _as_running(settings)
    if bolt_handshake(live.bolt_port):
        print(f"running (pid {pid}, {live.bolt_url})")
    else:
        print(f"starting (pid {pid}, {live.bolt_url} not answering yet)")
    return EXIT_OK


def _cmd_install(settings: Settings, _options: Options) -> int:
    if not install(settings):
        versions = pinned_versions()
        _say(
            settings,
            f"Neo4j {versions['neo4j']} + APOC {versions['apoc']} already installed "
            f"in {settings.dist_dir}",
        )
    return EXIT_OK


def _cmd_wipe(settings: Settings, options: Options) -> int:
    confirm = terminal_confirm(yes=options.yes, make_hint="make neo4j-wipe YES=1")
    if wipe(settings, confirm):
        _say(settings, f"deleted {settings.data_dir}")
    else:
        _say(settings, "no data to delete")
    return EXIT_OK


def _cmd_backup(settings: Settings, options: Options) -> int:
    print(backup(settings, options.to), flush=True)
    return EXIT_OK


def _cmd_restore(settings: Settings, options: Options) -> int:
    if options.source is None:  # argparse requires it; the programmatic path too
        raise SettingsError("restore needs the dump to load: --from FILE")
    confirm = terminal_confirm(yes=options.yes, make_hint="make restore BACKUP=... YES=1")
    restore(settings, options.source, confirm)
    return EXIT_OK


COMMANDS: Final[Mapping[str, tuple[Callable[[Settings, Options], int], str]]] = {
    "start": (_cmd_start, "start the instance (installs the jars on first use)"),
    "stop": (_cmd_stop, "stop the instance"),
    "status": (_cmd_status, "print whether it runs (exit 0) or not (exit 3)"),
    "restart": (_cmd_restart, "stop, then start"),
    "install": (_cmd_install, "download the pinned Neo4j and APOC jars with Maven"),
    "wipe": (_cmd_wipe, "stop the instance and delete its data (asks first; --yes)"),
    "backup": (_cmd_backup, "dump the neo4j database to a file (--to FILE)"),
    "restore": (_cmd_restore, "replace the neo4j database with a dump (--from FILE; asks first)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python neo4j/local.py",
        description="Run a local Neo4j Community server (with APOC) without Docker.",
        epilog="Settings come from GROWTHGRAPH_NEO4J_* variables and NEO4J_PASSWORD; "
        "see the top of this file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (_, doc) in COMMANDS.items():
        sub = commands.add_parser(name, help=doc, description=doc)
        if name in {"wipe", "restore"}:
            sub.add_argument(
                "--yes",
                "-y",
                action="store_true",
                help="confirm without being asked (needed without a terminal)",
            )
        if name == "backup":
            sub.add_argument(
                "--to",
                type=Path,
                metavar="FILE",
                help="the dump file to write (default: backups/<instance>-<timestamp>.dump "
                "under the repository); never overwritten",
            )
        if name == "restore":
            sub.add_argument(
                "--from",
                dest="source",
                type=Path,
                required=True,
                metavar="FILE",
                help="the dump file to load (written by `backup`)",
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = COMMANDS[str(args.command)][0]
    options = Options(
        yes=bool(getattr(args, "yes", False)),
        to=cast("Path | None", getattr(args, "to", None)),
        source=cast("Path | None", getattr(args, "source", None)),
    )
    try:
        settings = load_settings()
        return handler(settings, options)
    except LocalNeo4jError as exc:
        print(f"neo4j: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
