"""pytest fixtures for real infrastructure.

Endpoints come from the environment when set (OPENCME_TEST_PG_DSN: a superuser DSN; OPENCME_TEST_KAFKA: bootstrap
servers); otherwise the `test` profile's PostgreSQL and Kafka are started once for the run (before the first test,
by the same code as `./opencme up`, in pytest-xdist's controller when tests run in parallel) and stopped after it.
There is no skipping: a server that cannot be reached or started fails the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from devstack.config import REPO_ROOT, StackConfig

# The fault-injection suite (tests/chaos) writes one JSON line per scenario here; the session's summary prints them as
# a table, so that the figures reach CI's log whichever pytest-xdist worker ran the scenarios.
CHAOS_LEDGER_TABLE = REPO_ROOT / ".local" / "chaos-ledger.jsonl"
_CHAOS_COLUMNS = (
    ("fault", "fault", 46),
    ("claims", "claims", 6),
    ("certificates", "certs", 6),
    ("events", "events", 6),
    ("emails", "emails", 6),
    ("reports", "reports", 9),
    ("lost", "lost", 5),
    ("duplicated", "dup", 5),
    ("drain_seconds", "drain s", 8),
    ("retried_claims", "retried", 7),
    ("reports_resent", "resent", 6),
)


@dataclass(frozen=True)
class Infra:
    admin_dsn: str
    kafka_bootstrap: str

    def dsn_for(self, database: str) -> str:
        base, _, _ = self.admin_dsn.rpartition("/")
        return f"{base}/{database}"


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# The xdist group of every test that joins the services' own Kafka consumer groups (see pytest_collection_modifyitems).
SERVICE_CONSUMER_GROUPS = "service-consumer-groups"

_STARTED: list[tuple[str, Any]] = []  # (kind, server) this run started, stopped when it ends


def pytest_configure(config: pytest.Config) -> None:
    """Start the `test` profile's PostgreSQL and Kafka once per run, before any test, unless the environment names
    servers already. With pytest-xdist this runs in the controller only, and the workers inherit the endpoints."""
    # pytest-xdist declares it when it runs; declared here too so that `-p no:xdist` runs the same tests.
    config.addinivalue_line("markers", "xdist_group(name): keep these tests on one pytest-xdist worker")
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    if os.environ.get("OPENCME_TEST_PG_DSN") and os.environ.get("OPENCME_TEST_KAFKA"):
        return
    if config.args and all(_in_chaos_suite(arg) for arg in config.args):
        return  # the fault-injection suite starts a whole stack of its own (tests/chaos/conftest.py)
    from devstack.kafka import Kafka, create_topics
    from devstack.postgres import Postgres

    stack = StackConfig.for_profile("test")
    pg, kafka = Postgres(stack), Kafka(stack)
    pg.start()
    _STARTED.append(("postgres", pg))
    try:
        if _port_open(stack.kafka_port):  # a Kafka left running by `devstack infra`: use it
            asyncio.run(create_topics(stack.kafka_bootstrap))
        else:
            kafka.start()
            _STARTED.append(("kafka", kafka))
    except BaseException:
        pytest_unconfigure(config)
        raise
    os.environ["OPENCME_TEST_PG_DSN"] = pg.dsn()
    os.environ["OPENCME_TEST_KAFKA"] = stack.kafka_bootstrap


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        CHAOS_LEDGER_TABLE.unlink(missing_ok=True)  # only this session's scenarios in its table


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault-injection table: per scenario the claims of its surge, the certificates, certificate.issued events,
    emails and board reports counted, what was lost or duplicated, and the seconds to drain after the fault ended."""
    if not CHAOS_LEDGER_TABLE.exists():
        return
    rows = [json.loads(line) for line in CHAOS_LEDGER_TABLE.read_text().splitlines() if line.strip()]
    terminalreporter.section("fault injection: the ledger after each surge")
    fault, *figures = _CHAOS_COLUMNS
    terminalreporter.write_line(" ".join([f"{fault[1]:{fault[2]}}", *(f"{t:>{w}}" for _, t, w in figures)]))
    for row in rows:
        cells = [f"{row[fault[0]]:{fault[2]}}", *(f"{row[key]!s:>{w}}" for key, _, w in figures)]
        terminalreporter.write_line(" ".join(cells))


def _in_chaos_suite(arg: str) -> bool:
    return (REPO_ROOT / arg.split("::")[0]).resolve().is_relative_to(REPO_ROOT / "tests" / "chaos")


def pytest_unconfigure(config: pytest.Config) -> None:
    keep_postgres = os.environ.get("OPENCME_KEEP_INFRA") == "1"
    while _STARTED:
        kind, server = _STARTED.pop()
        if not (kind == "postgres" and keep_postgres):
            server.stop()


@pytest.fixture(scope="session")
def infra() -> Infra:
    dsn, kafka_bootstrap = os.environ.get("OPENCME_TEST_PG_DSN"), os.environ.get("OPENCME_TEST_KAFKA")
    if not (dsn and kafka_bootstrap):  # never a skip: a missing server fails the run
        raise RuntimeError("no test servers: pytest_configure starts them, or set OPENCME_TEST_PG_DSN/_KAFKA")
    return Infra(dsn, kafka_bootstrap)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def make_database(infra: Infra) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """`await make_database("credit")` -> DSN of a new, empty database just for this test session."""
    created: list[str] = []

    async def factory(prefix: str) -> str:
        name = f"t_{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(infra.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        created.append(name)
        return infra.dsn_for(name)

    yield factory

    conn = await asyncpg.connect(infra.admin_dsn)
    try:
        for name in created:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the marker to group the tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """For pytest-xdist's --dist loadgroup: a module's tests stay on one worker (its module-scoped apps and databases
    start once), and every test of the whole stack (tests/e2e, which starts it on fixed ports) on the same one.

    A module that names its group itself keeps it. Those that run a service's real worker against the shared Kafka
    name SERVICE_CONSUMER_GROUPS: the worker joins the service's own consumer groups (`<service>.<topic>`), as the whole
    stack's workers do, and two members of one group split its partitions, each then missing the other's events."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = SERVICE_CONSUMER_GROUPS if item.nodeid.startswith("tests/e2e/") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
