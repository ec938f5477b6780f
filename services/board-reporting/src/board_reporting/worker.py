"""The board-reporting worker (`python -m board_reporting.worker`): consumes claims, revocations, profiles and account
merges, submits due reports to the boards, and relays its outbox to Kafka."""

from __future__ import annotations

import asyncpg
from faststream import FastStream

from board_reporting import service
from board_reporting.config import MIGRATIONS, SERVICE, Settings
from board_reporting.consumers import build_consumer
from opencme_kit.messaging import create_broker
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)

    async def submit_loop(pool: asyncpg.Pool) -> None:
        await service.submit_loop(pool, settings=settings)

    return build_worker(
        service=SERVICE,
        settings=settings,
        broker=broker,
        consumer=build_consumer(broker),
        migrations=MIGRATIONS,
        background=[submit_loop],
    )


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
