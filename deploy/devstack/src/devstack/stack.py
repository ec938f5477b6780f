"""The whole system as processes: infrastructure, every service's API and worker, dev tools, gateway."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devstack.config import REPO_ROOT, SERVICES, StackConfig, package_of
from devstack.gateway import Gateway
from devstack.kafka import Kafka
from devstack.postgres import Postgres
from devstack.procs import api_command, spawn, stop, wait_until

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "admin passphrase for the demo"
PARTS = ("api", "worker")  # the processes of each service
TOOLS_NICENESS = 19  # the SMTP sink's and the fake board's: notifications' and board reporting's worker_niceness


def local_secret(path: Path) -> str:
    """A secret made once per checkout and profile, readable by its owner only (never committed: .local/)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass
class Stack:
    config: StackConfig
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # Environment variables per service on top of service_env's (e.g. the fault-injection suite's short leases).
    service_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    _service_envs: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.postgres = Postgres(self.config)
        self.kafka = Kafka(self.config)
        self.gateway = Gateway(self.config)

    # --- infrastructure ---------------------------------------------------------------------------

    def start_infra(self) -> None:
        self.timings["postgres"] = self._timed(self.postgres.start)
        self.timings["kafka"] = self.kafka.start()

    def _timed(self, fn) -> float:
        started = time.monotonic()
        fn()
        return time.monotonic() - started

    # --- services ---------------------------------------------------------------------------------

    def service_env(self, service: str, *, database_url: str, kafka_bootstrap: str) -> dict[str, str]:
        c = self.config
        env = {
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "JWKS_URL": c.jwks_url,
            "PYTHONUNBUFFERED": "1",
        }
        extra = {
            "identity": {
                "PORTAL_URL": c.gateway_url,
                "SESSION_COOKIE_SECURE": "false",  # the devstack's portal is plain http on 127.0.0.1
                "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "SIGNING_KEY_PASSPHRASE": local_secret(c.state_dir / "identity-signing-key.passphrase"),
            },
            "certificates": {"PUBLIC_BASE_URL": c.gateway_url},
            "board-reporting": {"BOARD_ENDPOINT_URL": f"http://127.0.0.1:{c.board_port}"},
            "notifications": {
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(c.smtp_port),
                "PORTAL_URL": c.gateway_url,
            },
        }
        if c.profile in ("test", "cluster", "chaos"):
            # Every browser journey and whole-stack test signs its people up from 127.0.0.1 through the gateway: the
            # per-address sign-up limit (30 in 10 minutes, identity's own tests cover it) would refuse the later ones.
            limit = "1000" if c.profile == "test" else "100000"  # the cluster's surges sign up thousands
            extra["identity"]["SIGNUP_IP_LIMIT"] = os.environ.get("SIGNUP_IP_LIMIT", limit)
        return {**env, **extra.get(service, {})}

    def start_services(self, *, database_url_for=None, kafka_bootstrap: str | None = None) -> None:
        """Start each service's API and worker (`config.replicas` of each); waits until every API answers /readyz
        and every worker /healthz (its Kafka connection is up)."""
        started = time.monotonic()
        database_url_for = database_url_for or self.postgres.service_dsn
        kafka_bootstrap = kafka_bootstrap or self.config.kafka_bootstrap
        for service in SERVICES:
            env = self.service_env(service, database_url=database_url_for(service), kafka_bootstrap=kafka_bootstrap)
            self._service_envs[service] = {**env, **self.service_overrides.get(service, {})}
            for replica in range(self.config.replicas):
                for part in PARTS:
                    self._spawn_part(service, part, replica)
        for service in SERVICES:
            for replica in range(self.config.replicas):
                for part in PARTS:
                    self._wait_ready(service, part, replica)
        self.timings["services"] = time.monotonic() - started

    def process_name(self, service: str, part: str, replica: int = 0) -> str:
        """ "catalog-api", "catalog-worker"; a further replica's "catalog-worker-2" (its log is named so too)."""
        return f"{service}-{part}" if replica == 0 else f"{service}-{part}-{replica + 1}"

    def _spawn_part(self, service: str, part: str, replica: int = 0) -> None:
        name, env = self.process_name(service, part, replica), self._service_envs[service]
        if part == "api":
            port = self.config.service_port(service, replica)
            argv = api_command(package_of(service), port, workers=self.config.api_workers)
        else:
            argv = [sys.executable, "-m", f"{package_of(service)}.worker"]
            env = {**env, "WORKER_HEALTH_PORT": str(self.config.worker_health_port(service, replica))}
        self.processes[name] = spawn(name, argv, log_dir=self.config.logs_dir, env=env)

    def _wait_ready(self, service: str, part: str, replica: int = 0) -> float:
        if part == "api":
            url, ok = f"http://127.0.0.1:{self.config.service_port(service, replica)}/readyz", 200
        else:
            url, ok = f"http://127.0.0.1:{self.config.worker_health_port(service, replica)}/healthz", 200
        name = self.process_name(service, part, replica)
        return wait_until(
            functools.partial(_answers, url, ok),
            what=f"{service} {part}" + (f" (replica {replica + 1})" if replica else ""),
            timeout=90,
            log=self.config.logs_dir / f"{name}.log",
            proc=self.processes[name],
        )

    def kill(self, service: str, part: str, replica: int = 0) -> None:
        """kill -9 a service's API (the gunicorn master and its workers) or worker: the whole process group, with no
        chance to finish what it was doing. Returns once it is gone."""
        proc = self.processes[self.process_name(service, part, replica)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def terminate(self, service: str, part: str, replica: int = 0, *, timeout: float = 30.0) -> float:
        """Stop a service's API or worker gracefully, as a rolling update does: SIGTERM to its main process only, as
        an orchestrator stops a container (gunicorn's arbiter lets its workers finish the requests in flight, a worker
        stops its consumer and its own children), then wait until it has exited; what it left of its process group is
        killed. Returns the seconds that took; one still running after `timeout` is killed -9 and the call fails."""
        name = self.process_name(service, part, replica)
        proc, started = self.processes[name], time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(service, part, replica)
            raise RuntimeError(f"{name} was still running {timeout:.0f} s after SIGTERM: killed") from None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return time.monotonic() - started

    def restart(self, service: str, part: str, replica: int = 0) -> float:
        """Start a killed or terminated API or worker again, as start_services started it; returns the seconds until
        it answered its health check."""
        if self.processes[self.process_name(service, part, replica)].poll() is None:
            raise RuntimeError(f"{service} {part} is still running: kill it first")
        self._spawn_part(service, part, replica)
        return self._wait_ready(service, part, replica)

    def start_tools(self) -> None:
        """The SMTP sink (mail readable at its web page) and the fake certifying board. They stand in for servers
        elsewhere and work only when the workers that call them (notifications', board reporting's) do, which yield
        their cores in a surge; they run as nice as those workers, but their sessions' scheduling groups are left at
        an equal share (see `procs.spawn`), so that they answer at once when called."""
        c = self.config
        nice = ["nice", "-n", str(TOOLS_NICENESS)]
        self.processes["smtp-sink"] = spawn(
            "smtp-sink",
            [
                *nice,
                sys.executable,
                "-m",
                "devstack.smtp_sink",
                "--smtp-port",
                str(c.smtp_port),
                "--http-port",
                str(c.smtp_http_port),
                "--dir",
                str(c.state_dir / "mail"),
            ],
            log_dir=c.logs_dir,
        )
        self.processes["fake-board"] = spawn(
            "fake-board",
            [*nice, sys.executable, "-m", "devstack.fake_board", "--port", str(c.board_port)],
            log_dir=c.logs_dir,
        )
        for name, port in (("smtp-sink", c.smtp_http_port), ("fake-board", c.board_port)):
            wait_until(
                functools.partial(
                    _answers, f"http://127.0.0.1:{port}/{'messages' if name == 'smtp-sink' else '_reports'}", 200
                ),
                what=name,
                timeout=30,
                log=c.logs_dir / f"{name}.log",
                proc=self.processes[name],
            )

    def start_gateway(self) -> None:
        self.timings["gateway"] = self.gateway.start()

    def failed(self) -> list[str]:
        """Names of processes that have exited."""
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def stop(self, *, infra: bool = True) -> None:
        self.gateway.stop()
        for proc in reversed(list(self.processes.values())):
            stop(proc)
        self.processes.clear()
        if infra:
            self.kafka.stop()
            self.postgres.stop()

    @property
    def log_dir(self) -> Path:
        return self.config.logs_dir


def _answers(url: str, status: int) -> bool:
    return bool(urllib.request.urlopen(url, timeout=2).status == status)


def repo_path(*parts: str) -> Path:
    return REPO_ROOT.joinpath(*parts)
