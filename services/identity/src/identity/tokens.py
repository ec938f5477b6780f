"""Access tokens: ES256 JWTs with a key id; public keys published as a JWKS. Opaque one-time tokens, stored hashed."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from typing import Any

import asyncpg
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "opencme-identity"
AUDIENCE = "opencme"


def new_opaque_token() -> tuple[str, bytes]:
    """A token to put in a link, and the hash that is stored (a database leak reveals no usable link)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def ensure_signing_key(conn: asyncpg.Connection) -> None:
    """Create the first signing key if there is none (rotation adds a newer one; old ones stay in the JWKS)."""
    if await conn.fetchval("SELECT count(*) FROM signing_keys WHERE retired_at IS NULL"):
        return
    key = ec.generate_private_key(ec.SECP256R1())
    kid = f"k-{uuid.uuid4().hex[:12]}"
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_pem, public_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        kid, pem, {**public, "kid": kid, "use": "sig", "alg": "ES256"})


async def jwks(conn: asyncpg.Connection) -> dict[str, Any]:
    rows = await conn.fetch("SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at")
    return {"keys": [r["public_jwk"] for r in rows]}


async def issue_access_token(conn: asyncpg.Connection, *, user_id: uuid.UUID, roles: list[str], email: str,
                             minutes: int) -> str:
    row = await conn.fetchrow(
        "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(user_id), "iat": now, "exp": now + minutes * 60,
              "jti": uuid.uuid4().hex, "roles": roles, "email": email}
    return jwt.encode(claims, row["private_pem"], algorithm="ES256", headers={"kid": row["kid"]})
