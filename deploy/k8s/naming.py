"""Names and sizes that the workloads (workloads.py) and the operators' resources (operators.py) must agree on."""

from __future__ import annotations

from devstack.config import SERVICES as SERVICE_NAMES
from devstack.config import package_of

NAMESPACE = "opencme"
VERSION = "0.1.0"

# Service name -> Python package (the image's `python -m <package>.worker`, the database's name), as devstack runs them.
SERVICES = {service: package_of(service) for service in SERVICE_NAMES}

# Two of each: one may be drained, evicted or rolled while the other serves. Two workers share their service's
# consumer group: every topic has six partitions (contracts' topic registry), so each worker takes three of each, and
# a third replica would take two; organisation.updated alone has one (one organisation, its changes in order), read by
# one worker at a time. One worker holds the outbox relay's advisory lock; the other takes over when it goes.
API_REPLICAS = 2
WORKER_REPLICAS = 2
GATEWAY_REPLICAS = 2
# gunicorn processes per API pod (the image reads WEB_CONCURRENCY): one, so that a pod's requests and limits are one
# process's; scale with replicas.
API_PROCESSES = 1
# asyncpg pool size of each process (the kit's DB_POOL_SIZE default): PostgreSQL's max_connections is sized from it.
DB_POOL_SIZE = 10

# Strimzi's Kafka (its bootstrap Service is <name>-kafka-bootstrap) and CloudNativePG's cluster (<name>-rw is the
# primary's Service).
KAFKA_CLUSTER = "opencme"
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap:9092"
KAFKA_NODES = 3
# As the cluster profile runs it (deploy/kafka/server.properties): a write is on two of three nodes before it is
# acknowledged, so one node may be lost without losing it.
KAFKA_REPLICATION = 3
KAFKA_MIN_INSYNC = 2
PG_CLUSTER = "opencme-pg"
PG_HOST = f"{PG_CLUSTER}-rw:5432"
PG_INSTANCES = 3


def database(service: str) -> str:
    """The service's database and the role that owns it: opencme_board_reporting."""
    return f"opencme_{SERVICES[service]}"


def database_secret(service: str) -> str:
    """The kubernetes.io/basic-auth Secret with the service's database role (username, password): CloudNativePG sets
    the role's password from it and the service's pods connect with it."""
    return f"opencme-db-{service}"


def pg_max_connections() -> int:
    """Every process of every service with a full pool, and room for the operator's own connections and a rolling
    update's surge pod of each API and worker."""
    processes = API_REPLICAS * API_PROCESSES + WORKER_REPLICAS + 2
    return len(SERVICES) * processes * DB_POOL_SIZE + 20
