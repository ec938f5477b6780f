"""The cluster profile, started once for this suite: three Kafka nodes (replication factor 3, min.insync.replicas 2)
and two replicas of every API and worker behind the gateway, each its own process, on PostgreSQL of its own.

Heavy for a 2-core machine (three JVMs and 24 service processes), so not part of `./opencme test`'s default run:
`./opencme test tests/cluster` runs it (OPENCME_CLUSTER_SURGE sets the claims per surge, 2000 by default). The surges,
their ledger and its table are tests/surge's, shared with the fault-injection suite.
"""

from __future__ import annotations

import dataclasses
import os
import shutil

import pytest
import pytest_asyncio
from scenario import open_world

from devstack import portal
from devstack.config import StackConfig
from devstack.stack import Stack

SURGE = int(os.environ.get("OPENCME_CLUSTER_SURGE", "2000"))


@pytest.fixture(scope="session")
def cluster():
    config = StackConfig.for_profile("cluster")
    config = dataclasses.replace(config, state_dir=config.state_dir.parent / "cluster-tests")
    stack = Stack(config)
    for folder in {config.state_dir, stack.postgres.home}:  # a fresh cluster: no earlier run's topics or rows
        shutil.rmtree(folder, ignore_errors=True)
    portal.ensure_built()
    try:
        stack.start_infra()
        stack.start_tools()
        stack.start_services()
        stack.start_gateway()
        yield stack
    finally:
        stack.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(cluster: Stack):
    """Staff and SURGE learners (every other one opted in to ABIM reporting), and the ledger."""
    async with open_world(cluster, learners=SURGE, suite="cluster") as world:
        yield world
