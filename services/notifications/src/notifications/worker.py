"""The notifications worker (`python -m notifications.worker`): consumes events into queued emails, sends them, and
queues claim-window reminders."""

from __future__ import annotations

import functools

from faststream import FastStream

from notifications.config import MIGRATIONS, SERVICE, Settings
from notifications.consumers import create_consumer
from notifications.reminders import run_reminders
from notifications.sender import run_sender
from opencme_kit.messaging import create_broker
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)
    background = [functools.partial(run_sender, settings=settings), functools.partial(run_reminders, settings=settings)]
    return build_worker(
        service=SERVICE,
        settings=settings,
        broker=broker,
        consumer=create_consumer(broker, settings),
        migrations=MIGRATIONS,
        background=background,
    )


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
