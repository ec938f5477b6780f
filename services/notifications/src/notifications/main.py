"""The notifications HTTP process: `uvicorn notifications.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from notifications.api import router
from notifications.config import MIGRATIONS, SERVICE, Settings
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_api(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[router],
        migrations=MIGRATIONS,
        description="The delivery log of every email the portal sends, and resends.",
    )
