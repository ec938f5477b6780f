"""Identity's worker process (`python -m identity.worker`): relays its outbox to Kafka."""

from __future__ import annotations

import asyncio

from faststream import FastStream

from identity.config import MIGRATIONS, SERVICE, Settings
from identity.kit.messaging import create_broker
from identity.kit.service import build_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)
    return build_worker(service=SERVICE, settings=settings, broker=broker, consumer=None, migrations=MIGRATIONS)


if __name__ == "__main__":
    asyncio.run(create_worker().run())
