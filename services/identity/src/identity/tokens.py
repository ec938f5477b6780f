"""Access tokens: ES256 JWTs with a key id; public keys published as a JWKS; signing-key rotation. Opaque tokens
(refresh tokens, links), stored hashed."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opencme_kit import db
from opencme_kit.auth import TokenVerifier

ISSUER = "opencme-identity"
AUDIENCE = "opencme"

_SIGNER_SQL = """SELECT kid, private_pem, activates_at FROM signing_keys
                 WHERE retired_at IS NULL AND activates_at <= clock_timestamp()
                 ORDER BY activates_at DESC, created_at DESC LIMIT 1"""
_loaded_keys: dict[str, Any] = {}


def new_opaque_token() -> tuple[str, bytes]:
    """A token to hand out (link, refresh token), and the hash that is stored: a database leak reveals none."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    # 256 random bits need no slow hash: SHA-256 cannot be inverted and there is nothing to guess.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


# --- signing keys -----------------------------------------------------------------------------------------
# Private keys are stored as PKCS#8 PEM, encrypted with the configured passphrase (SIGNING_KEY_PASSPHRASE) so that a
# copy of the database alone cannot mint tokens. Without a passphrase (development) they are stored in the clear.

_ENCRYPTED = "-----BEGIN ENCRYPTED PRIVATE KEY-----"


class SigningKeyError(RuntimeError):
    """The stored signing keys cannot be used with the configured passphrase: a deployment error, fatal at start."""


def _to_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None) -> str:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def _load_pem(kid: str, pem: str, passphrase: bytes | None) -> Any:
    encrypted = pem.startswith(_ENCRYPTED)
    if encrypted and not passphrase:
        raise SigningKeyError(f"signing key {kid} is encrypted: set SIGNING_KEY_PASSPHRASE")
    try:
        return serialization.load_pem_private_key(pem.encode(), password=passphrase if encrypted else None)
    except ValueError as exc:
        raise SigningKeyError(f"signing key {kid} does not open with SIGNING_KEY_PASSPHRASE") from exc


async def add_signing_key(
    conn: db.Connection, *, passphrase: bytes | None, activates_at: datetime | None = None
) -> str:
    """A new ES256 key, published in the JWKS at once and signing from `activates_at` (now when None)."""
    key = ec.generate_private_key(ec.SECP256R1())
    kid = f"k-{uuid.uuid4().hex[:12]}"
    pem = _to_pem(key, passphrase)
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_pem, public_jwk, activates_at) "
        "VALUES ($1, $2, $3, coalesce($4, now()))",
        kid,
        pem,
        {**public, "kid": kid, "use": "sig", "alg": "ES256"},
        activates_at,
    )
    return kid


async def ensure_signing_key(conn: db.Connection, *, passphrase: bytes | None) -> None:
    """At start: create the first signing key if there is none, encrypt keys stored in the clear once a passphrase is
    configured, and check that every usable key opens (SigningKeyError otherwise, so a wrong passphrase stops the
    process instead of failing sign-ins). Several processes may start at once, so under a lock."""
    async with conn.transaction():
        await lock_signing_keys(conn)
        rows = await conn.fetch("SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL")
        for row in rows:
            key = _load_pem(row["kid"], row["private_pem"], passphrase)
            if passphrase and not row["private_pem"].startswith(_ENCRYPTED):
                await conn.execute(
                    "UPDATE signing_keys SET private_pem = $2 WHERE kid = $1", row["kid"], _to_pem(key, passphrase)
                )
        if not rows:
            await add_signing_key(conn, passphrase=passphrase)


async def list_signing_keys(conn: db.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT kid, created_at, activates_at, retired_at FROM signing_keys ORDER BY created_at")


async def current_signer(conn: db.Connection) -> asyncpg.Record | None:
    """The newest key whose time has come (by the database's clock, the one that stamped the keys)."""
    return await conn.fetchrow(_SIGNER_SQL)


async def lock_signing_keys(conn: db.Connection) -> None:
    """Until the transaction ends: one process at a time creates, re-encrypts or retires keys."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('identity.signing_keys'))")


async def unretired_key(conn: db.Connection, kid: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT kid, activates_at FROM signing_keys WHERE kid = $1 AND retired_at IS NULL", kid)


async def retire_key(conn: db.Connection, kid: str, at: datetime) -> None:
    await conn.execute("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1", kid, at)


async def jwks(conn: db.Connection) -> dict[str, Any]:
    """Every key not retired, including one that will sign soon: verifiers learn it before they meet it."""
    rows = await conn.fetch("SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at")
    return {"keys": [r["public_jwk"] for r in rows]}


async def issue_access_token(
    conn: db.Connection,
    *,
    user_id: uuid.UUID,
    roles: list[str],
    email: str,
    minutes: int,
    passphrase: bytes | None,
    session_id: uuid.UUID | None = None,
) -> str:
    now = int(time.time())
    row = await conn.fetchrow(_SIGNER_SQL)
    if row is None:  # ensure_signing_key made one at start; only a retirement of every key gets here
        raise SigningKeyError("no signing key signs now: add one (POST /signing-keys)")
    if row["kid"] not in _loaded_keys:  # opening the PEM (a key derivation when encrypted) costs more than signing
        _loaded_keys[row["kid"]] = _load_pem(row["kid"], row["private_pem"], passphrase)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "iat": now,
        "exp": now + minutes * 60,
        "jti": uuid.uuid4().hex,
        "roles": roles,
        "email": email,
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    return jwt.encode(claims, _loaded_keys[row["kid"]], algorithm="ES256", headers={"kid": row["kid"]})


# --- verifying identity's own tokens ----------------------------------------------------------------------


class DatabaseKeyVerifier(TokenVerifier):
    """The kit's verifier, fed from identity's own key table instead of over HTTP from itself; it rereads the keys at
    least every `max_age` seconds so that a retired key stops verifying here too."""

    def __init__(self, pool: db.Pool, *, refetch_interval: float = 1.0, max_age: float = 30.0) -> None:
        super().__init__("", refetch_interval=refetch_interval)
        self.pool = pool
        self.max_age = max_age

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.refetch_interval and self._keys:
                return
            async with self.pool.acquire() as conn:
                keys = (await jwks(conn))["keys"]
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in keys}
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> Any:
        if time.monotonic() - self._fetched_at > self.max_age:
            await self._refresh()
        return await super()._key(kid)
