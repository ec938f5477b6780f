"""The fault-injection suite's own stack: PostgreSQL, Kafka, the six services, the gateway, the SMTP sink and the fake
board of devstack's `chaos` profile (its own ports and state folder, .local/chaos), started once per session by the
same code as `./opencme up`. Its faults (kill -9, PostgreSQL stopped) never reach the servers the other tests share."""

from __future__ import annotations

import shutil
import socket
import uuid

import httpx
import pytest
import pytest_asyncio
from chaos_ledger import Ledger
from chaos_surge import make_learners, make_staff
from chaos_world import CHAOS, CLAIMS, SERVICE_OVERRIDES, World

from devstack.stack import Stack


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
    c = chaos_stack.config
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=c.gateway_url, timeout=60, limits=limits) as client:
        run = uuid.uuid4().hex[:6]
        staff = await make_staff(client, run)
        learners = await make_learners(client, CLAIMS, run)
        ledger = Ledger(
            dsn_for=chaos_stack.postgres.service_dsn,
            bootstrap=c.kafka_bootstrap,
            sink_url=f"http://127.0.0.1:{c.smtp_http_port}",
            board_url=f"http://127.0.0.1:{c.board_port}",
        )
        await ledger.start()
        try:
            yield World(chaos_stack, client, staff, learners, ledger)
        finally:
            await ledger.close()
