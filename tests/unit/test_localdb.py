"""Local server management: configuration, clear errors, recipes pinned to the settings,
locks between processes, the procedure-only plugin jar and the class-data archive."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from influence import localdb
from influence.errors import EnvironmentProblemError
from influence.settings import GDS_VERSION, NEO4J_VERSION, Settings

POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "db", cache_dir=tmp_path / "cache", **extra)  # type: ignore[arg-type]


def test_config_binds_loopback_and_allows_gds(tmp_path: Path) -> None:
    settings = _settings(tmp_path, db_port=7699)
    conf = localdb._conf(settings, localdb.Distribution(tmp_path / "dist"))
    assert "server.bolt.listen_address=127.0.0.1:7699" in conf
    assert "dbms.security.procedures.unrestricted=gds.*" in conf
    # Neo4j scans only the procedure-only jar; the full plugin is on the class path.
    assert f"server.directories.plugins={tmp_path / 'dist' / 'procedures'}" in conf
    assert "server.http.enabled=false" in conf
    assert "internal.dbms.bolt.netty_server_shutdown_quiet_period=0" in conf


def test_the_heap_is_not_pre_touched() -> None:
    assert "-XX:+AlwaysPreTouch" not in localdb.JVM_FLAGS


def test_port_in_use_names_the_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EnvironmentProblemError, match=f"Port {port} .* already in use"):
            localdb.start(_settings(tmp_path, db_port=port))


def test_missing_java_says_which_is_needed(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblemError, match="Java 17 or 21"):
        localdb.find_java(_settings(tmp_path, java_home=tmp_path / "no-jdk"))


def test_wrong_java_version_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2"\' >&2\n')
    fake.chmod(0o755)
    with pytest.raises(EnvironmentProblemError, match=r"Java 11; Neo4j 5\.26"):
        localdb.find_java(_settings(tmp_path, java_home=tmp_path / "jdk"))


def test_recipes_pin_the_versions_in_settings() -> None:
    neo4j = ET.parse(localdb.PROVISION_DIR / "neo4j" / "pom.xml").getroot()
    gds = ET.parse(localdb.PROVISION_DIR / "gds" / "pom.xml").getroot()
    assert neo4j.findtext("m:properties/m:neo4j.version", namespaces=POM_NS) == NEO4J_VERSION
    assert gds.findtext("m:properties/m:gds.version", namespaces=POM_NS) == GDS_VERSION


def test_integrity_check_finds_a_damaged_jar(tmp_path: Path) -> None:
    dist = localdb.Distribution(tmp_path / "dist")
    dist.lib.mkdir(parents=True)
    (dist.lib / "a.jar").write_bytes(b"original")
    localdb._write_manifest(dist.root)
    assert localdb.verify(dist) == []
    (dist.lib / "a.jar").write_bytes(b"tampered")
    assert localdb.verify(dist) == ["lib/a.jar"]


def test_status_of_a_never_started_instance(tmp_path: Path) -> None:
    status = localdb.status(_settings(tmp_path))
    assert not status.running
    assert status.pid is None


# --- locks -----------------------------------------------------------------------------------


def _hold(path: Path, held: threading.Event, release: threading.Event) -> None:
    with localdb._exclusive(path, "test"):
        held.set()
        release.wait(10)


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[tuple[Path, threading.Event]]:
    """A lock held by another thread (another open file: flock treats it as another holder)."""
    path, held, release = tmp_path / "x.lock", threading.Event(), threading.Event()
    thread = threading.Thread(target=_hold, args=(path, held, release))
    thread.start()
    assert held.wait(10)
    yield path, release
    release.set()
    thread.join(10)


def test_a_second_holder_waits_then_gives_up_naming_the_holder(
        held_lock: tuple[Path, threading.Event]) -> None:
    path, _ = held_lock
    said: list[str] = []
    started = time.monotonic()
    with (pytest.raises(EnvironmentProblemError, match=f"pid {os.getpid()}") as raised,
          localdb._exclusive(path, "test", said.append, timeout_s=0.3)):
        pass
    assert time.monotonic() - started >= 0.3
    assert raised.value.hint
    assert said == [f"Waiting for another process (pid {os.getpid()}) to finish the test"]


def test_a_waiter_proceeds_as_soon_as_the_holder_releases(
        held_lock: tuple[Path, threading.Event]) -> None:
    path, release = held_lock
    threading.Timer(0.5, release.set).start()
    said: list[str] = []
    started = time.monotonic()
    with localdb._exclusive(path, "test", said.append):
        waited = time.monotonic() - started
        assert path.read_text().strip() == str(os.getpid())
    assert 0.4 <= waited < 5
    assert len(said) == 1
    said.clear()
    with localdb._exclusive(path, "test", said.append):  # free now: no waiting
        pass
    assert said == []


def test_the_lock_holds_across_processes_and_ends_with_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from pathlib import Path\nfrom influence import localdb\n"
         "with localdb._exclusive(Path(sys.argv[1]), 'test'):\n"
         "    print('held', flush=True)\n    time.sleep(60)\n", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with (pytest.raises(EnvironmentProblemError, match=f"pid {holder.pid}"),
              localdb._exclusive(path, "test", timeout_s=0.2)):
            pass
        holder.kill()  # no clean-up: the kernel releases the lock with the process
        holder.wait(10)
        with localdb._exclusive(path, "test", timeout_s=5):
            pass
    finally:
        holder.kill()
        holder.wait(10)


def test_an_unwritable_cache_is_an_environment_problem(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file, not a directory")
    with pytest.raises(EnvironmentProblemError, match="cache") as raised:
        localdb.provision(_settings(tmp_path))
    assert raised.value.hint


def test_stop_of_a_never_created_instance_creates_nothing(tmp_path: Path) -> None:
    assert not localdb.stop(_settings(tmp_path))
    assert not (tmp_path / "db").exists()


@pytest.fixture
def fake_server(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line looks like the local server of ``tmp_path / "db"``."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                             localdb.ENTRY_POINT, f"--home-dir={tmp_path / 'db'}"])
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    deadline = time.monotonic() + 10
    while localdb.ENTRY_POINT.encode() not in cmdline.read_bytes():  # until exec is done
        assert time.monotonic() < deadline
        time.sleep(0.01)
    yield proc
    proc.kill()
    proc.wait(10)


def test_a_server_is_recognised_by_its_instance(tmp_path: Path,
                                                fake_server: subprocess.Popen[bytes]) -> None:
    assert localdb._alive(fake_server.pid)
    assert localdb._alive(fake_server.pid, tmp_path / "db")
    assert not localdb._alive(fake_server.pid, tmp_path / "other")
    assert not localdb._alive(os.getpid())


def test_a_second_start_waits_for_the_first_then_finds_it_running(
        tmp_path: Path, fake_server: subprocess.Popen[bytes]) -> None:
    settings = _settings(tmp_path, db_port=1)  # never bound: the waiter must not get that far
    held, release = threading.Event(), threading.Event()

    def first_start() -> None:  # holds the instance lock while "starting" the fake server
        with localdb._instance_lock(settings, localdb._quiet):
            held.set()
            time.sleep(0.5)
            localdb._pid_file(settings).parent.mkdir(parents=True)
            localdb._pid_file(settings).write_text(str(fake_server.pid))
            release.wait(0)

    thread = threading.Thread(target=first_start)
    thread.start()
    assert held.wait(10)
    said: list[str] = []
    second = localdb.start(settings, said.append)
    thread.join(10)
    assert second.running
    assert second.pid == fake_server.pid
    assert said[0].startswith("Waiting for another process")
    assert said[1].startswith(f"Neo4j is already running (pid {fake_server.pid})")


# --- provisioning: race, upgrade, procedure-only jar ------------------------------------------

PROC_CLASS = "org/neo4j/gds/x/SomeProc.class"
FUNC_CLASS = "org/neo4j/gds/x/SomeFunc.class"
PLAIN_CLASS = "org/neo4j/gds/shaded/y/Helper.class"


def _fake_plugin(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        jar.writestr(localdb.EXTENSION_SERVICES, "org.neo4j.gds.x.Extension\n")
        jar.writestr("META-INF/services/org.neo4j.gds.Other", "org.neo4j.gds.x.Other\n")
        jar.writestr(PROC_CLASS, b"\xca\xfe\xba\xbe..Lorg/neo4j/procedure/Procedure;..")
        jar.writestr(FUNC_CLASS, b"\xca\xfe\xba\xbe..Lorg/neo4j/procedure/UserFunction;..")
        jar.writestr(PLAIN_CLASS, b"\xca\xfe\xba\xbe..Lorg/neo4j/procedure/Name;..")


def _fake_recipe(runs: Path, pause_s: float = 0.0) -> object:
    def run(recipe: str, output: Path, log: Path) -> None:
        with runs.open("a") as fh:
            fh.write(f"{recipe}\n")
        time.sleep(pause_s)
        if recipe == "gds":
            _fake_plugin(output / f"open-gds-{GDS_VERSION}.jar")
        else:
            output.mkdir(parents=True)
            (output / "neo4j-fake.jar").write_bytes(b"jar")
    return run


def _provision_in_child(settings: Settings, barrier: object, out: Path) -> None:
    barrier.wait(10)  # type: ignore[attr-defined]
    out.write_text(str(localdb.provision(settings).root))


def test_concurrent_provisioning_builds_once_and_both_use_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = tmp_path / "runs.txt"
    # Maven takes long enough for the other process to arrive while it runs.
    monkeypatch.setattr(localdb, "_run_recipe", _fake_recipe(runs, pause_s=0.5))
    monkeypatch.setattr(localdb, "find_java", lambda _: Path(sys.executable))
    settings = _settings(tmp_path)
    fork = multiprocessing.get_context("fork")  # the children keep the fakes above
    barrier = fork.Barrier(2)
    children = [fork.Process(target=_provision_in_child,
                             args=(settings, barrier, tmp_path / f"out{i}")) for i in (1, 2)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0, 0]
    roots = {(tmp_path / f"out{i}").read_text() for i in (1, 2)}
    assert len(roots) == 1
    assert runs.read_text().split() == ["neo4j", "gds"]  # built once, reused by the other
    dist = localdb.Distribution(Path(roots.pop()))
    assert localdb.verify(dist) == []
    assert localdb.layout(dist) == localdb.LAYOUT_VERSION
    assert not list(settings.cache_dir.glob("staging-*"))


def _old_layout(settings: Settings) -> localdb.Distribution:
    """A distribution as provisioned before the procedure-only jar (layout 1)."""
    dist = localdb.Distribution(settings.cache_dir / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}")
    dist.lib.mkdir(parents=True)
    (dist.lib / "neo4j-fake.jar").write_bytes(b"jar")
    _fake_plugin(dist.plugins / f"open-gds-{GDS_VERSION}.jar")
    localdb._write_manifest(dist.root)
    return dist


def test_an_old_cache_is_upgraded_in_place_without_maven(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_maven(*_: object) -> None:
        raise AssertionError("the upgrade must not run Maven")

    monkeypatch.setattr(localdb, "_run_recipe", no_maven)
    settings = _settings(tmp_path)
    old = _old_layout(settings)
    full = (old.plugins / f"open-gds-{GDS_VERSION}.jar").read_bytes()
    assert localdb.layout(old) == 1
    said: list[str] = []
    dist = localdb.provision(settings, said.append)
    assert dist == old
    assert localdb.layout(dist) == localdb.LAYOUT_VERSION
    assert any("Upgrading" in line for line in said)
    assert (dist.plugins / f"open-gds-{GDS_VERSION}.jar").read_bytes() == full  # untouched
    slim = dist.procedures / f"open-gds-{GDS_VERSION}-procedures.jar"
    with zipfile.ZipFile(slim) as jar:
        assert sorted(jar.namelist()) == sorted(
            ["META-INF/MANIFEST.MF", localdb.EXTENSION_SERVICES, PROC_CLASS, FUNC_CLASS])
        assert jar.read(PROC_CLASS) == b"\xca\xfe\xba\xbe..Lorg/neo4j/procedure/Procedure;.."
    assert localdb.verify(dist) == []
    assert "procedures/" in (dist.root / localdb.MANIFEST).read_text()  # checked like the rest
    before = slim.stat().st_mtime_ns
    said.clear()
    assert localdb.provision(settings, said.append) == dist  # current now: nothing to do
    assert said == []
    assert slim.stat().st_mtime_ns == before


def test_a_damaged_procedure_jar_is_caught_by_the_integrity_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localdb, "_run_recipe", _fake_recipe(tmp_path / "runs.txt"))
    monkeypatch.setattr(localdb, "find_java", lambda _: Path(sys.executable))
    settings = _settings(tmp_path)
    dist = localdb.provision(settings)
    slim = dist.procedures / f"open-gds-{GDS_VERSION}-procedures.jar"
    slim.write_bytes(b"tampered")
    assert localdb.verify(dist) == [f"procedures/{slim.name}"]
    localdb.provision(settings)  # provisions again
    assert localdb.verify(dist) == []
    assert (tmp_path / "runs.txt").read_text().split() == ["neo4j", "gds"] * 2


def test_a_plugin_without_procedures_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.jar"
    with zipfile.ZipFile(plain, "w") as jar:
        jar.writestr(PLAIN_CLASS, b"\xca\xfe\xba\xbe")
    with pytest.raises(EnvironmentProblemError, match="no procedures"):
        localdb._write_procedure_jar(plain, tmp_path / "slim.jar")
    assert not (tmp_path / "slim.jar").exists()


PROVISIONED = localdb.Distribution(
    Settings().cache_dir / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}")


@pytest.mark.skipif(not (PROVISIONED.plugins / f"open-gds-{GDS_VERSION}.jar").exists(),
                    reason="the local server is not provisioned on this machine")
def test_the_procedure_jar_keeps_every_class_gds_lists_as_a_procedure(tmp_path: Path) -> None:
    """GDS lists its procedure and function classes as services; the bytecode scan must agree."""
    full = PROVISIONED.plugins / f"open-gds-{GDS_VERSION}.jar"
    kept = localdb._write_procedure_jar(full, tmp_path / "slim.jar")
    with zipfile.ZipFile(full) as jar:
        listed = {name for service in ("Procedure", "UserFunction")
                  for name in jar.read(f"META-INF/services/org.neo4j.procedure.{service}")
                  .decode().split()}
    with zipfile.ZipFile(tmp_path / "slim.jar") as jar:
        classes = {n[:-6].replace("/", ".") for n in jar.namelist() if n.endswith(".class")}
        assert localdb.EXTENSION_SERVICES in jar.namelist()
    assert kept == len(classes)
    assert listed <= classes
    assert len(classes) < 1000  # of ~17,000 classes in the full jar


# --- class-data sharing ------------------------------------------------------------------------


@pytest.fixture
def cds_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    monkeypatch.setattr(localdb, "_run_recipe", _fake_recipe(tmp_path / "runs.txt"))
    monkeypatch.setattr(localdb, "find_java", lambda _: Path(sys.executable))
    settings = _settings(tmp_path)
    dist = localdb.provision(settings)
    (settings.data_dir / "run").mkdir(parents=True)
    return settings, localdb._cds_archive(dist, Path(sys.executable))


def _dumped(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Flags for a server started without an archive; the fake JVM then 'dumps' one."""
    monkeypatch.setattr(localdb, "_java_ok", lambda cmd: True)
    dist = localdb.provision(settings)
    flags = localdb._cds_flags(settings, dist, Path(sys.executable), ["-Xmx1g"], "cp")
    (settings.data_dir / "run" / localdb.CDS_DUMP).write_bytes(b"archive")
    return flags


def test_the_first_server_dumps_an_archive_that_stop_installs(
        cds_setup: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, archive = cds_setup
    flags = _dumped(settings, monkeypatch)
    assert flags == [f"-XX:ArchiveClassesAtExit={settings.data_dir / 'run' / localdb.CDS_DUMP}"]
    stale = archive.with_name("0000000000000000.jsa")
    stale.parent.mkdir()
    stale.write_bytes(b"an archive of another Java")
    said: list[str] = []
    localdb._adopt_cds_dump(settings, said.append)
    assert archive.read_bytes() == b"archive"
    assert localdb._archive_intact(archive)
    assert not stale.exists()
    assert len(said) == 1
    assert "Installed" in said[0]
    assert not list((settings.data_dir / "run").iterdir())  # dump and its note are gone
    dist = localdb.provision(settings)
    assert localdb._cds_flags(settings, dist, Path(sys.executable), [], "cp") == [
        f"-XX:SharedArchiveFile={archive}"]
    archive.write_bytes(b"damaged")  # fails its SHA-256: not mapped, dumped again
    assert localdb._cds_flags(settings, dist, Path(sys.executable), [], "cp")[0].startswith(
        "-XX:ArchiveClassesAtExit=")


def test_a_dump_the_jvm_rejects_is_dropped(
        cds_setup: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, archive = cds_setup
    _dumped(settings, monkeypatch)
    monkeypatch.setattr(localdb, "_java_ok", lambda cmd: False)
    localdb._adopt_cds_dump(settings)
    assert not archive.exists()
    run = settings.data_dir / "run"
    assert [path.name for path in run.iterdir()] == [localdb.CDS_FAILED]  # not tried again


def test_no_archive_flags_when_the_jvm_cannot_share_classes(
        cds_setup: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = cds_setup
    monkeypatch.setattr(localdb, "_java_ok", lambda cmd: False)
    dist = localdb.provision(settings)
    assert localdb._cds_flags(settings, dist, Path(sys.executable), [], "cp") == []


def test_a_jvm_that_cannot_dump_is_started_again_without(
        cds_setup: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, archive = cds_setup
    monkeypatch.setattr(localdb, "_java_ok", lambda cmd: True)
    monkeypatch.setattr(localdb, "_port_free", lambda port: True)
    launched: list[list[str]] = []

    def launch(settings: Settings, cmd: list[str], hint: str) -> None:
        launched.append(cmd)
        if len(launched) == 1:  # what a JVM without a base archive says, then exits
            (settings.data_dir / "logs" / "console.log").write_text(
                "Error occurred during initialization of VM\n"
                "DynamicDumpSharedSpaces is unsupported when base CDS archive is not loaded\n")
            raise localdb._ExitedDuringStartError("Neo4j exited during start-up.")

    monkeypatch.setattr(localdb, "_launch", launch)
    said: list[str] = []
    localdb.start(settings, said.append)
    assert any(flag.startswith("-XX:ArchiveClassesAtExit=") for flag in launched[0])
    assert not any("Archive" in flag for flag in launched[1])
    assert any("without" in line for line in said)
    run = settings.data_dir / "run"
    assert (run / localdb.CDS_FAILED).read_text() == str(archive)
    assert not (run / localdb.CDS_DUMP_INFO).exists()
    dist = localdb.provision(settings)  # and this instance does not try again
    assert localdb._cds_flags(settings, dist, Path(sys.executable), [], "cp") == []


def test_other_start_failures_are_not_retried(
        cds_setup: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = cds_setup
    monkeypatch.setattr(localdb, "_java_ok", lambda cmd: True)
    monkeypatch.setattr(localdb, "_port_free", lambda port: True)
    launched: list[list[str]] = []

    def launch(settings: Settings, cmd: list[str], hint: str) -> None:
        launched.append(cmd)
        raise localdb._ExitedDuringStartError("Neo4j exited during start-up.")

    monkeypatch.setattr(localdb, "_launch", launch)
    with pytest.raises(localdb._ExitedDuringStartError):
        localdb.start(settings)
    assert len(launched) == 1
    assert not (settings.data_dir / "run" / localdb.CDS_FAILED).exists()


def test_discarding_the_database_removes_its_files_only(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    data = settings.data_dir / "data"
    for part in ("databases/neo4j", "transactions/neo4j", "databases/system"):
        (data / part).mkdir(parents=True)
        (data / part / "store").write_text("x")
    monkeypatch.setattr(localdb, "_running_pid", lambda _: 4242)
    with pytest.raises(EnvironmentProblemError, match="is running"):
        localdb.discard_database(settings)
    assert (data / "databases" / "neo4j" / "store").exists()
    monkeypatch.setattr(localdb, "_running_pid", lambda _: None)
    localdb.discard_database(settings)
    assert not (data / "databases" / "neo4j").exists()
    assert not (data / "transactions" / "neo4j").exists()
    assert (data / "databases" / "system" / "store").exists()  # the server's own, kept
