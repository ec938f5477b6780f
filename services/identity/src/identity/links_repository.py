"""SQL of one-time links (password reset, email verification): only a token's hash is stored, and each works once."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db


async def insert_token(
    conn: db.Connection, *, token_hash: bytes, purpose: str, user_id: uuid.UUID, email: str, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, expires_at) VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        purpose,
        user_id,
        email,
        expires_at,
    )


async def use_token(conn: db.Connection, *, token_hash: bytes, purpose: str, now: datetime) -> asyncpg.Record | None:
    """Marks a valid token used and returns it; None when unknown, used or expired (single use, atomically)."""
    return await conn.fetchrow(
        """UPDATE one_time_tokens SET used_at = $3
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
           RETURNING user_id, email""",
        token_hash,
        purpose,
        now,
    )


async def invalidate_tokens(
    conn: db.Connection, user_id: uuid.UUID, purpose: str, now: datetime, *, email: str | None = None
) -> None:
    await conn.execute(
        "UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL "
        "AND ($4::text IS NULL OR email = $4)",
        user_id,
        purpose,
        now,
        email,
    )


async def move_tokens(conn: db.Connection, *, from_user: uuid.UUID, to_user: uuid.UUID, purpose: str) -> None:
    await conn.execute(
        "UPDATE one_time_tokens SET user_id = $2 WHERE user_id = $1 AND purpose = $3 AND used_at IS NULL",
        from_user,
        to_user,
        purpose,
    )


async def purge_links(conn: db.Connection, *, expired_before: datetime) -> int:
    deleted = await conn.execute("DELETE FROM one_time_tokens WHERE expires_at < $1", expired_before)
    return int(deleted.split()[-1])
