"""Where the stack lives and which ports it uses.

Profiles, so that the test suite never collides with a stack a developer has running: `dev` (./opencme up), `test`
(./opencme test), `chaos` (the fault-injection suite, tests/chaos: a whole stack of its own, whose PostgreSQL and
processes it kills) and `cluster` (./opencme up --profile cluster): the scale-out set-up on one box, the way it runs on
many machines — three Kafka nodes (each broker and controller, replication factor 3, min.insync.replicas 2) and
REPLICAS copies of every service's API (behind the gateway's upstreams) and worker (one consumer group). Everything is
bound to 127.0.0.1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]

# Ports of a service's further replicas: 30 on from the first's, clear of the SMTP sink's and the fake board's.
REPLICA_STRIDE = 30
# Linux's first ephemeral port (net.ipv4.ip_local_port_range). A server port above it can be taken, for a moment, as
# the local end of any outgoing connection: the chaos suite's PostgreSQL once failed to start on 59432 ("Address
# already in use") right after the main suite's thousands of connections. Every port of every profile stays below it.
EPHEMERAL_FROM = 32768
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
    # the test and cluster profiles (the tests share the cores with everything else; the cluster has replicas).
    # OPENCME_API_WORKERS overrides them.
    api_workers: int = 1
    # Kafka nodes (each a broker and a controller): 1, or 3 in the cluster profile.
    kafka_nodes: int = 1
    # Copies of each service's API and worker: 1, or OPENCME_REPLICAS (default 2) in the cluster profile.
    replicas: int = 1

    @classmethod
    def for_profile(cls, profile: str) -> StackConfig:
        # OPENCME_PORT_OFFSET moves a whole profile, e.g. to run a second checkout's tests beside this one's.
        offsets = {"dev": 0, "test": 1000, "cluster": 3000, "chaos": 4000}
        offset = offsets[profile] + int(os.environ.get("OPENCME_PORT_OFFSET", "0"))
        cluster = profile == "cluster"
        # Absolute: nginx, PostgreSQL and Kafka read these paths relative to directories of their own.
        state = Path(os.environ.get("OPENCME_STATE_DIR", REPO_ROOT / ".local" / profile)).resolve()
        return cls(
            profile=profile,
            state_dir=state,
            pg_port=25432 + offset,  # every port below Linux's ephemeral range (32768-60999): see EPHEMERAL_FROM
            kafka_port=19092 + offset,
            kafka_controller_port=19093 + offset,
            gateway_port=8080 + offset,
            service_base_port=8101 + offset,
            smtp_port=2525 + offset,
            smtp_http_port=8125 + offset,
            board_port=8126 + offset,
            api_workers=int(os.environ.get("OPENCME_API_WORKERS", 0)) or (_cores() if profile == "dev" else 1),
            kafka_nodes=3 if cluster else 1,
            replicas=int(os.environ.get("OPENCME_REPLICAS", "2")) if cluster else 1,
        )

    def service_port(self, service: str, replica: int = 0) -> int:
        """Where a service's API listens: 8101-8106 in the dev profile; further replicas 30 ports on each."""
        return self.service_base_port + REPLICA_STRIDE * replica + SERVICES.index(service)

    def worker_health_port(self, service: str, replica: int = 0) -> int:
        """Where a service's worker answers GET /healthz (8111-8116 in the dev profile; replicas as service_port)."""
        return self.service_base_port + REPLICA_STRIDE * replica + 10 + SERVICES.index(service)

    def kafka_node_ports(self, node: int) -> tuple[int, int]:
        """The broker and controller ports of Kafka node `node` (0-based): 10 apart from one node to the next."""
        return self.kafka_port + 10 * node, self.kafka_controller_port + 10 * node

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def kafka_bootstrap(self) -> str:
        """Every node's broker, so that clients start even with one node down."""
        return ",".join(f"127.0.0.1:{self.kafka_node_ports(n)[0]}" for n in range(self.kafka_nodes))

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.service_port('identity')}/.well-known/jwks.json"
