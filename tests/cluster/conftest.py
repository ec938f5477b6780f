"""The cluster profile, started once for this suite: three Kafka nodes (replication factor 3, min.insync.replicas 2)
and two replicas of every API and worker behind the gateway, each its own process, on PostgreSQL of its own.

Heavy for a 2-core machine (three JVMs and 24 service processes), so not part of `./opencme test`'s default run:
`./opencme test tests/cluster` runs it (OPENCME_CLUSTER_SURGE sets the claims per surge, 2000 by default).
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from devstack import portal
from devstack.config import StackConfig
from devstack.stack import Stack


@pytest.fixture(scope="session")
def cluster():
    config = StackConfig.for_profile("cluster")
    config = dataclasses.replace(config, state_dir=config.state_dir.parent / "cluster-tests")
    shutil.rmtree(config.state_dir, ignore_errors=True)  # a fresh cluster: no earlier run's topics or rows
    portal.ensure_built()
    stack = Stack(config)
    try:
        stack.start_infra()
        stack.start_tools()
        stack.start_services()
        stack.start_gateway()
        yield stack
    finally:
        stack.stop()


# Lines for the end of the run (the figures the issue asks for: per-replica shares, the ledger of each surge).
_REPORT: list[str] = []


@pytest.fixture(scope="session")
def report():
    """report(line): printed in the run's summary, so that the figures reach the log without -s."""
    return _REPORT.append


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORT:
        terminalreporter.section("cluster profile: figures")
        for line in _REPORT:
            terminalreporter.write_line(line)
