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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from devstack.config import REPO_ROOT, StackConfig

# The surge suites (tests/chaos, tests/cluster) write one JSON line per scenario (its ledger) and per figure to this
# session's report file; the session's summary prints them, so that they reach CI's log whichever pytest-xdist worker
# ran the scenarios. The controller names the file (one per session: two sessions of one checkout keep their own) and
# its workers inherit the name.
_REPORT_FILE = "OPENCME_SURGE_REPORT"
_LEDGER_COLUMNS = (
    ("fault", "fault", 0),  # as wide as the longest
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


def _report() -> Path:
    return Path(os.environ.get(_REPORT_FILE) or REPO_ROOT / ".local" / "surge-report.jsonl")


def _append_to_report(entry: Mapping[str, object]) -> None:
    path = _report()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as report:
        report.write(json.dumps(entry) + "\n")


def report_ledger_row(row: Mapping[str, object]) -> None:
    """A row of the ledger table printed at the end of the session (keys: _LEDGER_COLUMNS')."""
    _append_to_report({"ledger": dict(row)})


def report_figure(line: str) -> None:
    """A line printed under "figures" at the end of the session (a replica's share, the time a phase took)."""
    _append_to_report({"figure": line})


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
    os.environ[_REPORT_FILE] = str(REPO_ROOT / ".local" / f"surge-report-{os.getpid()}.jsonl")
    if os.environ.get("OPENCME_TEST_PG_DSN") and os.environ.get("OPENCME_TEST_KAFKA"):
        return
    if config.args and all(_starts_its_own_stack(arg) for arg in config.args):
        return  # the fault-injection and cluster suites start a whole stack of their own (their conftest.py)
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The surge suites' report: per scenario the claims of its surge, the certificates, certificate.issued events,
    emails and board reports counted, what was lost or duplicated, and the seconds to drain after the fault ended;
    then their figures."""
    if not _report().exists():
        return
    entries = [json.loads(line) for line in _report().read_text().splitlines() if line.strip()]
    rows = [entry["ledger"] for entry in entries if "ledger" in entry]
    figures = [entry["figure"] for entry in entries if "figure" in entry]
    if rows:
        terminalreporter.section("surges under faults: the ledger after each")
        (fault, title, _), *counts = _LEDGER_COLUMNS
        width = max(len(title), *(len(row[fault]) for row in rows))
        terminalreporter.write_line(" ".join([f"{title:{width}}", *(f"{t:>{w}}" for _, t, w in counts)]))
        for row in rows:
            cells = [f"{row[fault]:{width}}", *(f"{row[key]!s:>{w}}" for key, _, w in counts)]
            terminalreporter.write_line(" ".join(cells))
    if figures:
        terminalreporter.section("surges under faults: figures")
        for line in figures:
            terminalreporter.write_line(line)


def _starts_its_own_stack(arg: str) -> bool:
    path = (REPO_ROOT / arg.split("::")[0]).resolve()
    return any(path.is_relative_to(REPO_ROOT / "tests" / suite) for suite in ("chaos", "cluster"))


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        _report().unlink(missing_ok=True)
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
