"""The certificates service's HTTP process: `uvicorn certificates.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from certificates.api import router
from certificates.config import MIGRATIONS, SERVICE, Settings
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_api(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[router],
        migrations=MIGRATIONS,
        description="Frozen PDF certificates and public verification.",
    )
