"""Identity's worker process (`python -m identity.worker`): relays its outbox to Kafka and keeps tables tidy. Identity
consumes no topic, so it has no consumers.py and hands build_worker no handlers."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from faststream import FastStream

from identity.config import MIGRATIONS, SERVICE, Settings
from identity.housekeeping import purge_expired
from opencme_kit import db
from opencme_kit.service import build_worker, run_worker

log = logging.getLogger(__name__)

PURGE_INTERVAL = 3600.0


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()

    async def housekeeping(pool: db.Pool) -> None:
        while True:
            try:
                async with pool.acquire() as conn:
                    log.info("purged %s", await purge_expired(conn, settings))
            except (OSError, asyncpg.PostgresError):
                log.warning("housekeeping failed; next try in an hour", exc_info=True)
            await asyncio.sleep(PURGE_INTERVAL)

    return build_worker(service=SERVICE, settings=settings, migrations=MIGRATIONS, background=[housekeeping])


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
