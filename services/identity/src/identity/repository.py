"""SQL of identity's accounts, their emails, the organisation's settings and the audit log; every function takes the
connection it runs on. (Links are in links_repository.py, sessions in sessions_repository.py, the help desk's queries
in support_repository.py.)"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from identity import domain, links_repository
from opencme_kit import db

# What the learner's profile form holds; the published LearnerProfile carries the EVENT_ ones.
EVENT_PROFILE_COLUMNS = (
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "degree",
    "profession",
    "specialty",
    "npi",
    "board_ids",
    "birth_month",
    "birth_day",
)
PROFILE_COLUMNS = (*EVENT_PROFILE_COLUMNS, "organisation", "phone", "country", "state")


async def email_owner(conn: db.Connection, email: str) -> uuid.UUID | None:
    return await conn.fetchval("SELECT user_id FROM user_emails WHERE email = $1", email)


async def insert_user(
    conn: db.Connection, *, user_id: uuid.UUID, password_hash: str, profile: dict[str, Any], roles: list[str]
) -> None:
    columns = ", ".join(PROFILE_COLUMNS)
    placeholders = ", ".join(f"${i}" for i in range(4, 4 + len(PROFILE_COLUMNS)))
    await conn.execute(
        f"INSERT INTO users (id, password_hash, roles, {columns}) VALUES ($1, $2, $3, {placeholders})",
        user_id,
        password_hash,
        roles,
        *(profile.get(c) for c in PROFILE_COLUMNS),
    )


async def insert_email(conn: db.Connection, *, user_id: uuid.UUID, email: str, primary: bool) -> bool:
    inserted = await conn.fetchval(
        "INSERT INTO user_emails (email, user_id, is_primary) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
        "RETURNING true",
        email,
        user_id,
        primary,
    )
    return bool(inserted)


async def get_user(conn: db.Connection, user_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    """The account with its primary email (None once merged away: its emails moved to the survivor)."""
    lock = " FOR UPDATE OF u" if for_update else ""
    return await conn.fetchrow(
        f"""SELECT u.*, e.email AS primary_email,
                   ARRAY(SELECT email FROM user_emails WHERE user_id = u.id ORDER BY added_at, email) AS emails,
                   ARRAY(SELECT email FROM user_emails WHERE user_id = u.id AND verified_at IS NOT NULL
                         ORDER BY added_at, email) AS verified_emails
            FROM users u LEFT JOIN user_emails e ON e.user_id = u.id AND e.is_primary WHERE u.id = $1{lock}""",
        user_id,
    )


async def lock_users(conn: db.Connection, user_ids: list[uuid.UUID]) -> None:
    """Row locks in one order, so that two merges or edits touching the same accounts cannot deadlock."""
    await conn.execute("SELECT 1 FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", user_ids)


async def credentials_for(conn: db.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT u.id, u.password_hash, u.roles, u.disabled_at, e.is_primary, e.verified_at IS NOT NULL AS verified,
                  p.email AS primary_email
           FROM user_emails e JOIN users u ON u.id = e.user_id
           JOIN user_emails p ON p.user_id = u.id AND p.is_primary
           WHERE e.email = $1""",
        email,
    )


async def update_profile(conn: db.Connection, user_id: uuid.UUID, profile: dict[str, Any], at: datetime) -> int:
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(PROFILE_COLUMNS, start=3))
    return await conn.fetchval(
        f"UPDATE users SET {sets}, profile_version = profile_version + 1, updated_at = $2 WHERE id = $1 "
        "RETURNING profile_version",
        user_id,
        at,
        *(profile.get(c) for c in PROFILE_COLUMNS),
    )


async def bump_profile_version(conn: db.Connection, user_id: uuid.UUID, at: datetime) -> int:
    return await conn.fetchval(
        "UPDATE users SET profile_version = profile_version + 1, updated_at = $2 WHERE id = $1 "
        "RETURNING profile_version",
        user_id,
        at,
    )


async def set_password(conn: db.Connection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", user_id, password_hash)


async def set_roles(conn: db.Connection, user_id: uuid.UUID, roles: list[str]) -> None:
    await conn.execute("UPDATE users SET roles = $2, updated_at = now() WHERE id = $1", user_id, roles)


async def lock_roles(conn: db.Connection) -> None:
    """Until the transaction ends, no other transaction changes any account's roles (or anything else in users)."""
    await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")


async def count_admins(conn: db.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM users WHERE 'admin' = ANY(roles) AND disabled_at IS NULL")


async def disable_user(conn: db.Connection, user_id: uuid.UUID, *, merged_into: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE users SET disabled_at = $2, merged_into = $3, updated_at = $2 WHERE id = $1", user_id, at, merged_into
    )
    # Accounts merged into this one earlier now belong to the survivor too: one hop finds every absorbed account.
    await conn.execute("UPDATE users SET merged_into = $2 WHERE merged_into = $1", user_id, merged_into)


# --- emails -----------------------------------------------------------------------------------------------


async def list_emails(conn: db.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT email, is_primary, verified_at, added_at FROM user_emails WHERE user_id = $1 ORDER BY added_at, email",
        user_id,
    )


def addresses(rows: list[asyncpg.Record]) -> list[domain.EmailAddress]:
    return [domain.EmailAddress(r["email"], r["is_primary"], r["verified_at"] is not None) for r in rows]


async def release_unverified(
    conn: db.Connection, email: str, *, now: datetime, keep_for: uuid.UUID | None = None
) -> uuid.UUID | None:
    """Frees `email` when another account holds it only as an unverified, added address: typing someone else's
    address into one's account must not keep its owner from signing up with it or adding it. Returns the account that
    lost it, whose pending link for it stops working."""
    released = await conn.fetchval(
        "DELETE FROM user_emails WHERE email = $1 AND verified_at IS NULL AND NOT is_primary "
        "AND ($2::uuid IS NULL OR user_id <> $2) RETURNING user_id",
        email,
        keep_for,
    )
    if released is not None:
        await links_repository.invalidate_tokens(conn, released, "verify_email", now, email=email)
    return released


async def remove_email(conn: db.Connection, user_id: uuid.UUID, email: str) -> None:
    await conn.execute("DELETE FROM user_emails WHERE user_id = $1 AND email = $2", user_id, email)


async def set_primary_email(conn: db.Connection, user_id: uuid.UUID, email: str) -> None:
    # Two statements: the partial unique index allows one primary per account at any moment.
    await conn.execute("UPDATE user_emails SET is_primary = false WHERE user_id = $1 AND is_primary", user_id)
    await conn.execute("UPDATE user_emails SET is_primary = true WHERE user_id = $1 AND email = $2", user_id, email)


async def move_emails(conn: db.Connection, *, from_user: uuid.UUID, to_user: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "UPDATE user_emails SET user_id = $2, is_primary = false WHERE user_id = $1 "
        "RETURNING email, verified_at IS NOT NULL AS verified",
        from_user,
        to_user,
    )


async def mark_email_verified(conn: db.Connection, *, email: str, user_id: uuid.UUID, now: datetime) -> bool:
    changed = await conn.fetchval(
        "UPDATE user_emails SET verified_at = $3 WHERE email = $1 AND user_id = $2 AND verified_at IS NULL "
        "RETURNING true",
        email,
        user_id,
        now,
    )
    return bool(changed)


# --- the organisation -------------------------------------------------------------------------------------

ORGANISATION_COLUMNS = ("name", "address", "phone", "support_email", "brand_colour")


async def get_organisation(conn: db.Connection, *, for_update: bool = False) -> asyncpg.Record | None:
    """The saved settings; None until an admin first saved them."""
    return await conn.fetchrow(f"SELECT * FROM organisation{' FOR UPDATE' if for_update else ''}")


async def save_organisation(
    conn: db.Connection, values: dict[str, Any], *, updated_by: uuid.UUID, at: datetime
) -> asyncpg.Record:
    """Stores the settings with the next revision (1 for the first save); two saves at once take turns on the row."""
    columns = ", ".join(ORGANISATION_COLUMNS)
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(ORGANISATION_COLUMNS)))
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in ORGANISATION_COLUMNS)
    row = await conn.fetchrow(
        f"""INSERT INTO organisation (revision, updated_at, updated_by, {columns}) VALUES (1, $1, $2, {placeholders})
            ON CONFLICT (id) DO UPDATE SET {sets}, revision = organisation.revision + 1,
                                           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            RETURNING *""",
        at,
        updated_by,
        *(values[c] for c in ORGANISATION_COLUMNS),
    )
    assert row is not None, "an upsert returns its row"
    return row


# --- audit ------------------------------------------------------------------------------------------------


async def audit(
    conn: db.Connection,
    kind: str,
    *,
    user_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    email: str | None = None,
    client_ip: str | None = None,
    **detail: Any,
) -> None:
    await conn.execute(
        "INSERT INTO security_events (kind, user_id, actor_id, email, client_ip, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        kind,
        user_id,
        actor_id,
        email,
        client_ip,
        detail,
    )
