"""SQL of identity; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

PROFILE_COLUMNS = ("first_name", "middle_name", "last_name", "suffix", "degree", "profession", "specialty", "npi",
                   "board_ids", "birth_month", "birth_day")


async def email_owner(conn: asyncpg.Connection, email: str) -> uuid.UUID | None:
    return await conn.fetchval("SELECT user_id FROM user_emails WHERE email = $1", email)


async def insert_user(conn: asyncpg.Connection, *, user_id: uuid.UUID, password_hash: str, profile: dict[str, Any],
                      roles: list[str]) -> None:
    columns = ", ".join(PROFILE_COLUMNS)
    placeholders = ", ".join(f"${i}" for i in range(4, 4 + len(PROFILE_COLUMNS)))
    await conn.execute(
        f"INSERT INTO users (id, password_hash, roles, {columns}) VALUES ($1, $2, $3, {placeholders})",
        user_id, password_hash, roles, *(profile[c] for c in PROFILE_COLUMNS))


async def insert_email(conn: asyncpg.Connection, *, user_id: uuid.UUID, email: str, primary: bool) -> bool:
    inserted = await conn.fetchval(
        "INSERT INTO user_emails (email, user_id, is_primary) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
        "RETURNING true", email, user_id, primary)
    return bool(inserted)


async def get_user(conn: asyncpg.Connection, user_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE OF u" if for_update else ""
    return await conn.fetchrow(
        f"""SELECT u.*, e.email AS primary_email,
                   ARRAY(SELECT email FROM user_emails WHERE user_id = u.id ORDER BY added_at) AS emails,
                   ARRAY(SELECT email FROM user_emails WHERE user_id = u.id AND verified_at IS NOT NULL
                         ORDER BY added_at) AS verified_emails
            FROM users u JOIN user_emails e ON e.user_id = u.id AND e.is_primary WHERE u.id = $1{lock}""", user_id)


async def credentials_for(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT u.id, u.password_hash, u.roles, p.email AS primary_email FROM user_emails e
           JOIN users u ON u.id = e.user_id JOIN user_emails p ON p.user_id = u.id AND p.is_primary
           WHERE e.email = $1""", email)


async def update_profile(conn: asyncpg.Connection, user_id: uuid.UUID, profile: dict[str, Any], at: datetime) -> int:
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(PROFILE_COLUMNS, start=3))
    return await conn.fetchval(
        f"UPDATE users SET {sets}, profile_version = profile_version + 1, updated_at = $2 WHERE id = $1 "
        "RETURNING profile_version", user_id, at, *(profile[c] for c in PROFILE_COLUMNS))


async def set_password(conn: asyncpg.Connection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", user_id, password_hash)


async def set_roles(conn: asyncpg.Connection, user_id: uuid.UUID, roles: list[str]) -> None:
    await conn.execute("UPDATE users SET roles = $2, updated_at = now() WHERE id = $1", user_id, roles)


async def insert_token(conn: asyncpg.Connection, *, token_hash: bytes, purpose: str, user_id: uuid.UUID, email: str,
                       expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, expires_at) VALUES ($1, $2, $3, $4, $5)",
        token_hash, purpose, user_id, email, expires_at)


async def use_token(conn: asyncpg.Connection, *, token_hash: bytes, purpose: str, now: datetime
                    ) -> asyncpg.Record | None:
    """Marks a valid token used and returns it; None when unknown, used or expired (single use, atomically)."""
    return await conn.fetchrow(
        """UPDATE one_time_tokens SET used_at = $3
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
           RETURNING user_id, email""", token_hash, purpose, now)


async def invalidate_tokens(conn: asyncpg.Connection, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
    await conn.execute("UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                       user_id, purpose, now)


async def mark_email_verified(conn: asyncpg.Connection, email: str, now: datetime) -> bool:
    changed = await conn.fetchval(
        "UPDATE user_emails SET verified_at = $2 WHERE email = $1 AND verified_at IS NULL RETURNING true", email, now)
    return bool(changed)


async def audit(conn: asyncpg.Connection, kind: str, *, user_id: uuid.UUID | None = None,
                actor_id: uuid.UUID | None = None, email: str | None = None, client_ip: str | None = None,
                **detail: Any) -> None:
    await conn.execute(
        "INSERT INTO security_events (kind, user_id, actor_id, email, client_ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        kind, user_id, actor_id, email, client_ip, detail)
