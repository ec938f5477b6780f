from __future__ import annotations

from pathlib import Path

from identity.kit.service import KitSettings

SERVICE = "identity"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_identity"
    portal_url: str = "http://127.0.0.1:8080"
    access_token_minutes: int = 15
    reset_token_minutes: int = 30
    verify_token_hours: int = 48
    # The first admin comes from configuration; created at start-up when no account has this email.
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
