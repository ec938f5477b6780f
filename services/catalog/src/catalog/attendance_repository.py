"""SQL of recorded attendance and of the log of event codes entered, and what an account merge does to them."""

from __future__ import annotations

import uuid

import asyncpg

from opencme_kit import db


async def insert_attendance(
    conn: db.Connection, *, session_id: uuid.UUID, learner_id: uuid.UUID, method: str
) -> asyncpg.Record | None:
    """Returns the new row, or None when this learner's attendance at the session was already recorded."""
    return await conn.fetchrow(
        """INSERT INTO attendance (session_id, learner_id, method) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING recorded_at""",
        session_id,
        learner_id,
        method,
    )


async def recorded_at_session(conn: db.Connection, session_id: uuid.UUID) -> list[asyncpg.Record]:
    """The session's attendees by last name, with the name from their newest profile and their newest verified
    address (both NULL until identity's events have brought them)."""
    return await conn.fetch(
        """SELECT t.learner_id, t.method, t.recorded_at, p.first_name, p.middle_name, p.last_name, p.suffix, p.degree,
                  (SELECT e.email FROM learner_emails e WHERE e.learner_id = t.learner_id
                   ORDER BY e.claimed_at DESC LIMIT 1) AS email
           FROM attendance t LEFT JOIN learner_profile_versions p ON p.learner_id = t.learner_id
           WHERE t.session_id = $1
           ORDER BY lower(p.last_name) NULLS LAST, lower(p.first_name), t.recorded_at, t.learner_id""",
        session_id,
    )


async def attended(conn: db.Connection, activity_id: uuid.UUID, learner_id: uuid.UUID) -> bool:
    """Whether the learner's attendance at any session of the activity has been recorded."""
    return await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM attendance t JOIN sessions s ON s.id = t.session_id
                          WHERE s.activity_id = $1 AND t.learner_id = $2)""",
        activity_id,
        learner_id,
    )


async def record_code_use(
    conn: db.Connection, *, code: str, learner_id: uuid.UUID, accepted: bool, reason: str | None
) -> None:
    await conn.execute(
        "INSERT INTO event_code_uses (code, learner_id, accepted, reason) VALUES ($1, $2, $3, $4)",
        code,
        learner_id,
        accepted,
        reason,
    )


async def move_attendance(conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
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


async def move_code_uses(conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> int:
    result = await conn.execute(
        "UPDATE event_code_uses SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id
    )
    return int(result.split()[-1])
