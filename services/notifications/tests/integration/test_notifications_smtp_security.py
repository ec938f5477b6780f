"""The sender against real SMTP servers that demand encryption and a login, as production relays do: STARTTLS on the
submission port, TLS from the first byte on port 465, AUTH, certificates verified against SMTP_CA_FILE."""

import asyncio
import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from notifications_testing import Sink, address, apply, make_settings, messages_in_db, password_reset

from notifications.config import MIGRATIONS
from notifications.sender import Sender
from opencme_kit import db

USER, PASSWORD = "opencme", "s3cret-relay-password"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "relay.pem", directory / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class Logins:
    """aiosmtpd authenticator accepting one user; remembers whether each login came over TLS."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.seen.append((auth_data.login.decode(), session.ssl is not None))
        ok = (auth_data.login.decode(), auth_data.password.decode()) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def certificate(tmp_path):
    return self_signed(tmp_path)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture
def secure_relay(tmp_path, certificate):
    """STARTTLS required, then AUTH required."""
    logins = Logins()
    relay = Sink(
        tmp_path / "secure-mail",
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=logins,
        auth_required=True,
    )
    relay.logins = logins
    relay.start()
    yield relay
    relay.stop()


async def pool_for(make_database, port, **overrides):
    settings = make_settings(await make_database("notifications"), port, **overrides)
    pool = await db.create_pool(settings.database_url, max_size=3)
    await db.apply_migrations(pool, MIGRATIONS)
    return pool, settings


async def test_with_starttls_and_auth_configured_mail_goes_out_encrypted_and_signed_in(
    make_database, secure_relay, certificate
):
    pool, settings = await pool_for(
        make_database,
        secure_relay.port,
        smtp_starttls=True,
        smtp_ca_file=str(certificate[0]),
        smtp_username=USER,
        smtp_password=PASSWORD,
    )
    try:
        email = address()
        await apply(pool, settings, password_reset(email))
        outcome = await Sender(pool, settings).deliver_due()
        assert outcome.sent == 1
        [message] = secure_relay.messages(to=email)
        assert "could not be found" in message.get_body(("plain",)).get_content()
        assert secure_relay.logins.seen == [(USER, True)]  # the password only ever crossed an encrypted channel
    finally:
        await pool.close()


async def test_a_relay_that_demands_starttls_refuses_plain_text_and_the_mail_waits(make_database, secure_relay):
    pool, settings = await pool_for(make_database, secure_relay.port)  # STARTTLS not configured
    try:
        email = address()
        await apply(pool, settings, password_reset(email))
        outcome = await Sender(pool, settings).deliver_due()
        assert (outcome.sent, outcome.failed, outcome.retried) == (0, 0, 1)
        [row] = await messages_in_db(pool, to_address=email)
        assert row["status"] == "queued" and row["last_error"].startswith("530")  # "Must issue a STARTTLS first"
        assert secure_relay.logins.seen == []
    finally:
        await pool.close()


async def test_a_wrong_password_keeps_mail_queued_with_the_servers_answer(make_database, secure_relay, certificate):
    pool, settings = await pool_for(
        make_database,
        secure_relay.port,
        smtp_starttls=True,
        smtp_ca_file=str(certificate[0]),
        smtp_username=USER,
        smtp_password="wrong",
    )
    try:
        email = address()
        await apply(pool, settings, password_reset(email))
        await Sender(pool, settings).deliver_due()
        [row] = await messages_in_db(pool, to_address=email)
        # Our configuration, not the message: retried (and alerted on), never failed for good.
        assert (row["status"], row["attempts"]) == ("queued", 1) and row["last_error"].startswith("535")
        assert secure_relay.messages() == []
    finally:
        await pool.close()


async def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(make_database, secure_relay):
    pool, settings = await pool_for(
        make_database, secure_relay.port, smtp_starttls=True, smtp_username=USER, smtp_password=PASSWORD
    )  # no SMTP_CA_FILE: the system's CAs do not know it
    try:
        await apply(pool, settings, password_reset(address()))
        outcome = await Sender(pool, settings).deliver_due()
        assert outcome.sent == 0 and outcome.server_unavailable
        assert secure_relay.logins.seen == [] and secure_relay.messages() == []
    finally:
        await pool.close()


async def test_implicit_tls_delivers_on_a_port_465_style_relay(make_database, tmp_path, certificate):
    relay = Sink(tmp_path / "tls-mail", ssl_context=server_context(certificate))
    relay.start()
    pool, settings = await pool_for(make_database, relay.port, smtp_implicit_tls=True, smtp_ca_file=str(certificate[0]))
    try:
        email = address()
        await apply(pool, settings, password_reset(email))
        assert (await Sender(pool, settings).deliver_due()).sent == 1
        await asyncio.sleep(0)
        assert len(relay.messages(to=email)) == 1
    finally:
        await pool.close()
        relay.stop()


def test_starttls_and_implicit_tls_cannot_both_be_chosen_and_a_username_needs_a_password():
    with pytest.raises(ValueError, match="exclude each other"):
        make_settings("postgresql://x@127.0.0.1/x", 25, smtp_starttls=True, smtp_implicit_tls=True)
    with pytest.raises(ValueError, match="go together"):
        make_settings("postgresql://x@127.0.0.1/x", 25, smtp_username=USER)
