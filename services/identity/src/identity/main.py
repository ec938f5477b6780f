"""Identity's HTTP process: `uvicorn identity.main:create_app --factory`."""

from __future__ import annotations

import functools

from fastapi import FastAPI

from identity import api, staff_api
from identity.config import MIGRATIONS, SERVICE, Settings
from identity.service import bootstrap_admin
from identity.tokens import DatabaseKeyVerifier
from opencme_kit import db
from opencme_kit.service import build_api


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def verify_with_own_keys(pool: db.Pool) -> None:
        # Identity reads its public keys from its own table rather than over HTTP from itself (JWKS_URL).
        app.state.verifier = DatabaseKeyVerifier(pool)

    app = build_api(
        service=SERVICE,
        settings=settings,
        routers=[api.router, staff_api.router],
        migrations=MIGRATIONS,
        description="Accounts, profiles, emails, sign-in sessions, password reset, roles and the help "
        "desk's tools; signs access tokens (ES256, keys at /.well-known/jwks.json).",
        startup=[functools.partial(bootstrap_admin, settings=settings), verify_with_own_keys],
    )
    return app
