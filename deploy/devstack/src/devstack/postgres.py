"""A PostgreSQL cluster from Debian's packages, initialised in the project's state folder, one database per service."""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from devstack.config import SERVICES, StackConfig, package_of
from devstack.procs import StartError, run_checked, wait_until

SUPERUSER = "opencme"


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise StartError("PostgreSQL server binaries not found: install Debian's 'postgresql' package")
    return Path(candidates[-1]).parent


def _as_owner(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; run them as the Debian 'postgres' user then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _reachable_data_dir(root: Path) -> Path:
    """The cluster lives in the project's state folder, unless the checkout sits where the 'postgres' user cannot
    reach (e.g. under /root when run as root): then in /tmp, named after the checkout so each keeps its own."""
    preferred = root / "data"
    if os.geteuid() != 0:
        return preferred
    probe = next((p for p in [preferred, *preferred.parents] if p.exists()), Path("/"))
    reachable = (
        subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], capture_output=True).returncode
        == 0
    )
    if reachable:
        return preferred
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"opencme-postgres-{digest}" / "data"


class Postgres:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.root = config.state_dir / "postgres"
        self.data = _reachable_data_dir(self.root)
        self.home = self.data.parent  # the state folder's postgres/, or its stand-in under /tmp
        self.log = (config.logs_dir if self.home == self.root else self.home) / "postgres.log"
        self.port = config.pg_port

    @property
    def password(self) -> str:
        return (self.root / "superuser.password").read_text().strip()

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def service_dsn(self, service: str) -> str:
        return self.dsn(f"opencme_{package_of(service)}")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            shutil.chown(path, user.pw_uid, user.pw_gid)

    def _ensure_cluster(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(mode=0o700, parents=True, exist_ok=True)
        password_file = self.root / "superuser.password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(18))
            password_file.chmod(0o600)
        self.home.mkdir(parents=True, exist_ok=True)
        pwfile = self.home / "pwfile"
        pwfile.write_text(password_file.read_text())
        for p in (self.root, self.home, self.data, pwfile):
            self._own(p)
        run_checked(
            _as_owner(
                [
                    str(_bindir() / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            what="initdb",
        )
        pwfile.unlink()
        # Small machine: modest memory, enough connections for six services, their workers and the tests.
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "max_connections = 300\nshared_buffers = 128MB\nfsync = on\n"
                "unix_socket_directories = ''\n"
            )

    def _accepting(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
            pass
        result = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True)
        return result.returncode == 0

    def start(self) -> float:
        """Start (initialising on first use); returns seconds until it accepted connections."""
        self._ensure_cluster()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        self._own(self.log)
        if self.running():
            self.create_databases()
            return 0.0
        run_checked(
            _as_owner(
                [
                    str(_bindir() / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-p {self.port}",
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            what=f"PostgreSQL start (log: {self.log})",
        )
        waited = wait_until(self._accepting, what="PostgreSQL", timeout=60, log=self.log)
        self.create_databases()
        return waited

    def create_databases(self, names: list[str] | None = None) -> None:
        wanted = names or [f"opencme_{package_of(s)}" for s in SERVICES]
        env = {**os.environ, "PGPASSWORD": self.password}
        base = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres", "-tAc"]
        existing = run_checked([*base, "SELECT datname FROM pg_database"], what="list databases", env=env).stdout
        for name in wanted:
            if name not in existing.split():
                run_checked([*base, f'CREATE DATABASE "{name}"'], what=f"create database {name}", env=env)

    def running(self) -> bool:
        status = subprocess.run(
            _as_owner([str(_bindir() / "pg_ctl"), "-D", str(self.data), "status"]), capture_output=True
        )
        return status.returncode == 0

    def stop_immediately(self) -> None:
        """Stop as a crash does (`pg_ctl stop -m immediate`: no checkpoint, every connection cut; the next start
        recovers from the WAL). The fault-injection suite uses it."""
        run_checked(
            _as_owner([str(_bindir() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
            what="PostgreSQL immediate stop",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_owner([str(_bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
