"""The whole system as processes: infrastructure, every service's API and worker, dev tools, gateway."""

from __future__ import annotations

import functools
import os
import secrets
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
        if c.profile == "test":
            # Every browser journey and whole-stack test signs its people up from 127.0.0.1 through the gateway: the
            # per-address sign-up limit (30 in 10 minutes, identity's own tests cover it) would refuse the later ones.
            extra["identity"]["SIGNUP_IP_LIMIT"] = os.environ.get("SIGNUP_IP_LIMIT", "1000")
        return {**env, **extra.get(service, {})}

    def start_services(self, *, database_url_for=None, kafka_bootstrap: str | None = None) -> None:
        """Start each service's API and worker; waits until every API answers /readyz and every worker /healthz (its
        Kafka connection is up)."""
        started = time.monotonic()
        database_url_for = database_url_for or self.postgres.service_dsn
        kafka_bootstrap = kafka_bootstrap or self.config.kafka_bootstrap
        for service in SERVICES:
            package = package_of(service)
            env = self.service_env(service, database_url=database_url_for(service), kafka_bootstrap=kafka_bootstrap)
            port = self.config.service_port(service)
            self.processes[f"{service}-api"] = spawn(
                f"{service}-api",
                api_command(package, port, workers=self.config.api_workers),
                log_dir=self.config.logs_dir,
                env=env,
            )
            self.processes[f"{service}-worker"] = spawn(
                f"{service}-worker",
                [sys.executable, "-m", f"{package}.worker"],
                log_dir=self.config.logs_dir,
                env={**env, "WORKER_HEALTH_PORT": str(self.config.worker_health_port(service))},
            )
        for service in SERVICES:
            for part, url, ok in (
                ("api", f"http://127.0.0.1:{self.config.service_port(service)}/readyz", 200),
                ("worker", f"http://127.0.0.1:{self.config.worker_health_port(service)}/healthz", 200),
            ):
                wait_until(
                    functools.partial(_answers, url, ok),
                    what=f"{service} {part}",
                    timeout=90,
                    log=self.config.logs_dir / f"{service}-{part}.log",
                    proc=self.processes[f"{service}-{part}"],
                )
        self.timings["services"] = time.monotonic() - started

    def start_tools(self) -> None:
        """The SMTP sink (mail readable at its web page) and the fake certifying board."""
        c = self.config
        self.processes["smtp-sink"] = spawn(
            "smtp-sink",
            [
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
            "fake-board", [sys.executable, "-m", "devstack.fake_board", "--port", str(c.board_port)], log_dir=c.logs_dir
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
