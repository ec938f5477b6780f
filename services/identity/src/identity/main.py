"""Identity's HTTP process: `uvicorn identity.main:create_app --factory`."""

from __future__ import annotations

import functools

from fastapi import FastAPI

from identity.api import router
from identity.config import MIGRATIONS, SERVICE, Settings
from identity.kit.service import build_api
from identity.service import bootstrap_admin


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_api(service=SERVICE, settings=settings, routers=[router], migrations=MIGRATIONS,
                    description="Accounts, profiles, emails, sign-in, password reset and roles; signs access tokens.",
                    startup=[functools.partial(bootstrap_admin, settings=settings)])
    return app
