"""pytest fixtures for real infrastructure.

Endpoints come from the environment when set (OPENCME_TEST_PG_DSN: a superuser DSN; OPENCME_TEST_KAFKA: bootstrap
servers); otherwise the `test` profile's PostgreSQL and Kafka are started by the same code as `./opencme up`.
There is no skipping: a server that cannot be reached or started fails the run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import asyncpg
import pytest
import pytest_asyncio

from devstack.config import StackConfig


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


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    dsn, kafka_bootstrap = os.environ.get("OPENCME_TEST_PG_DSN"), os.environ.get("OPENCME_TEST_KAFKA")
    if dsn and kafka_bootstrap:
        yield Infra(dsn, kafka_bootstrap)
        return
    from devstack.kafka import Kafka, create_topics
    from devstack.postgres import Postgres

    config = StackConfig.for_profile("test")
    pg, kafka = Postgres(config), Kafka(config)
    pg.start()
    try:  # whatever fails from here on, nothing started is left running
        if _port_open(config.kafka_port):
            asyncio.run(create_topics(config.kafka_bootstrap))
        else:
            kafka.start()
        yield Infra(pg.dsn(), config.kafka_bootstrap)
    finally:
        kafka.stop()  # only what this session started
        if os.environ.get("OPENCME_KEEP_INFRA") != "1":
            pg.stop()


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
