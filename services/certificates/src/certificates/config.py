from __future__ import annotations

from pathlib import Path

from certificates.kit.service import KitSettings

SERVICE = "certificates"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_certificates"
    # Printed on certificates and encoded in their QR code: the public verification page.
    public_base_url: str = "http://127.0.0.1:8080"
    provider_address: str | None = None
    # The transcript shows the provider named on the learner's newest certificate; this one when they have none yet.
    provider_name: str = "OpenCME"
