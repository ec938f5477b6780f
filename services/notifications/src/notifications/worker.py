"""The notifications worker (`python -m notifications.worker`): consumes events into queued emails, sends them, and
queues claim-window reminders."""

from __future__ import annotations

import functools

from faststream import FastStream

from notifications.config import MIGRATIONS, SERVICE, Settings
from notifications.consumers import HANDLERS
from notifications.reminders import run_reminders
from notifications.sender import run_sender
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    return build_worker(
        service=SERVICE,
        settings=settings,
        handlers=HANDLERS,
        migrations=MIGRATIONS,
        background=[
            functools.partial(run_sender, settings=settings),
            functools.partial(run_reminders, settings=settings),
        ],
    )


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
