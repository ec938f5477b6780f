"""The catalog's HTTP process: `uvicorn catalog.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from catalog.api import router
from catalog.config import MIGRATIONS, SERVICE, Settings
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_api(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[router],
        migrations=MIGRATIONS,
        description="Activities, sessions, fees, capacity, registrations, event codes, attendance.",
    )
