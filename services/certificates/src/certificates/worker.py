"""The certificates worker (`python -m certificates.worker`): issues certificates for claims; relays its outbox."""

from __future__ import annotations

from faststream import FastStream

from certificates.config import MIGRATIONS, SERVICE, Settings
from certificates.consumers import register_consumers
from opencme_kit.messaging import create_broker
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)
    consumer = register_consumers(broker, settings)
    return build_worker(service=SERVICE, settings=settings, broker=broker, consumer=consumer, migrations=MIGRATIONS)


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
