"""The certificates worker (`python -m certificates.worker`): its inbox consumers, the issuer that renders and stores
the queued claims' certificates (issuing.py, with a render process per core), the transcripts rendered ahead
(transcripts_ahead.py) and its outbox relay."""

from __future__ import annotations

from faststream import FastStream

from certificates import issuing, transcripts_ahead
from certificates.config import MIGRATIONS, SERVICE, Settings
from certificates.consumers import HANDLERS
from opencme_kit.service import build_worker, run_worker


def create_worker(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    return build_worker(
        service=SERVICE,
        settings=settings,
        handlers=HANDLERS,
        migrations=MIGRATIONS,
        background=[issuing.run_issuer(settings), transcripts_ahead.run_ahead_renderer(settings)],
    )


if __name__ == "__main__":
    settings = Settings()
    run_worker(create_worker(settings), settings)
