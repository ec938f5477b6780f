"""Every service as its own process, started by devstack exactly as `./opencme up` starts them, behind nginx."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from devstack import portal
from devstack.config import SERVICES, StackConfig, package_of
from devstack.stack import Stack


@pytest.fixture(scope="session")
def databases(infra):
    """Fresh databases for this run, one per service (service -> DSN), so no journey sees an earlier run's data."""
    suffix = uuid.uuid4().hex[:8]
    names = {s: f"e2e_{package_of(s)}_{suffix}" for s in SERVICES}

    async def create(drop: bool = False) -> None:
        conn = await asyncpg.connect(infra.admin_dsn)
        try:
            for name in names.values():
                await conn.execute(
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"'
                )
        finally:
            await conn.close()

    asyncio.run(create())
    try:
        yield {service: infra.dsn_for(name) for service, name in names.items()}
    finally:
        asyncio.run(create(drop=True))


@pytest.fixture(scope="session")
def stack(infra, databases):
    portal.ensure_built()  # the gateway serves the portal: the browser journeys and the gateway's own tests need it
    stack = Stack(StackConfig.for_profile("test"))
    try:
        stack.start_tools()
        stack.start_services(database_url_for=databases.__getitem__, kafka_bootstrap=infra.kafka_bootstrap)
        stack.start_gateway()
        yield stack
    finally:
        stack.stop(infra=False)
