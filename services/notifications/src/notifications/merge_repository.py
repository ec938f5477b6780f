"""SQL of account merges: moving a merged learner's rows to the survivor (the map of merged accounts is the kit's)."""

from __future__ import annotations

import uuid

import asyncpg

from opencme_kit import db


async def move_history(conn: db.Connection, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> None:
    """The delivery log (sent mail included: it is history, never sent again), what certificates told us about claims,
    and the registrations: none of them can collide, so they simply change hands."""
    for table in ("messages", "claims", "registrations"):
        await conn.execute(f"UPDATE {table} SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id)


async def move_participations(conn: db.Connection, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> None:
    """Participations in activities only the merged learner took part in; the shared ones stay for `combine`."""
    await conn.execute(
        """UPDATE participations SET learner_id = $2
           WHERE learner_id = $1
             AND activity_id NOT IN (SELECT activity_id FROM participations WHERE learner_id = $2)""",
        merged_id,
        surviving_id,
    )


async def shared_participations(
    conn: db.Connection, merged_id: uuid.UUID, surviving_id: uuid.UUID
) -> list[asyncpg.Record]:
    """Activities both accounts took part in, with each one's reminder and where that reminder stands."""
    return await conn.fetch(
        """SELECT m.activity_id,
                  m.reminder_message_id AS merged_reminder, mm.status AS merged_status,
                  s.reminder_message_id AS surviving_reminder, sm.status AS surviving_status,
                  least(m.claimed_at, s.claimed_at) AS claimed_at
           FROM participations m
           JOIN participations s ON s.learner_id = $2 AND s.activity_id = m.activity_id
           LEFT JOIN messages mm ON mm.id = m.reminder_message_id
           LEFT JOIN messages sm ON sm.id = s.reminder_message_id
           WHERE m.learner_id = $1
           ORDER BY m.activity_id""",
        merged_id,
        surviving_id,
    )


async def combine_participation(
    conn: db.Connection,
    merged_id: uuid.UUID,
    surviving_id: uuid.UUID,
    activity_id: uuid.UUID,
    *,
    reminder_message_id: uuid.UUID | None,
) -> None:
    """Folds the merged learner's participation into the survivor's: the latest attendance, the first claim."""
    await conn.execute(
        """UPDATE participations s
           SET attended_on = greatest(s.attended_on, m.attended_on), claimed_at = least(s.claimed_at, m.claimed_at),
               reminder_message_id = $4
           FROM participations m
           WHERE s.learner_id = $2 AND s.activity_id = $3 AND m.learner_id = $1 AND m.activity_id = $3""",
        merged_id,
        surviving_id,
        activity_id,
        reminder_message_id,
    )
    await conn.execute("DELETE FROM participations WHERE learner_id = $1 AND activity_id = $2", merged_id, activity_id)


async def take_preferences(conn: db.Connection, merged_id: uuid.UUID) -> bool | None:
    """Removes the merged learner's reminder choice and returns it (None: never chose)."""
    reminders: bool | None = await conn.fetchval(
        "DELETE FROM preferences WHERE learner_id = $1 RETURNING reminders", merged_id
    )
    return reminders
