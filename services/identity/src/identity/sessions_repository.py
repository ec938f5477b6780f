"""SQL of sign-in sessions: session families and their rotating refresh tokens (stored hashed)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db


async def create_family(
    conn: db.Connection, *, family_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime, client_ip: str | None
) -> None:
    await conn.execute(
        "INSERT INTO session_families (id, user_id, expires_at, client_ip) VALUES ($1, $2, $3, $4)",
        family_id,
        user_id,
        expires_at,
        client_ip,
    )


async def insert_refresh_token(
    conn: db.Connection, *, token_hash: bytes, family_id: uuid.UUID, issued_at: datetime, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        family_id,
        issued_at,
        expires_at,
    )


async def refresh_token(conn: db.Connection, token_hash: bytes) -> asyncpg.Record | None:
    """The token with its family and account, locked: two refreshes with one token are decided one after the other."""
    return await conn.fetchrow(
        """SELECT t.family_id, t.expires_at, t.rotated_at, f.user_id, f.revoked_at AS family_revoked_at,
                  f.expires_at AS family_expires_at, u.roles, u.disabled_at, p.email AS primary_email
           FROM refresh_tokens t JOIN session_families f ON f.id = t.family_id JOIN users u ON u.id = f.user_id
           LEFT JOIN user_emails p ON p.user_id = u.id AND p.is_primary
           WHERE t.token_hash = $1 FOR UPDATE OF t, f""",
        token_hash,
    )


async def mark_rotated(conn: db.Connection, token_hash: bytes, at: datetime) -> None:
    await conn.execute("UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1", token_hash, at)


async def revoke_family(
    conn: db.Connection, family_id: uuid.UUID, *, reason: str, at: datetime, user_id: uuid.UUID | None = None
) -> bool:
    """Revokes one family (of `user_id`, when given); False when it was not live."""
    revoked = await conn.fetchval(
        "UPDATE session_families SET revoked_at = $2, revoke_reason = $3 "
        "WHERE id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR user_id = $4) RETURNING true",
        family_id,
        at,
        reason,
        user_id,
    )
    return bool(revoked)


async def revoke_all(conn: db.Connection, user_id: uuid.UUID, *, reason: str, at: datetime) -> int:
    result = await conn.execute(
        "UPDATE session_families SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        at,
        reason,
    )
    return int(result.split()[-1])


async def live_sessions(conn: db.Connection, user_id: uuid.UUID, now: datetime) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT f.id, f.created_at, f.expires_at, f.client_ip, max(t.issued_at) AS last_refreshed_at
           FROM session_families f JOIN refresh_tokens t ON t.family_id = f.id
           WHERE f.user_id = $1 AND f.revoked_at IS NULL AND f.expires_at > $2
           GROUP BY f.id ORDER BY f.created_at DESC""",
        user_id,
        now,
    )


async def purge_families(conn: db.Connection, *, expired_before: datetime) -> int:
    """Deletes session families (and their refresh tokens) that ended before `expired_before`; call in a
    transaction."""
    await conn.execute(
        "DELETE FROM refresh_tokens WHERE family_id IN (SELECT id FROM session_families WHERE expires_at < $1)",
        expired_before,
    )
    deleted = await conn.execute("DELETE FROM session_families WHERE expires_at < $1", expired_before)
    return int(deleted.split()[-1])


async def caller_state(conn: db.Connection, user_id: uuid.UUID, session_id: uuid.UUID | None) -> asyncpg.Record | None:
    """What identity checks beyond a token's signature: the account still active, its roles now, the session live."""
    return await conn.fetchrow(
        """SELECT u.roles, u.disabled_at,
                  (SELECT revoked_at IS NOT NULL FROM session_families WHERE id = $2 AND user_id = u.id)
                      AS session_revoked
           FROM users u WHERE u.id = $1""",
        user_id,
        session_id,
    )
