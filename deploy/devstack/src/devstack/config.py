"""Where the stack lives and which ports it uses.

Three profiles so that the test suite never collides with a stack a developer has running: `dev` (./opencme up),
`test` (./opencme test) and `chaos` (the fault-injection suite, tests/chaos: a whole stack of its own, whose
PostgreSQL and processes it kills). Everything is bound to 127.0.0.1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]

SERVICES: tuple[str, ...] = ("identity", "catalog", "credit", "certificates", "board-reporting", "notifications")


def package_of(service: str) -> str:
    return service.replace("-", "_")


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the whole machine's count)."""
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class StackConfig:
    profile: str
    state_dir: Path
    pg_port: int
    kafka_port: int
    kafka_controller_port: int
    gateway_port: int
    service_base_port: int
    smtp_port: int
    smtp_http_port: int
    board_port: int
    # Processes per service API (gunicorn workers): one per core in `up` (a surge of claims uses the machine), one in
    # the test profile (the tests share the cores with everything else). OPENCME_API_WORKERS overrides both.
    api_workers: int = 1

    @classmethod
    def for_profile(cls, profile: str) -> StackConfig:
        # OPENCME_PORT_OFFSET moves a whole profile, e.g. to run a second checkout's tests beside this one's.
        offset = {"dev": 0, "test": 1000, "chaos": 4000}[profile] + int(os.environ.get("OPENCME_PORT_OFFSET", "0"))
        # Absolute: nginx, PostgreSQL and Kafka read these paths relative to directories of their own.
        state = Path(os.environ.get("OPENCME_STATE_DIR", REPO_ROOT / ".local" / profile)).resolve()
        return cls(
            profile=profile,
            state_dir=state,
            pg_port=55432 + offset,
            kafka_port=19092 + offset,
            kafka_controller_port=19093 + offset,
            gateway_port=8080 + offset,
            service_base_port=8101 + offset,
            smtp_port=2525 + offset,
            smtp_http_port=8125 + offset,
            board_port=8126 + offset,
            api_workers=int(os.environ.get("OPENCME_API_WORKERS", 0)) or (_cores() if profile == "dev" else 1),
        )

    def service_port(self, service: str) -> int:
        return self.service_base_port + SERVICES.index(service)

    def worker_health_port(self, service: str) -> int:
        """Where a service's worker answers GET /healthz (8111-8116 in the dev profile)."""
        return self.service_base_port + 10 + SERVICES.index(service)

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.service_port('identity')}/.well-known/jwks.json"
