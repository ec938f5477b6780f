"""SQL of claim-window extensions: the one in force per learner and activity, and the history of every change."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from opencme_kit import db


async def upsert_extension(
    conn: db.Connection,
    *,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    until: date,
    reason: str,
    granted_by: uuid.UUID,
) -> asyncpg.Record:
    """A new grant replaces the one in force, with its reason, granter and time."""
    row = await conn.fetchrow(
        """INSERT INTO claim_window_extensions (learner_id, activity_id, until_date, reason, granted_by, granted_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (learner_id, activity_id) DO UPDATE SET until_date = EXCLUDED.until_date,
               reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at
           RETURNING *""",
        learner_id,
        activity_id,
        until,
        reason,
        granted_by,
    )
    assert row is not None  # an upsert always returns its row
    return row


async def delete_extension(conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "DELETE FROM claim_window_extensions WHERE learner_id = $1 AND activity_id = $2 RETURNING *",
        learner_id,
        activity_id,
    )


async def record_extension_history(
    conn: db.Connection, extension: asyncpg.Record, *, action: str, acted_by: uuid.UUID
) -> None:
    await conn.execute(
        """INSERT INTO claim_window_extension_history (learner_id, activity_id, action, until_date, reason, acted_by)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        extension["learner_id"],
        extension["activity_id"],
        action,
        extension["until_date"],
        extension["reason"],
        acted_by,
    )


async def extensions_of(conn: db.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT e.*, a.title AS activity_title FROM claim_window_extensions e
           JOIN activities a ON a.id = e.activity_id
           WHERE e.learner_id = $1 ORDER BY e.until_date, a.title""",
        learner_id,
    )


async def extension_history(
    conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID | None
) -> list[asyncpg.Record]:
    """Every grant and withdrawal for the learner, newest first: those recorded under the accounts merged into theirs
    too (a merge moves the extension in force, and its history reads as one)."""
    return await conn.fetch(
        """SELECT h.*, a.title AS activity_title FROM claim_window_extension_history h
           JOIN activities a ON a.id = h.activity_id
           WHERE (h.learner_id = $1 OR h.learner_id IN (SELECT merged_id FROM merged_accounts WHERE surviving_id = $1))
             AND ($2::uuid IS NULL OR h.activity_id = $2)
           ORDER BY h.acted_at DESC, h.id DESC""",
        learner_id,
        activity_id,
    )
