"""SQL of the catalog itself: activities, their sessions and event codes; every function takes the connection it
runs on. Registrations and attendance have their own (registrations_repository.py, attendance_repository.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from opencme_kit import db

ACTIVITY_COLUMNS = """a.id, a.title, a.format, a.description, a.starts_at, a.ends_at, a.location, a.available_until,
    a.capacity, a.registration_opens_at, a.registration_closes_at, a.fees, a.credit_designations,
    a.claim_window_days, a.moc_boards, a.requires_event_code, a.status, a.published_at,
    (SELECT count(*) FROM registrations r WHERE r.activity_id = a.id AND r.status = 'confirmed') AS taken_seats"""


async def insert_activity(
    conn: db.Connection, activity_id: uuid.UUID, created_by: uuid.UUID, fields: dict[str, Any]
) -> None:
    await conn.execute(
        """INSERT INTO activities (id, title, format, description, starts_at, ends_at, location, available_until,
               capacity, registration_opens_at, registration_closes_at, fees, credit_designations, claim_window_days,
               moc_boards, requires_event_code, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)""",
        activity_id,
        fields["title"],
        fields["format"],
        fields["description"],
        fields["starts_at"],
        fields["ends_at"],
        fields["location"],
        fields["available_until"],
        fields["capacity"],
        fields["registration_opens_at"],
        fields["registration_closes_at"],
        fields["fees"],
        fields["credit_designations"],
        fields["claim_window_days"],
        fields["moc_boards"],
        fields["requires_event_code"],
        created_by,
    )


async def get_activity(
    conn: db.Connection, activity_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        # Serialises registrations of one activity so capacity cannot be oversold.
        await conn.execute("SELECT 1 FROM activities WHERE id = $1 FOR UPDATE", activity_id)
    return await conn.fetchrow(f"SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE a.id = $1", activity_id)


async def list_published(
    conn: db.Connection, *, activity_format: str | None, now: datetime, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {ACTIVITY_COLUMNS} FROM activities a
            WHERE a.status = 'published' AND (a.available_until IS NULL OR a.available_until >= $1)
              AND ($2::text IS NULL OR a.format = $2)
            ORDER BY a.starts_at NULLS LAST, a.title LIMIT $3 OFFSET $4""",
        now,
        activity_format,
        limit,
        offset,
    )


async def mark_published(conn: db.Connection, activity_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("UPDATE activities SET status = 'published', published_at = $2 WHERE id = $1", activity_id, at)


async def insert_session(
    conn: db.Connection,
    *,
    session_id: uuid.UUID,
    activity_id: uuid.UUID,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, activity_id, title, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)",
        session_id,
        activity_id,
        title,
        starts_at,
        ends_at,
    )


async def get_session(conn: db.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT id AS session_id, activity_id, title AS session_title, starts_at FROM sessions WHERE id = $1""",
        session_id,
    )


async def insert_event_code(
    conn: db.Connection,
    *,
    code: str,
    session_id: uuid.UUID,
    valid_from: datetime,
    valid_until: datetime,
    created_by: uuid.UUID,
) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO event_codes (code, session_id, valid_from, valid_until, created_by)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING true""",
        code,
        session_id,
        valid_from,
        valid_until,
        created_by,
    )
    return bool(inserted)


async def find_event_code(conn: db.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT c.code, c.valid_from, c.valid_until, s.id AS session_id, s.title AS session_title, s.starts_at,
                  s.activity_id
           FROM event_codes c JOIN sessions s ON s.id = c.session_id WHERE c.code = $1""",
        code,
    )
