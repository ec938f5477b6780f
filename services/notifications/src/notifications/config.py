from __future__ import annotations

from pydantic import Field, model_validator

from notifications.compose import DEFAULT_BRAND_COLOUR, Organisation
from opencme_kit import merges
from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings, Niceness

SERVICE = "notifications"
MIGRATIONS = (merges.SCHEMA, Migrations.of("notifications"))  # the kit's merged_accounts first, then our own


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_starttls: bool = False  # True: STARTTLS is required (never falls back to plain text)
    smtp_implicit_tls: bool = False  # True: TLS from the first byte (submissions port 465)
    smtp_ca_file: str | None = None  # PEM bundle to trust instead of the system's (a private CA); certs are verified
    smtp_username: str | None = None  # AUTH when set
    smtp_password: str | None = None
    smtp_timeout: float = 30.0  # seconds per SMTP command
    # How long a connection is kept open after a round for the next one (a burst reuses it; 0: closed after each round)
    smtp_keepalive_seconds: float = Field(default=10.0, ge=0)
    mail_from: str = "no-reply@opencme.local"  # From: address and SMTP envelope sender
    # Mail can wait a minute: in a surge that shares the cores, the certificates it announces are made first.
    worker_niceness: Niceness = 19

    # The organisation in every email until identity's first organisation.updated arrives (organisation.py).
    org_name: str = "OpenCME Demo Health System"
    org_address: str = "1 Main Street\nSpringfield, MA 01101"
    org_phone: str = "+1 555 010 0100"
    org_support_email: str = "cme-support@example.org"
    org_brand_colour: str = Field(default=DEFAULT_BRAND_COLOUR, pattern=r"^#[0-9a-fA-F]{6}$")
    portal_url: str = "http://127.0.0.1:8080"
    # Dates and times in emails (registration confirmations) are shown in the organisation's time zone.
    timezone: str = "UTC"

    # How often an idle sender looks at the queue without being told: a new message wakes it at once (LISTEN/NOTIFY)
    # and a retry at its own time; this only covers a notice nobody has seen.
    send_interval: float = 60.0
    send_batch_size: int = 50  # messages claimed per round, sent over one SMTP connection
    claim_lease_seconds: float = 300.0  # a claimed message another sender may take over after a crash
    retry_base_seconds: float = 5.0  # first retry after a transient failure; doubles per attempt ...
    retry_cap_seconds: float = 300.0  # ... up to this, for as long as the failure stays transient
    # Nothing gives up on a transient failure; past this many attempts each further failure is logged as an error.
    alert_after_attempts: int = 12

    # Claim-window reminders: queued when a learner's window closes within this many days (and they have not
    # claimed); the worker looks for them this often.
    claim_reminder_days: int = Field(default=7, ge=0)
    reminder_interval: float = Field(default=3600.0, gt=0)

    @model_validator(mode="after")
    def _lease_outlasts_a_slow_send(self) -> Settings:
        # A round stops taking messages from its batch 4 command timeouts before the lease ends (see sender.py).
        if self.claim_lease_seconds < 5 * self.smtp_timeout:
            raise ValueError("claim_lease_seconds must be at least 5 x smtp_timeout")
        if self.smtp_starttls and self.smtp_implicit_tls:
            raise ValueError("smtp_starttls and smtp_implicit_tls exclude each other: choose one")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("smtp_username and smtp_password go together")
        return self

    @property
    def default_organisation(self) -> Organisation:
        """The organisation as configured; emails show identity's published one once it has arrived
        (organisation.current)."""
        return Organisation(
            name=self.org_name,
            address=self.org_address,
            phone=self.org_phone,
            support_email=self.org_support_email,
            portal_url=self.portal_url.rstrip("/"),
            brand_colour=self.org_brand_colour,
        )

    @property
    def message_id_domain(self) -> str:
        return self.mail_from.rpartition("@")[2] or "opencme.local"
