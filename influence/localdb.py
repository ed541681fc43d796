"""The project's own Neo4j 5.26 + GDS 2.13 server, for machines without Docker.

Maven Central carries Neo4j's jars but no ready server tarball and no open-source GDS plugin
jar, so provisioning runs two Maven recipes shipped in ``influence/provision/``:

* ``neo4j/pom.xml`` copies ``org.neo4j.app:neo4j-server`` and its runtime closure into ``lib/``;
* ``gds/pom.xml`` shades the open GDS modules into ``plugins/open-gds-<version>.jar``.

That shaded jar goes on the server's class path. Neo4j's plugin directory gets only
``procedures/open-gds-<version>-procedures.jar``: the few hundred classes of the shaded jar that
declare procedures and functions, written at provisioning time, because Neo4j's procedure
loader loads and reflects over every class of every jar in its plugin directory (about 10 s for
the 17,000 classes of the whole plugin on a 2-core machine).

The result lands in ``cache_dir`` (shared by every instance and reused across runs) with a
SHA-256 manifest that is checked before each start, and a layout number: a distribution
provisioned by an older version of this module is upgraded in place, without Maven. Each
instance (``data_dir``) has its own configuration, database files, logs and PID file; the
server binds to loopback only.

Several processes may provision, start and stop at the same moment: provisioning holds an
exclusive ``flock`` on ``cache_dir/provision.lock``, start and stop of one instance one on
``data_dir/influence-db.lock``. A process that had to wait reuses what the other one built, or
finds the server the other one started running.
"""

from __future__ import annotations

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
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from influence.errors import EnvironmentProblemError, InfluenceError, StoreUnavailableError
from influence.settings import GDS_VERSION, NEO4J_VERSION, Settings

PROVISION_DIR = Path(__file__).parent / "provision"
MANIFEST = "MANIFEST.sha256"
LAYOUT = "LAYOUT"
LAYOUT_VERSION = 2
"""Layout of a provisioned distribution, in its ``LAYOUT`` file (none: 1). Layout 1 had the
shaded plugin in ``plugins/`` as Neo4j's plugin directory; layout 2 adds the procedure-only jar
in ``procedures/`` and makes that the plugin directory. Older layouts are upgraded in place."""
PROCEDURE_ANNOTATIONS = (
    b"Lorg/neo4j/procedure/Procedure;",
    b"Lorg/neo4j/procedure/UserFunction;",
    b"Lorg/neo4j/procedure/UserAggregationFunction;",
)
"""Descriptors in the constant pool of every class that declares a procedure or function."""
EXTENSION_SERVICES = "META-INF/services/org.neo4j.kernel.extension.ExtensionFactory"
"""Kept in the procedure-only jar: Neo4j resolves the classes of a plugin jar that declares
kernel extensions through the server's class loader (parent first), so the procedure classes are
the very ones of the shaded jar on the class path, with which GDS's extensions registered."""
PROVISION_LOCK = "provision.lock"
INSTANCE_LOCK = "influence-db.lock"
RECIPE_TIMEOUT_S = 3600.0
LOCK_TIMEOUT_S = 3 * RECIPE_TIMEOUT_S
"""Longest wait for another process's lock: two Maven runs and a start."""
SUPPORTED_JAVA = (17, 21)
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
# The stock script's flags, less -XX:+AlwaysPreTouch: touching every page of a 1-6 GB heap
# before the server starts costs seconds on a small machine, for steadier latency later that a
# local development server does not need.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
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
        """The shaded GDS plugin jar, on the server's class path."""
        return self.root / "plugins"

    @property
    def procedures(self) -> Path:
        """Neo4j's plugin directory: the procedure-only jar (layout 2)."""
        return self.root / "procedures"


@dataclass(frozen=True)
class ServerStatus:
    """What ``influence db status`` reports."""

    running: bool
    pid: int | None
    uri: str
    data_dir: Path


# --- locks and OS errors ---------------------------------------------------------------------


def _try_lock(fd: int, path: Path) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        raise EnvironmentProblemError(
            f"Cannot lock {path}: {exc.strerror or exc}",
            hint="The file system may not support flock (some network file systems do not): "
            "put INFLUENCE_CACHE_DIR and INFLUENCE_DATA_DIR on a local disk.",
        ) from exc
    return True


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(os.pread(fd, 32, 0).decode().strip())})"
    return ""


@contextlib.contextmanager
def _exclusive(path: Path, what: str, progress: Progress = _quiet,
               timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` for the block; wait while another process has it.

    The lock belongs to this open file, so it ends with the block or with the process (files
    Python opens are not inherited by the server it starts). The holder's pid is written into
    the file, for the message of a process that has to wait.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise EnvironmentProblemError(
            f"Cannot open the lock file {path} for the {what}: {exc.strerror or exc}",
            hint=f"Check that {path.parent} is writable by this user, or set "
            "INFLUENCE_CACHE_DIR / INFLUENCE_DATA_DIR to a writable directory.",
        ) from exc
    try:
        if not _try_lock(fd, path):
            holder = _holder(fd)
            progress(f"Waiting for another process{holder} to finish the {what}")
            deadline = time.monotonic() + timeout_s
            while not _try_lock(fd, path):
                if time.monotonic() >= deadline:
                    raise EnvironmentProblemError(
                        f"Another process{holder} has held {path} for over {timeout_s:.0f}s "
                        f"({what}).",
                        hint="Wait for that process to finish, or stop it: the lock is released "
                        "as soon as it exits.",
                    )
                time.sleep(0.1)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _os_errors(what: str, hint: str) -> Iterator[None]:
    """Turn an OSError of the block (disk full, permissions, ...) into an InfluenceError."""
    try:
        yield
    except OSError as exc:
        raise EnvironmentProblemError(f"{what} failed: {exc}", hint=hint) from exc


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
            try:
                result = subprocess.run(
                    cmd, cwd=work, stdout=sink, stderr=subprocess.STDOUT, check=False,
                    timeout=RECIPE_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired as exc:
                raise EnvironmentProblemError(
                    f"Provisioning step '{recipe}' took over {RECIPE_TIMEOUT_S:.0f}s; see {log}.",
                    hint="Maven Central may be slow or unreachable: check the network or proxy, "
                    "or set INFLUENCE_NEO4J_URI to an existing server.",
                ) from exc
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


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    os.replace(part, path)


def _write_manifest(root: Path) -> None:
    lines = [
        f"{_digest(p)}  {p.relative_to(root)}"
        for p in sorted(root.rglob("*.jar"))
    ]
    _write_atomically(root / MANIFEST, "\n".join(lines) + "\n")


def verify(dist: Distribution) -> list[str]:
    """Files of the distribution whose SHA-256 differs from its manifest (empty when intact)."""
    try:
        lines = (dist.root / MANIFEST).read_text().splitlines()
    except OSError:
        return [MANIFEST]
    bad = []
    for line in lines:
        digest, _, rel = line.partition("  ")
        try:
            intact = _digest(dist.root / rel) == digest
        except OSError:
            intact = False
        if not intact:
            bad.append(rel)
    return bad


def layout(dist: Distribution) -> int:
    """The layout number of a provisioned distribution (1 for one without a ``LAYOUT`` file)."""
    try:
        return int((dist.root / LAYOUT).read_text().strip())
    except (OSError, ValueError):
        return 1


def _write_procedure_jar(full: Path, target: Path) -> int:
    """Write to ``target`` the classes of ``full`` that declare procedures or functions."""
    part = target.with_name(target.name + ".part")
    kept = 0
    try:
        with zipfile.ZipFile(full) as src, zipfile.ZipFile(part, "w") as dst:
            dst.writestr(
                zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(1980, 1, 1, 0, 0, 0)),
                f"Manifest-Version: 1.0\nCreated-By: influence.localdb (the procedure and "
                f"function classes of {full.name})\n",
                compress_type=zipfile.ZIP_DEFLATED,
            )
            for info in src.infolist():
                name = info.filename
                if name != EXTENSION_SERVICES and not name.endswith(".class"):
                    continue
                data = src.read(info)
                if name.endswith(".class"):
                    if not any(marker in data for marker in PROCEDURE_ANNOTATIONS):
                        continue
                    kept += 1
                entry = zipfile.ZipInfo(name, date_time=info.date_time)
                dst.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    except zipfile.BadZipFile as exc:
        part.unlink(missing_ok=True)
        raise EnvironmentProblemError(
            f"{full} is not a readable jar ({exc}).",
            hint=f"Delete {full.parent.parent} and run `influence db start` again to provision "
            "it anew.",
        ) from exc
    if kept == 0:
        part.unlink(missing_ok=True)
        raise EnvironmentProblemError(
            f"{full} declares no procedures or functions: it is not the GDS plugin.",
            hint=f"Delete {full.parent.parent} and run `influence db start` again to provision "
            "it anew.",
        )
    os.replace(part, target)
    return kept


def _complete(root: Path, progress: Progress) -> None:
    """Bring a distribution with intact jars to the current layout.

    Writes the procedure-only jar, then the manifest, then (last, as the mark that the work is
    done) the layout number; work cut short is redone at the next start.
    """
    dist = Distribution(root)
    fulls = sorted(dist.plugins.glob("*.jar"))
    if not fulls:
        raise EnvironmentProblemError(
            f"No GDS plugin jar in {dist.plugins}.",
            hint=f"Delete {root} and run `influence db start` again to provision it anew.",
        )
    dist.procedures.mkdir(exist_ok=True)
    for full in fulls:
        kept = _write_procedure_jar(full, dist.procedures / f"{full.stem}-procedures.jar")
        progress(f"Plugin directory: {kept} procedure and function classes of {full.name}")
    _write_manifest(root)
    _write_atomically(root / LAYOUT, f"{LAYOUT_VERSION}\n")


def _usable(dist: Distribution) -> bool:
    return dist.root.exists() and layout(dist) >= LAYOUT_VERSION and not verify(dist)


def provision(settings: Settings, progress: Progress = _quiet) -> Distribution:
    """Provision (or reuse, or upgrade) Neo4j and the GDS plugin in the cache directory.

    Safe across processes: all changes happen under ``cache_dir/provision.lock``, and a process
    that had to wait for it reuses the distribution the other one built.
    """
    dist = Distribution(settings.cache_dir / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}")
    if _usable(dist):
        return dist
    what = f"Provisioning Neo4j + GDS in {settings.cache_dir}"
    hint = (f"Check the free space and permissions of {settings.cache_dir} (or set "
            "INFLUENCE_CACHE_DIR to a writable directory), then run the command again.")
    with _os_errors(what, hint):
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with (_exclusive(settings.cache_dir / PROVISION_LOCK, f"provisioning of Neo4j + GDS in "
                     f"{settings.cache_dir}", progress),
          _os_errors(what, hint)):
        return _provision_locked(settings, dist, progress)


def _provision_locked(settings: Settings, dist: Distribution, progress: Progress) -> Distribution:
    if dist.root.exists():
        damaged = verify(dist)
        if not damaged:
            if layout(dist) < LAYOUT_VERSION:
                progress(f"Upgrading the cached server at {dist.root} to layout "
                         f"{LAYOUT_VERSION} (a procedure-only plugin jar, for a faster start)")
                _complete(dist.root, progress)
            return dist
        progress(f"Cached server at {dist.root} failed its integrity check "
                 f"({len(damaged)} files, e.g. {damaged[0]}); provisioning again.")
        shutil.rmtree(dist.root)
    find_java(settings)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=settings.cache_dir))
    log = settings.cache_dir / "provision.log"
    try:
        progress(f"Assembling Neo4j {NEO4J_VERSION} from Maven Central jars (first run only)")
        _run_recipe("neo4j", staging / "lib", log)
        progress(f"Building the open-source GDS {GDS_VERSION} plugin from Maven Central modules")
        _run_recipe("gds", staging / "plugins", log)
        _complete(staging, progress)
        staging.rename(dist.root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dist


# --- class-data sharing ----------------------------------------------------------------------
#
# A JVM spends much of the server's start-up loading and verifying the same ~10,000 classes.
# The first server started for a (distribution, Java) pair runs with -XX:ArchiveClassesAtExit
# and, when it stops, leaves an archive of the classes it loaded in its run/ directory; the stop
# (or the instance's next start) checks it with the JVM and installs it, with its SHA-256, in
# the distribution's cds/ directory, and later servers of any instance map it
# (-XX:SharedArchiveFile). This is an optimisation only: whatever fails, the server runs
# without it (the JVM itself ignores an archive that does not match its class path or build).

CDS_DUMP = "cds-dump.jsa"
CDS_DUMP_INFO = "cds-dump.json"
CDS_FAILED = "cds-failed"
"""Names the archive this instance failed to dump once: it does not try again."""
CDS_LOCK_TIMEOUT_S = 30.0
CDS_STOP_TIMEOUT_S = 180.0
"""How long a stop waits for a server that writes its archive (about 10 s on 2 cores)."""


def _cds_archive(dist: Distribution, java: Path) -> Path:
    """Where the archive for this distribution and this Java build lives."""
    real = java.resolve()
    libjvm = real.parent.parent / "lib" / "server" / "libjvm.so"
    stat = (libjvm if libjvm.exists() else real).stat()
    key = hashlib.sha256(
        f"{real}|{stat.st_size}|{stat.st_mtime_ns}|".encode() + (dist.root / MANIFEST).read_bytes()
    ).hexdigest()[:16]
    return dist.root / "cds" / f"{key}.jsa"


def _sidecar(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def _archive_intact(archive: Path) -> bool:
    try:
        return _sidecar(archive).read_text().strip() == _digest(archive)
    except OSError:
        return False


def _java_ok(cmd: list[str]) -> bool:
    try:
        return subprocess.run([*cmd, "-version"], capture_output=True, check=False,
                              timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _cds_flags(settings: Settings, dist: Distribution, java: Path, jvm: list[str],
               classpath: str) -> list[str]:
    """JVM flags that map the shared archive, or (none yet) make this server dump one at exit."""
    run = settings.data_dir / "run"
    try:
        archive = _cds_archive(dist, java)
        if _archive_intact(archive):
            return [f"-XX:SharedArchiveFile={archive}"]
        with contextlib.suppress(OSError):
            if (run / CDS_FAILED).read_text() == str(archive):
                return []
        # Dumping needs the JDK's own base archive; without it the JVM would refuse to start.
        if not _java_ok([str(java), *jvm, "-Xshare:on"]):
            return []
        (run / CDS_DUMP).unlink(missing_ok=True)
        _write_atomically(run / CDS_DUMP_INFO, json.dumps(
            {"archive": str(archive), "java": str(java), "jvm": jvm, "classpath": classpath}))
    except OSError:
        return []
    return [f"-XX:ArchiveClassesAtExit={run / CDS_DUMP}"]


def _discard_cds_dump(settings: Settings) -> None:
    run = settings.data_dir / "run"
    for name in (CDS_DUMP, CDS_DUMP_INFO):
        with contextlib.suppress(OSError):
            (run / name).unlink(missing_ok=True)


def _dump_target(settings: Settings) -> Path | None:
    """The archive a server of this instance started to dump for, if any."""
    try:
        return Path(json.loads((settings.data_dir / "run" / CDS_DUMP_INFO).read_text())["archive"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cds_failed(settings: Settings, archive: Path) -> None:
    with contextlib.suppress(OSError):
        _write_atomically(settings.data_dir / "run" / CDS_FAILED, str(archive))


def _adopt_cds_dump(settings: Settings, progress: Progress = _quiet,
                    *, exited_cleanly: bool = False) -> None:
    """Install the archive a stopped server of this instance dumped, if it is sound and needed.

    ``exited_cleanly``: the server was stopped by :func:`stop` and exited on its own, so a
    missing archive means this JVM cannot write one.
    """
    run = settings.data_dir / "run"
    dump = run / CDS_DUMP
    try:
        info = json.loads((run / CDS_DUMP_INFO).read_text())
        archive = Path(info["archive"])
        jvm = [str(flag) for flag in info["jvm"]]
        cache_dir = archive.parents[2]
        if not archive.parents[1].exists() or _archive_intact(archive):
            return
        if not dump.exists():
            if exited_cleanly:
                _cds_failed(settings, archive)
            return
        # The JVM checks the archive's header, class path and region checksums: a dump cut
        # short (a server killed while writing it) fails here and is dropped.
        if not _java_ok([info["java"], *jvm, f"-XX:SharedArchiveFile={dump}", "-Xshare:on",
                         "-XX:+VerifySharedSpaces", "-cp", info["classpath"]]):
            _cds_failed(settings, archive)
            return
        with _exclusive(cache_dir / PROVISION_LOCK, "installation of a class-data archive",
                        progress, timeout_s=CDS_LOCK_TIMEOUT_S):
            if not archive.parents[1].exists() or _archive_intact(archive):
                return
            archive.parent.mkdir(exist_ok=True)
            part = archive.with_name(archive.name + ".part")
            shutil.copyfile(dump, part)
            digest = _digest(part)
            os.replace(part, archive)
            _write_atomically(_sidecar(archive), f"{digest}\n")
            for other in archive.parent.iterdir():
                if other not in (archive, _sidecar(archive)):
                    other.unlink()
        progress(f"Installed the class-data archive {archive} for faster starts")
    except (OSError, ValueError, KeyError, TypeError, IndexError, InfluenceError):
        return
    finally:
        _discard_cds_dump(settings)


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
            f"server.directories.plugins={dist.procedures}",
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
            # Every account keeps its relationships grouped by type and direction (the default
            # groups only nodes of 50 relationships or more): the loaders' MERGE of an
            # interaction group then reads one type's chain of the account, not all of it.
            "db.relationship_grouping_threshold=1",
            # Bolt's event loops shut down after the databases have stopped and checkpointed;
            # Netty's default quiet period (5 s, once per loop group) only delays the exit.
            "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
            "",
        ]
    )


def _pid_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "influence-neo4j.pid"


def _alive(pid: int, home: Path | None = None) -> bool:
    """Whether ``pid`` is a Neo4j server (of the instance in ``home``, when given)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    if ENTRY_POINT not in args:
        return False
    if home is None:
        return True
    prefix = "--home-dir="
    homes = [Path(arg.removeprefix(prefix)) for arg in args if arg.startswith(prefix)]
    return any(h.resolve() == home.resolve() for h in homes)


def _running_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid, settings.data_dir) else None


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
            time.sleep(0.1)
    raise StoreUnavailableError(f"Neo4j at {uri} did not become ready in {timeout_s:.0f}s: {last}")


def _instance_lock(settings: Settings,
                   progress: Progress) -> contextlib.AbstractContextManager[None]:
    return _exclusive(settings.data_dir / INSTANCE_LOCK,
                      f"start or stop of the server in {settings.data_dir}", progress)


def start(settings: Settings, progress: Progress = _quiet) -> ServerStatus:
    """Start the local server (provisioning it first if needed); a no-op when it runs.

    Safe across processes: start and stop of one ``data_dir`` hold its lock, so a second start
    waits for the first and then reports the server as already running.
    """
    with _instance_lock(settings, progress):
        return _start_locked(settings, progress)


def _start_locked(settings: Settings, progress: Progress) -> ServerStatus:
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
    hint = (f"Check the free space and permissions of {home}, or set INFLUENCE_DATA_DIR to a "
            "writable directory.")
    with _os_errors(f"Preparing the server directory {home}", hint):
        for sub in ("conf", "data", "logs", "run", "import"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        (home / "conf" / "neo4j.conf").write_text(_conf(settings, dist))
    jvm = [f"-Xms{settings.heap_size}", f"-Xmx{settings.heap_size}", *JVM_FLAGS]
    classpath = f"{dist.plugins}/*:{home / 'conf'}/*:{dist.lib}/*"
    _adopt_cds_dump(settings, progress)  # left by a server that was not stopped by stop()
    cds = _cds_flags(settings, dist, java, jvm, classpath)
    tail = ["-cp", classpath, ENTRY_POINT, f"--home-dir={home}", f"--config-dir={home / 'conf'}"]
    progress(f"Starting Neo4j {NEO4J_VERSION} + GDS {GDS_VERSION} on {settings.bolt_uri}")
    try:
        _launch(settings, [str(java), *jvm, *cds, *tail], hint)
    except BaseException as failure:
        archive = _dump_target(settings)
        _discard_cds_dump(settings)
        console = _tail(home / "logs" / "console.log", 20)
        if (not isinstance(failure, _ExitedDuringStartError) or archive is None
                or not re.search(r"CDS|SharedSpaces|shared archive", console)):
            raise
        # A JVM that cannot write class data refuses to start at all: once more without.
        _cds_failed(settings, archive)
        progress("Neo4j exited at once with class-data archiving; starting it without")
        _launch(settings, [str(java), *jvm, *tail], hint)
    return status(settings)


class _ExitedDuringStartError(StoreUnavailableError):
    """The server process ended before it became ready."""


def _launch(settings: Settings, cmd: list[str], hint: str) -> None:
    """Run the server and wait until it is ready; stop it again if it does not get there."""
    home = settings.data_dir
    with (_os_errors(f"Starting {cmd[0]} in {home}",
                     f"{hint} If Java cannot run, set INFLUENCE_JAVA_HOME to a JDK 17 or 21."),
          (home / "logs" / "console.log").open("ab") as console):
        proc = subprocess.Popen(
            cmd, cwd=home, stdout=console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        with _os_errors(f"Writing {_pid_file(settings)}", hint):
            _pid_file(settings).write_text(str(proc.pid))
        _await_start(settings, proc)
    except BaseException:
        _terminate(proc.pid)
        _pid_file(settings).unlink(missing_ok=True)
        raise


def _await_start(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + settings.start_timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            wait_ready(settings.bolt_uri, timeout_s=2)
        except StoreUnavailableError:
            continue
        if proc.poll() is None:
            return
        # Something else answered on the port while this server exited.
    hint = f"Server log tail:\n{log_tail(settings)}"
    if proc.poll() is not None:
        raise _ExitedDuringStartError("Neo4j exited during start-up.", hint=hint)
    raise StoreUnavailableError(
        f"Neo4j did not become ready within {settings.start_timeout_s:.0f}s.", hint=hint)


def _terminate(pid: int, timeout_s: float = 60.0) -> bool:
    """Stop the process (SIGTERM; SIGKILL after ``timeout_s``); True if it exited on its own."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    clean = not _alive(pid)
    if not clean:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return clean


def stop(settings: Settings, progress: Progress = _quiet) -> bool:
    """Stop the local server; True if one was running (waits for a start in progress)."""
    if not settings.data_dir.exists():
        return False
    with _instance_lock(settings, progress):
        return _stop_locked(settings, progress)


@contextlib.contextmanager
def offline(settings: Settings, progress: Progress = _quiet) -> Iterator[None]:
    """The local server stopped for the block (an offline import) and started again after it,
    even when the block fails; no other process can start or stop it in between."""
    with _instance_lock(settings, progress):
        _stop_locked(settings, progress)
        try:
            yield
        finally:
            _start_locked(settings, progress)


def _stop_locked(settings: Settings, progress: Progress) -> bool:
    pid = _running_pid(settings)
    _pid_file(settings).unlink(missing_ok=True)
    if pid is None:
        return False
    dumping = (settings.data_dir / "run" / CDS_DUMP_INFO).exists()
    clean = _terminate(pid, CDS_STOP_TIMEOUT_S if dumping else 60.0)
    _adopt_cds_dump(settings, progress, exited_cleanly=clean)
    return True


def discard_database(settings: Settings, progress: Progress = _quiet) -> None:
    """Remove the files of the local server's database while the server is stopped: its next
    start creates it empty (in far less time than deleting what it holds).

    Raises:
        EnvironmentProblemError: the server is running.
    """
    with _instance_lock(settings, progress):
        if _running_pid(settings) is not None:
            raise EnvironmentProblemError(
                f"The server in {settings.data_dir} is running: its database cannot be "
                "discarded.", hint="Stop it first (`influence db stop`).")
        for part in ("databases", "transactions"):
            shutil.rmtree(settings.data_dir / "data" / part / settings.neo4j_database,
                          ignore_errors=True)


def status(settings: Settings) -> ServerStatus:
    """Whether the local server of this ``data_dir`` runs, and where."""
    pid = _running_pid(settings)
    return ServerStatus(running=pid is not None, pid=pid, uri=settings.bolt_uri,
                        data_dir=settings.data_dir)
