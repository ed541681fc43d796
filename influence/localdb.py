"""The project's own Neo4j 5.26 + GDS 2.13 server, for machines without Docker.

Maven Central carries Neo4j's jars but no ready server tarball and no open-source GDS plugin
jar, so provisioning runs two Maven recipes shipped in ``influence/provision/``:

* ``neo4j/pom.xml`` copies ``org.neo4j.app:neo4j-server`` and its runtime closure into ``lib/``;
* ``gds/pom.xml`` shades the open GDS modules into ``plugins/open-gds-<version>.jar``.

The result lands in ``cache_dir`` (shared by every instance and reused across runs) with a
SHA-256 manifest that is checked before each start. Each instance (``data_dir``) has its own
configuration, database files, logs and PID file; the server binds to loopback only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from influence.errors import EnvironmentProblemError, StoreUnavailableError
from influence.settings import GDS_VERSION, NEO4J_VERSION, Settings

PROVISION_DIR = Path(__file__).parent / "provision"
MANIFEST = "MANIFEST.sha256"
SUPPORTED_JAVA = (17, 21)
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Distribution:
    """A provisioned server: jars in ``lib/``, the GDS plugin in ``plugins/``."""

    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"


@dataclass(frozen=True)
class ServerStatus:
    """What ``influence db status`` reports."""

    running: bool
    pid: int | None
    uri: str
    data_dir: Path


# --- Java and Maven -------------------------------------------------------------------------


def find_java(settings: Settings) -> Path:
    """The ``java`` executable to run the server with; raise if it is missing or too old."""
    env_home = os.environ.get("JAVA_HOME")
    home = settings.java_home or (Path(env_home) if env_home else None)
    candidate = home / "bin" / "java" if home else shutil.which("java")
    if candidate is None or not Path(candidate).exists():
        raise EnvironmentProblemError(
            "No Java runtime found: Neo4j 5.26 needs Java 17 or 21.",
            hint="Install OpenJDK 17 (Debian: apt-get install openjdk-17-jdk-headless) or set "
            "INFLUENCE_JAVA_HOME / JAVA_HOME to a JDK 17 or 21.",
        )
    java = Path(candidate)
    out = subprocess.run(
        [str(java), "-version"], capture_output=True, text=True, check=False, timeout=60
    )
    match = re.search(r'version "(\d+)', out.stderr + out.stdout)
    major = int(match.group(1)) if match else 0
    if major not in SUPPORTED_JAVA:
        raise EnvironmentProblemError(
            f"{java} is Java {major or 'of unknown version'}; Neo4j 5.26 with GDS 2.13 needs "
            "Java 17 or 21.",
            hint="Set INFLUENCE_JAVA_HOME to a JDK 17 or 21.",
        )
    return java


def _maven() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EnvironmentProblemError(
            "Maven (mvn) is not installed; it is needed once, to provision Neo4j and GDS "
            "from Maven Central.",
            hint="Install Maven (Debian: apt-get install maven), or point INFLUENCE_NEO4J_URI at "
            "an existing Neo4j 5.26 + GDS 2.13 server.",
        )
    return mvn


def _run_recipe(recipe: str, output: Path, log: Path) -> None:
    """Run one provisioning pom in a scratch directory, writing its artefacts to ``output``."""
    with tempfile.TemporaryDirectory(prefix=f"influence-{recipe}-") as work:
        shutil.copy(PROVISION_DIR / recipe / "pom.xml", Path(work) / "pom.xml")
        cmd = [_maven(), "-B", "--strict-checksums", f"-DoutputDirectory={output}", "package"]
        with log.open("a") as sink:
            sink.write(f"\n$ {' '.join(cmd)}   (in {work})\n")
            sink.flush()
            result = subprocess.run(
                cmd, cwd=work, stdout=sink, stderr=subprocess.STDOUT, check=False, timeout=3600
            )
    if result.returncode != 0:
        tail = _tail(log, 25)
        unreachable = re.search(
            r"Could not transfer|Unknown ?host|Connection refused|timed out|Network is unreachable",
            tail,
        )
        raise EnvironmentProblemError(
            f"Provisioning step '{recipe}' failed (Maven exit {result.returncode}). "
            f"Last lines of {log}:\n{tail}",
            hint=(
                "Maven Central looks unreachable: check the network or proxy (MAVEN_OPTS, "
                "~/.m2/settings.xml mirror), or set INFLUENCE_NEO4J_URI to an existing server."
                if unreachable
                else "Run the command above by hand to see the full Maven output."
            ),
        )


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _write_manifest(root: Path) -> None:
    lines = [
        f"{_digest(p)}  {p.relative_to(root)}"
        for p in sorted(root.rglob("*.jar"))
    ]
    (root / MANIFEST).write_text("\n".join(lines) + "\n")


def verify(dist: Distribution) -> list[str]:
    """Files of the distribution whose SHA-256 differs from its manifest (empty when intact)."""
    manifest = dist.root / MANIFEST
    if not manifest.exists():
        return [MANIFEST]
    bad = []
    for line in manifest.read_text().splitlines():
        digest, _, rel = line.partition("  ")
        path = dist.root / rel
        if not path.exists() or _digest(path) != digest:
            bad.append(rel)
    return bad


def provision(settings: Settings, progress: Progress = _quiet) -> Distribution:
    """Provision (or reuse) Neo4j and the GDS plugin in the cache directory."""
    dist = Distribution(settings.cache_dir / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}")
    if dist.root.exists():
        damaged = verify(dist)
        if not damaged:
            return dist
        progress(f"Cached server at {dist.root} failed its integrity check "
                 f"({len(damaged)} files, e.g. {damaged[0]}); provisioning again.")
        shutil.rmtree(dist.root)
    find_java(settings)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=settings.cache_dir))
    log = settings.cache_dir / "provision.log"
    try:
        progress(f"Assembling Neo4j {NEO4J_VERSION} from Maven Central jars (first run only)")
        _run_recipe("neo4j", staging / "lib", log)
        progress(f"Building the open-source GDS {GDS_VERSION} plugin from Maven Central modules")
        _run_recipe("gds", staging / "plugins", log)
        _write_manifest(staging)
        staging.rename(dist.root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dist


# --- configuration, start, stop -------------------------------------------------------------


def _conf(settings: Settings, dist: Distribution) -> str:
    d = settings.data_dir
    return "\n".join(
        [
            "# Written by `influence db start`; edits are overwritten at the next start.",
            f"server.directories.data={d / 'data'}",
            f"server.directories.logs={d / 'logs'}",
            f"server.directories.run={d / 'run'}",
            f"server.directories.import={d / 'import'}",
            f"server.directories.plugins={dist.plugins}",
            f"server.bolt.listen_address=127.0.0.1:{settings.db_port}",
            f"server.bolt.advertised_address=127.0.0.1:{settings.db_port}",
            "server.http.enabled=false",
            "server.https.enabled=false",
            f"server.memory.heap.initial_size={settings.heap_size}",
            f"server.memory.heap.max_size={settings.heap_size}",
            f"server.memory.pagecache.size={settings.pagecache_size}",
            "dbms.usage_report.enabled=false",
            # Loopback only, so the local development server runs without authentication;
            # use INFLUENCE_NEO4J_URI with credentials for any shared server.
            "dbms.security.auth_enabled=false",
            "dbms.security.procedures.unrestricted=gds.*",
            "dbms.security.procedures.allowlist=gds.*",
            "db.tx_log.rotation.retention_policy=2 files",
            "",
        ]
    )


def _pid_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "influence-neo4j.pid"


def _alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return ENTRY_POINT.encode() in cmdline


def _running_pid(settings: Settings) -> int | None:
    path = _pid_file(settings)
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
    except ValueError:
        return None
    return pid if _alive(pid) else None


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def log_tail(settings: Settings, lines: int = 40) -> str:
    """The last lines of the server's main log and console output."""
    logs = settings.data_dir / "logs"
    return (
        f"--- {logs / 'neo4j.log'} ---\n{_tail(logs / 'neo4j.log', lines)}\n"
        f"--- {logs / 'console.log'} ---\n{_tail(logs / 'console.log', lines)}"
    )


def wait_ready(uri: str, timeout_s: float, auth: tuple[str, str] | None = None) -> None:
    """Poll the Bolt endpoint until it answers a query or the deadline passes."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with GraphDatabase.driver(uri, auth=auth) as driver:
                driver.verify_connectivity()
                driver.execute_query("RETURN gds.version()")
                return
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            last = exc
            time.sleep(0.5)
    raise StoreUnavailableError(f"Neo4j at {uri} did not become ready in {timeout_s:.0f}s: {last}")


def start(settings: Settings, progress: Progress = _quiet) -> ServerStatus:
    """Start the local server (provisioning it first if needed); a no-op when it runs."""
    pid = _running_pid(settings)
    if pid is not None:
        progress(f"Neo4j is already running (pid {pid}) on {settings.bolt_uri}")
        return status(settings)
    if not _port_free(settings.db_port):
        raise EnvironmentProblemError(
            f"Port {settings.db_port} on 127.0.0.1 is already in use by another process, so the "
            "local Neo4j cannot listen there.",
            hint="Stop that process, or choose another port with INFLUENCE_DB_PORT=7688.",
        )
    java = find_java(settings)
    dist = provision(settings, progress)
    home = settings.data_dir
    for sub in ("conf", "data", "logs", "run", "import"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(_conf(settings, dist))
    cmd = [
        str(java),
        f"-Xms{settings.heap_size}",
        f"-Xmx{settings.heap_size}",
        *JVM_FLAGS,
        "-cp",
        f"{dist.plugins}/*:{home / 'conf'}/*:{dist.lib}/*",
        ENTRY_POINT,
        f"--home-dir={home}",
        f"--config-dir={home / 'conf'}",
    ]
    progress(f"Starting Neo4j {NEO4J_VERSION} + GDS {GDS_VERSION} on {settings.bolt_uri}")
    with (home / "logs" / "console.log").open("ab") as console:
        proc = subprocess.Popen(
            cmd, cwd=home, stdout=console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    _pid_file(settings).write_text(str(proc.pid))
    try:
        _await_start(settings, proc)
    except BaseException:
        _terminate(proc.pid)
        _pid_file(settings).unlink(missing_ok=True)
        raise
    return status(settings)


def _await_start(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + settings.start_timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            wait_ready(settings.bolt_uri, timeout_s=2)
        except StoreUnavailableError:
            continue
        return
    raise StoreUnavailableError(
        "Neo4j exited during start-up." if proc.poll() is not None
        else f"Neo4j did not become ready within {settings.start_timeout_s:.0f}s.",
        hint=f"Server log tail:\n{log_tail(settings)}",
    )


def _terminate(pid: int, timeout_s: float = 60.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop(settings: Settings) -> bool:
    """Stop the local server; True if one was running."""
    pid = _running_pid(settings)
    _pid_file(settings).unlink(missing_ok=True)
    if pid is None:
        return False
    _terminate(pid)
    return True


def status(settings: Settings) -> ServerStatus:
    """Whether the local server of this ``data_dir`` runs, and where."""
    pid = _running_pid(settings)
    return ServerStatus(running=pid is not None, pid=pid, uri=settings.bolt_uri,
                        data_dir=settings.data_dir)
