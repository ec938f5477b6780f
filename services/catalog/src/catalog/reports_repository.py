"""SQL of the office's reports: counts grouped by bucket (date_trunc in UTC) in one query each, never row by row."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db


async def registrations_by_bucket(
    conn: db.Connection, *, bucket: str, start: datetime, end: datetime, activity_id: uuid.UUID | None
) -> list[asyncpg.Record]:
    """Registrations made in [start, end), per bucket and attendee category: how many are still confirmed, how many
    were cancelled since, and the fees of the confirmed ones."""
    return await conn.fetch(
        """SELECT date_trunc($1, r.created_at AT TIME ZONE 'UTC')::date AS period,
                  r.attendee_category AS category,
                  count(*) FILTER (WHERE r.status = 'confirmed') AS confirmed,
                  count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
                  coalesce(sum(r.fee_cents) FILTER (WHERE r.status = 'confirmed'), 0) AS fees_cents
           FROM registrations r
           WHERE r.created_at >= $2 AND r.created_at < $3 AND ($4::uuid IS NULL OR r.activity_id = $4)
           GROUP BY 1, 2
           ORDER BY 1, 2""",
        bucket,
        start,
        end,
        activity_id,
    )


async def attendance_by_bucket(
    conn: db.Connection, *, bucket: str, start: datetime, end: datetime, activity_id: uuid.UUID | None
) -> list[asyncpg.Record]:
    """Attendance recorded in [start, end), per bucket and session, with the session's activity."""
    return await conn.fetch(
        """SELECT date_trunc($1, t.recorded_at AT TIME ZONE 'UTC')::date AS period,
                  a.id AS activity_id, a.title AS activity_title, s.id AS session_id, s.title AS session_title,
                  s.starts_at AS session_starts_at, count(*) AS attended
           FROM attendance t JOIN sessions s ON s.id = t.session_id JOIN activities a ON a.id = s.activity_id
           WHERE t.recorded_at >= $2 AND t.recorded_at < $3 AND ($4::uuid IS NULL OR s.activity_id = $4)
           GROUP BY 1, a.id, s.id
           ORDER BY 1, a.title, a.id, s.starts_at, s.id""",
        bucket,
        start,
        end,
        activity_id,
    )
