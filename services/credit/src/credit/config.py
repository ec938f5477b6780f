from __future__ import annotations

from pathlib import Path

from credit.kit.service import KitSettings

SERVICE = "credit"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_credit"
