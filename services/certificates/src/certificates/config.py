from __future__ import annotations

from pydantic import Field

from opencme_kit import merges
from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings

SERVICE = "certificates"
MIGRATIONS = (merges.SCHEMA, Migrations.of("certificates"))  # the kit's merged_accounts first, then our own


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_certificates"
    # The portal's public address: certificates print (and encode in their QR code) its page <this>/verify/<code>.
    # Bounded so that the link prints on one line across the certificate's footer.
    public_base_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://[^\s/]+(/\S*)?$", max_length=100)
    provider_address: str | None = None
    # The transcript shows the provider named on the learner's newest certificate; this one when they have none yet.
    provider_name: str = "OpenCME"
    # How long a claim taken by an issuer stays its own: after a worker dies (or the database goes away mid-issue) the
    # claim is issued again once this runs out. Far above one render; short in the fault-injection suite.
    issue_lease_seconds: float = Field(default=120.0, gt=0)
