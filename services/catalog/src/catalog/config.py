from __future__ import annotations

from pathlib import Path

from catalog.kit.service import KitSettings

SERVICE = "catalog"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_catalog"
    provider_name: str = "OpenCME Demo Health System"
