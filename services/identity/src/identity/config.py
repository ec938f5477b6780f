from __future__ import annotations

from pydantic import Field, SecretStr

from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings

SERVICE = "identity"
MIGRATIONS = (Migrations.of("identity"),)


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_identity"
    # Base of the links in emails; its origin (scheme://host[:port]) is the only one the session cookie answers.
    portal_url: str = "http://127.0.0.1:8080"
    access_token_minutes: int = 15
    refresh_token_days: int = 14  # a refresh token unused this long expires
    session_max_days: int = 90  # a session family ends this long after sign-in, however often refreshed
    reset_token_minutes: int = 30
    verify_token_hours: int = 48
    # A new signing key is published this long before it signs; verifiers (kit TokenVerifier) refetch the JWKS at
    # most every 10 s on an unknown key id, so anything above that means no verifier ever meets an unknown key.
    signing_key_publish_seconds: int = 60
    # Encrypts the private signing keys at rest (PKCS#8, the best encryption `cryptography` offers). Set it in every
    # deployment; keys stored in the clear are encrypted at the next start once it is set.
    signing_key_passphrase: SecretStr | None = None
    # Throttling (sliding windows, counted in PostgreSQL). Sign-in counts failures; reset requests count every request.
    signin_account_limit: int = 5
    signin_ip_limit: int = 50
    signin_window_seconds: int = 900
    reset_email_limit: int = 3
    reset_ip_limit: int = 20
    reset_window_seconds: int = 900
    # Each sign-up costs an argon2 hash and sends an email. A hospital's shared address may sign up a room of
    # attendees at once, so the per-address limit is generous; it stops scripted mass sign-up.
    signup_ip_limit: int = 30
    signup_window_seconds: int = 600
    # Verification links emailed per account (added addresses and new links): nobody can mail-bomb an address.
    verification_email_limit: int = 10
    verification_email_window_seconds: int = 3600
    # The portal (a browser) holds its refresh token in an HttpOnly cookie scoped to the session routes as the browser
    # sees them through the gateway (which strips /api/identity). Secure unless a plain-http local run turns it off.
    session_cookie_path: str = "/api/identity/sessions"
    session_cookie_secure: bool = True
    # The organisation's settings (its contact, shown in the portal's footer and error pages, and its brand colour)
    # until an admin first saves them (PUT /organisation); from then on the stored ones answer. Notifications reads
    # the same variables until the first organisation.updated reaches it.
    org_name: str = "OpenCME Demo Health System"
    org_address: str = "1 Main Street\nSpringfield, MA 01101"
    org_phone: str = "+1 555 010 0100"
    # A domain identity's email validation accepts (not .local): saving the settings as installed must pass.
    org_support_email: str = "cme-support@example.org"
    org_brand_colour: str = Field(default="#1f5f8b", pattern=r"^#[0-9a-fA-F]{6}$")
    # The first admin comes from configuration; created at start-up when no account has this email.
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None

    def signing_passphrase(self) -> bytes | None:
        return self.signing_key_passphrase.get_secret_value().encode() if self.signing_key_passphrase else None
