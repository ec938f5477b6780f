"""SQL of registrations: a learner's, a cancel, and what an account merge does to them."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db


async def live_registration(
    conn: db.Connection, activity_id: uuid.UUID, learner_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id FROM registrations WHERE activity_id = $1 AND learner_id = $2 AND status = 'confirmed'",
        activity_id,
        learner_id,
    )


async def insert_registration(
    conn: db.Connection,
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


async def registrations_of(conn: db.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT r.*, a.title AS activity_title, a.status AS activity_status
           FROM registrations r JOIN activities a ON a.id = r.activity_id
           WHERE r.learner_id = $1 ORDER BY r.created_at DESC""",
        learner_id,
    )


async def get_registration(
    conn: db.Connection, registration_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    """The registration with its activity's title and start; locked when `for_update`, so two cancels queue."""
    lock = "FOR UPDATE OF r" if for_update else ""
    return await conn.fetchrow(
        f"""SELECT r.*, a.title AS activity_title, a.starts_at AS activity_starts_at, a.status AS activity_status
            FROM registrations r JOIN activities a ON a.id = r.activity_id WHERE r.id = $1 {lock}""",
        registration_id,
    )


async def cancel_registration(
    conn: db.Connection, registration_id: uuid.UUID, *, by: uuid.UUID, at: datetime, reason: str | None = None
) -> asyncpg.Record:
    """Cancels a live registration (its seat is free again), with staff's reason if given; payment_status stays as it
    was.

    The caller holds the row (get_registration for_update) and has seen it live.
    """
    cancelled = await conn.fetchrow(
        """UPDATE registrations SET status = 'cancelled', cancelled_at = $3, cancelled_by = $2,
                                    cancellation_reason = $4
           WHERE id = $1 AND status = 'confirmed'
           RETURNING id, learner_id, activity_id, cancelled_at""",
        registration_id,
        by,
        at,
        reason,
    )
    assert cancelled is not None, f"registration {registration_id} was not live"
    return cancelled


async def cancel_activity_registrations(
    conn: db.Connection, activity_id: uuid.UUID, *, by: uuid.UUID, at: datetime, reason: str
) -> list[asyncpg.Record]:
    """Cancels every live registration of the activity, which is being cancelled (and is locked by the caller, so
    none is added meanwhile), keeping the activity's reason on each; returns them, by number."""
    return await conn.fetch(
        """UPDATE registrations SET status = 'cancelled', cancelled_at = $3, cancelled_by = $2,
                                    cancellation_reason = $4
           WHERE activity_id = $1 AND status = 'confirmed'
           RETURNING id, number, learner_id, email""",
        activity_id,
        by,
        at,
        reason,
    )


async def cancel_duplicate_registrations(
    conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, at: datetime
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


async def move_registrations(conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
    result = await conn.execute(
        "UPDATE registrations SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id
    )
    return int(result.split()[-1])


async def roster(conn: db.Connection, activity_id: uuid.UUID, *, cancelled_too: bool) -> list[asyncpg.Record]:
    """The activity's registrations with each learner's name from their newest profile, by last name (cancelled ones
    last)."""
    return await conn.fetch(
        """SELECT r.*, p.first_name, p.middle_name, p.last_name, p.suffix, p.degree
           FROM registrations r LEFT JOIN learner_profile_versions p ON p.learner_id = r.learner_id
           WHERE r.activity_id = $1 AND ($2 OR r.status = 'confirmed')
           ORDER BY r.status = 'cancelled', lower(p.last_name) NULLS LAST, lower(p.first_name), r.created_at, r.id""",
        activity_id,
        cancelled_too,
    )
