"""The credit service's HTTP process: `uvicorn credit.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from credit.api import router
from credit.config import MIGRATIONS, SERVICE, Settings
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_api(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[router],
        migrations=MIGRATIONS,
        description="Claims: eligibility, claim windows, evaluations, credit amounts, transcripts.",
    )
