"""The board-reporting HTTP process: `uvicorn board_reporting.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from board_reporting.api import router
from board_reporting.config import MIGRATIONS, SERVICE, Settings
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_api(
        service=SERVICE,
        settings=settings or Settings(),
        routers=[router],
        migrations=MIGRATIONS,
        description="Reports learners' MOC completions to certifying boards and tracks each report.",
    )
