"""The catalog's worker process (`python -m catalog.worker`): relays its outbox to Kafka.

The catalog consumes nothing yet; `email.verified` and `account.merged` will move registrations between accounts.
"""

from __future__ import annotations

import asyncio

from faststream import FastStream

from catalog.config import MIGRATIONS, SERVICE, Settings
from catalog.kit.messaging import create_broker
from catalog.kit.service import build_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)
    return build_worker(service=SERVICE, settings=settings, broker=broker, consumer=None, migrations=MIGRATIONS)


if __name__ == "__main__":
    asyncio.run(create_worker().run())
