from __future__ import annotations

from opencme_kit import merges
from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings

SERVICE = "catalog"
MIGRATIONS = (merges.SCHEMA, Migrations.of("catalog"))  # the kit's merged_accounts first, then our own


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_catalog"
    provider_name: str = "OpenCME Demo Health System"
