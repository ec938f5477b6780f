"""The board-reporting worker (`python -m board_reporting.worker`): consumes claims, revocations, profiles and account
merges, submits due reports to the boards, and relays its outbox to Kafka."""

from __future__ import annotations

from faststream import FastStream

from board_reporting import submission
from board_reporting.config import MIGRATIONS, SERVICE, Settings
from board_reporting.consumers import HANDLERS
from opencme_kit import db
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()

    async def submit_loop(pool: db.Pool) -> None:
        await submission.submit_loop(pool, settings=settings)

    return build_worker(
        service=SERVICE,
        settings=settings,
        handlers=HANDLERS,
        migrations=MIGRATIONS,
        background=[submit_loop],
    )


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
