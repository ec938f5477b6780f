from __future__ import annotations

from opencme_kit import merges
from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings

SERVICE = "certificates"
MIGRATIONS = (merges.SCHEMA, Migrations.of("certificates"))  # the kit's merged_accounts first, then our own


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_certificates"
    # Printed on certificates and encoded in their QR code: the public verification page.
    public_base_url: str = "http://127.0.0.1:8080"
    provider_address: str | None = None
    # The transcript shows the provider named on the learner's newest certificate; this one when they have none yet.
    provider_name: str = "OpenCME"
