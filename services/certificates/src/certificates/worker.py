"""The certificates worker (`python -m certificates.worker`): issues certificates for claims; relays its outbox."""

from __future__ import annotations

from faststream import FastStream

from certificates.config import MIGRATIONS, SERVICE, Settings
from certificates.consumers import HANDLERS
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    return build_worker(service=SERVICE, settings=settings or Settings(), handlers=HANDLERS, migrations=MIGRATIONS)


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
