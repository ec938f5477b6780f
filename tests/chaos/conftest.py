"""The fault-injection suite's own stack: PostgreSQL, Kafka, the six services, the gateway, the SMTP sink and the fake
board of devstack's `chaos` profile (its own ports and state folder, .local/chaos), started once per session by the
same code as `./opencme up`. Its faults (kill -9, PostgreSQL stopped) never reach the servers the other tests share.

The surge, the ledger and the scenario's shape are tests/surge's, shared with the cluster suite."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
import pytest_asyncio
from scenario import open_world

from devstack.config import StackConfig
from devstack.stack import Stack

CHAOS = StackConfig.for_profile("chaos")

# Claims per surge (one per learner, every learner claims in every scenario). 100 keeps the whole suite near seven
# minutes on CI's two cores, after the main suite; OPENCME_CHAOS_CLAIMS=2000 is the surge, for a machine with
# the cores for it (the cluster suite, tests/cluster, runs it).
CLAIMS = int(os.environ.get("OPENCME_CHAOS_CLAIMS", "100"))

# Short leases and retry waits, so that what a fault interrupted is taken up again within a CI run rather than after
# the production defaults (a certificate's lease 120 s, a board call's 5 min, retries from 30 s / 5 s doubling).
# A mail's lease stays 15 s: notifications refuses to start with less than five SMTP timeouts.
SERVICE_OVERRIDES = {
    "certificates": {"ISSUE_LEASE_SECONDS": "10"},
    "board-reporting": {
        "BOARD_TIMEOUT": "5",
        "SUBMISSION_LEASE_SECONDS": "10",
        "RETRY_BASE_SECONDS": "1",
        "RETRY_CAP_SECONDS": "8",
    },
    "notifications": {
        "SMTP_TIMEOUT": "3",
        "CLAIM_LEASE_SECONDS": "15",
        "RETRY_BASE_SECONDS": "1",
        "RETRY_CAP_SECONDS": "8",
    },
}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def chaos_stack():
    if busy := [p for p in (CHAOS.gateway_port, CHAOS.pg_port, CHAOS.kafka_port) if _listening(p)]:
        raise RuntimeError(f"the chaos profile's ports {busy} are taken: another chaos session runs (or was left)")
    stack = Stack(CHAOS, service_overrides=SERVICE_OVERRIDES)
    # A fresh cluster and broker every session: the ledger counts consumer lag and dead letters from zero.
    for folder in {CHAOS.state_dir, stack.postgres.home}:
        shutil.rmtree(folder, ignore_errors=True)
    CHAOS.state_dir.mkdir(parents=True)
    try:
        stack.start_infra()
        stack.start_tools()
        stack.start_services()
        stack.start_gateway()
        yield stack
    finally:
        stack.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(chaos_stack: Stack):
    async with open_world(chaos_stack, learners=CLAIMS, suite="chaos") as world:
        yield world
