"""SQL of the catalog; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

ACTIVITY_COLUMNS = """a.id, a.title, a.format, a.description, a.starts_at, a.ends_at, a.location, a.available_until,
    a.capacity, a.registration_opens_at, a.registration_closes_at, a.fees, a.credit_designations,
    a.claim_window_days, a.moc_boards, a.requires_event_code, a.status, a.published_at,
    (SELECT count(*) FROM registrations r WHERE r.activity_id = a.id AND r.status = 'confirmed') AS taken_seats"""


async def insert_activity(
    conn: asyncpg.Connection, activity_id: uuid.UUID, created_by: uuid.UUID, fields: dict[str, Any]
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
    conn: asyncpg.Connection, activity_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        # Serialises registrations of one activity so capacity cannot be oversold.
        await conn.execute("SELECT 1 FROM activities WHERE id = $1 FOR UPDATE", activity_id)
    return await conn.fetchrow(f"SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE a.id = $1", activity_id)


async def list_published(
    conn: asyncpg.Connection, *, activity_format: str | None, now: datetime, limit: int, offset: int
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


async def mark_published(conn: asyncpg.Connection, activity_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("UPDATE activities SET status = 'published', published_at = $2 WHERE id = $1", activity_id, at)


async def live_registration(
    conn: asyncpg.Connection, activity_id: uuid.UUID, learner_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id FROM registrations WHERE activity_id = $1 AND learner_id = $2 AND status = 'confirmed'",
        activity_id,
        learner_id,
    )


async def insert_registration(
    conn: asyncpg.Connection,
    *,
    registration_id: uuid.UUID,
    activity_id: uuid.UUID,
    learner_id: uuid.UUID,
    email: str,
    category: str,
    fee_cents: int,
    payment_status: str,
    at: datetime,
) -> str:
    return await conn.fetchval(
        """INSERT INTO registrations (id, number, activity_id, learner_id, email, attendee_category, fee_cents,
               payment_status, created_at)
           VALUES ($1, 'R-' || to_char($8::timestamptz, 'YYYY') || '-' || nextval('registration_numbers'),
                   $2, $3, $4, $5, $6, $7, $8)
           RETURNING number""",
        registration_id,
        activity_id,
        learner_id,
        email,
        category,
        fee_cents,
        payment_status,
        at,
    )


async def registrations_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT r.*, a.title AS activity_title FROM registrations r JOIN activities a ON a.id = r.activity_id
           WHERE r.learner_id = $1 ORDER BY r.created_at DESC""",
        learner_id,
    )


async def get_registration(
    conn: asyncpg.Connection, registration_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    """The registration with its activity's title and start; locked when `for_update`, so two cancels queue."""
    lock = "FOR UPDATE OF r" if for_update else ""
    return await conn.fetchrow(
        f"""SELECT r.*, a.title AS activity_title, a.starts_at AS activity_starts_at
            FROM registrations r JOIN activities a ON a.id = r.activity_id WHERE r.id = $1 {lock}""",
        registration_id,
    )


async def attended(conn: asyncpg.Connection, activity_id: uuid.UUID, learner_id: uuid.UUID) -> bool:
    """Whether the learner's attendance at any session of the activity has been recorded."""
    return await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM attendance t JOIN sessions s ON s.id = t.session_id
                          WHERE s.activity_id = $1 AND t.learner_id = $2)""",
        activity_id,
        learner_id,
    )


async def cancel_registration(
    conn: asyncpg.Connection, registration_id: uuid.UUID, *, by: uuid.UUID, at: datetime
) -> asyncpg.Record:
    """Cancels a live registration (its seat is free again); payment_status stays as it was."""
    return await conn.fetchrow(
        """UPDATE registrations SET status = 'cancelled', cancelled_at = $3, cancelled_by = $2
           WHERE id = $1 AND status = 'confirmed'
           RETURNING id, learner_id, activity_id, cancelled_at""",
        registration_id,
        by,
        at,
    )


async def insert_session(
    conn: asyncpg.Connection,
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


async def get_session(conn: asyncpg.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT id AS session_id, activity_id, title AS session_title, starts_at FROM sessions WHERE id = $1""",
        session_id,
    )


async def insert_event_code(
    conn: asyncpg.Connection,
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


async def find_event_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT c.code, c.valid_from, c.valid_until, s.id AS session_id, s.title AS session_title, s.starts_at,
                  s.activity_id
           FROM event_codes c JOIN sessions s ON s.id = c.session_id WHERE c.code = $1""",
        code,
    )


async def record_code_use(
    conn: asyncpg.Connection, *, code: str, learner_id: uuid.UUID, accepted: bool, reason: str | None
) -> None:
    await conn.execute(
        "INSERT INTO event_code_uses (code, learner_id, accepted, reason) VALUES ($1, $2, $3, $4)",
        code,
        learner_id,
        accepted,
        reason,
    )


async def insert_attendance(
    conn: asyncpg.Connection, *, session_id: uuid.UUID, learner_id: uuid.UUID, method: str
) -> asyncpg.Record | None:
    """Returns the new row, or None when this learner's attendance at the session was already recorded."""
    return await conn.fetchrow(
        """INSERT INTO attendance (session_id, learner_id, method) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING recorded_at""",
        session_id,
        learner_id,
        method,
    )


# --- account merges ------------------------------------------------------------------------------------------------


async def lock_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> None:
    """Held until commit by a merge of this learner and by every use case that records something for them."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('catalog.learner'), hashtext($1::uuid::text))", learner_id
    )


async def survivor_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account `learner_id` was merged into, or `learner_id` itself; one lookup, as the table is kept flat."""
    return await conn.fetchval(
        "SELECT coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = $1), $1)", learner_id
    )


async def record_merge(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3)
           ON CONFLICT (merged_id) DO NOTHING""",
        merged_id,
        surviving_id,
        merged_at,
    )
    # Accounts merged into the merged one before now belong to its survivor: the table stays one hop deep.
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, surviving_id)


async def cancel_duplicate_registrations(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, at: datetime
) -> list[asyncpg.Record]:
    """Cancels the merged learner's live registrations for activities the survivor is registered for too."""
    return await conn.fetch(
        """UPDATE registrations m SET status = 'cancelled', cancelled_at = $3
           WHERE m.learner_id = $1 AND m.status = 'confirmed'
             AND EXISTS (SELECT 1 FROM registrations s
                         WHERE s.learner_id = $2 AND s.activity_id = m.activity_id AND s.status = 'confirmed')
           RETURNING m.id, m.learner_id, m.activity_id, m.cancelled_at""",
        merged_id,
        surviving_id,
        at,
    )


async def move_registrations(conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
    result = await conn.execute(
        "UPDATE registrations SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id
    )
    return int(result.split()[-1])


async def move_attendance(conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
    """Moves attendance; a session both accounts attended keeps one row, the one recorded first."""
    await conn.execute(
        """UPDATE attendance s SET method = m.method, recorded_at = m.recorded_at
           FROM attendance m
           WHERE s.learner_id = $2 AND m.learner_id = $1 AND m.session_id = s.session_id
             AND m.recorded_at < s.recorded_at""",
        merged_id,
        surviving_id,
    )
    await conn.execute(
        """DELETE FROM attendance m USING attendance s
           WHERE m.learner_id = $1 AND s.learner_id = $2 AND s.session_id = m.session_id""",
        merged_id,
        surviving_id,
    )
    result = await conn.execute("UPDATE attendance SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id)
    return int(result.split()[-1])


async def move_code_uses(conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
    result = await conn.execute(
        "UPDATE event_code_uses SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id
    )
    return int(result.split()[-1])
