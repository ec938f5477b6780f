"""SQL of the claim-window reminder: the activity and participation projection, and learners' preferences."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from notifications import claim_window, domain
from opencme_kit import db


async def upsert_activity(
    conn: db.Connection,
    *,
    activity_id: uuid.UUID,
    title: str,
    format: str,
    ends_at: datetime | None,
    claim_window_days: int,
    published_at: datetime,
) -> None:
    """Keeps the newest publication of the activity, whatever order they arrive in."""
    await conn.execute(
        """INSERT INTO activities (activity_id, title, format, ends_at, claim_window_days, published_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (activity_id) DO UPDATE
               SET title = EXCLUDED.title, format = EXCLUDED.format, ends_at = EXCLUDED.ends_at,
                   claim_window_days = EXCLUDED.claim_window_days, published_at = EXCLUDED.published_at
               WHERE activities.published_at <= EXCLUDED.published_at""",
        activity_id,
        title,
        format,
        ends_at,
        claim_window_days,
        published_at,
    )


async def note_participation(
    conn: db.Connection,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    *,
    attended_on: date | None = None,
    claimed_at: datetime | None = None,
) -> None:
    """Records that the learner takes part; keeps the latest attendance and the first claim."""
    await conn.execute(
        """INSERT INTO participations (learner_id, activity_id, attended_on, claimed_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (learner_id, activity_id) DO UPDATE
               SET attended_on = greatest(participations.attended_on, EXCLUDED.attended_on),
                   claimed_at = coalesce(participations.claimed_at, EXCLUDED.claimed_at)""",
        learner_id,
        activity_id,
        attended_on,
        claimed_at,
    )


async def reminder_of(conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> uuid.UUID | None:
    return await conn.fetchval(
        "SELECT reminder_message_id FROM participations WHERE learner_id = $1 AND activity_id = $2",
        learner_id,
        activity_id,
    )


async def unsent_reminders_of(conn: db.Connection, learner_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.fetch(
        "SELECT id FROM messages WHERE learner_id = $1 AND kind = ANY($2::text[]) "
        "AND status IN ('queued', 'waiting_for_recipient')",
        learner_id,
        sorted(domain.REMINDERS),
    )
    return [r["id"] for r in rows]


async def mark_reminded(
    conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID, message_id: uuid.UUID
) -> None:
    await conn.execute(
        "UPDATE participations SET reminder_message_id = $3 WHERE learner_id = $1 AND activity_id = $2",
        learner_id,
        activity_id,
        message_id,
    )


async def reminder_candidates(
    conn: db.Connection,
    *,
    today: date,
    lead_days: int,
    learner_id: uuid.UUID | None = None,
    activity_id: uuid.UUID | None = None,
) -> list[claim_window.Participation]:
    """Unclaimed, not yet reminded participations of learners who take reminders whose window may close within
    `lead_days`. A coarse filter in SQL so that the whole projection is not read every round; claim_window decides."""
    rows = await conn.fetch(
        """SELECT p.learner_id, p.activity_id, a.title, a.format, a.ends_at, a.claim_window_days, p.attended_on,
                  EXISTS (SELECT 1 FROM registrations r
                          WHERE r.learner_id = p.learner_id AND r.activity_id = p.activity_id
                            AND r.confirmed_event_id IS NOT NULL AND r.cancelled_event_id IS NULL) AS registered
           FROM participations p JOIN activities a USING (activity_id)
           WHERE p.claimed_at IS NULL AND p.reminder_message_id IS NULL
             AND a.format = ANY($3::text[])
             AND coalesce(p.attended_on, (a.ends_at AT TIME ZONE 'UTC')::date)
                 BETWEEN $1::date - a.claim_window_days AND $1::date + $2::int - a.claim_window_days
             AND NOT EXISTS (SELECT 1 FROM preferences pr WHERE pr.learner_id = p.learner_id AND NOT pr.reminders)
             AND ($4::uuid IS NULL OR (p.learner_id = $4 AND p.activity_id = $5))
           ORDER BY p.learner_id, p.activity_id""",
        today,
        lead_days,
        sorted(claim_window.DATED_FORMATS),
        learner_id,
        activity_id,
    )
    return [claim_window.Participation(claimed=False, **dict(r)) for r in rows]


async def get_preferences(conn: db.Connection, learner_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT reminders, updated_at FROM preferences WHERE learner_id = $1", learner_id)


async def set_preferences(conn: db.Connection, learner_id: uuid.UUID, *, reminders: bool) -> asyncpg.Record:
    [row] = await conn.fetch(
        """INSERT INTO preferences (learner_id, reminders) VALUES ($1, $2)
           ON CONFLICT (learner_id) DO UPDATE SET reminders = EXCLUDED.reminders, updated_at = now()
           RETURNING reminders, updated_at""",
        learner_id,
        reminders,
    )
    return row


async def takes_reminders(conn: db.Connection, learner_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT coalesce((SELECT reminders FROM preferences WHERE learner_id = $1), true)", learner_id
        )
    )
