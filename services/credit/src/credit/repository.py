"""SQL of the credit service; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg


async def upsert_activity(conn: asyncpg.Connection, **a: Any) -> None:
    await conn.execute(
        """INSERT INTO activities (id, title, format, starts_at, ends_at, location, provider_name, designations,
               claim_window_days, available_until, moc_boards, requires_event_code, published_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, format = EXCLUDED.format,
               starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, location = EXCLUDED.location,
               provider_name = EXCLUDED.provider_name, designations = EXCLUDED.designations,
               claim_window_days = EXCLUDED.claim_window_days, available_until = EXCLUDED.available_until,
               moc_boards = EXCLUDED.moc_boards, requires_event_code = EXCLUDED.requires_event_code,
               published_at = EXCLUDED.published_at
           WHERE activities.published_at <= EXCLUDED.published_at""",
        a["id"], a["title"], a["format"], a["starts_at"], a["ends_at"], a["location"], a["provider_name"],
        a["designations"], a["claim_window_days"], a["available_until"], a["moc_boards"], a["requires_event_code"],
        a["published_at"])


async def insert_registration(conn: asyncpg.Connection, *, registration_id: uuid.UUID, learner_id: uuid.UUID,
                              activity_id: uuid.UUID, email: str) -> None:
    await conn.execute(
        "INSERT INTO registrations (id, learner_id, activity_id, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        registration_id, learner_id, activity_id, email)


async def cancel_registration(conn: asyncpg.Connection, registration_id: uuid.UUID) -> None:
    await conn.execute("UPDATE registrations SET cancelled = true WHERE id = $1", registration_id)


async def insert_attendance(conn: asyncpg.Connection, *, learner_id: uuid.UUID, activity_id: uuid.UUID,
                            session_id: uuid.UUID | None, attended_on: date) -> None:
    await conn.execute(
        "INSERT INTO attendance (learner_id, activity_id, session_id, attended_on) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING", learner_id, activity_id, session_id, attended_on)


async def get_activity(conn: asyncpg.Connection, activity_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM activities WHERE id = $1", activity_id)


async def participation(conn: asyncpg.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM registrations WHERE learner_id = $1 AND activity_id = $2 AND NOT cancelled)
                      AS registered,
                  (SELECT max(attended_on) FROM attendance WHERE learner_id = $1 AND activity_id = $2) AS attended_on,
                  (SELECT until_date FROM claim_window_extensions WHERE learner_id = $1 AND activity_id = $2)
                      AS extension_until""", learner_id, activity_id)


async def insert_claim(conn: asyncpg.Connection, *, claim_id: uuid.UUID, learner_id: uuid.UUID,
                       activity_id: uuid.UUID, credits: list[dict[str, str]], evaluation: dict[str, Any],
                       completed_on: date, claimed_at: datetime, moc_boards: list[str],
                       share_permission: bool) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO claims (id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at, moc_boards,
               share_permission) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (learner_id, activity_id) DO NOTHING RETURNING true""",
        claim_id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at, moc_boards, share_permission)
    return bool(inserted)


async def claims_of(conn: asyncpg.Connection, learner_id: uuid.UUID, *, date_from: date | None = None,
                    date_to: date | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT c.*, a.title AS activity_title, a.format AS activity_format FROM claims c
           JOIN activities a ON a.id = c.activity_id
           WHERE c.learner_id = $1 AND ($2::date IS NULL OR c.completed_on >= $2)
             AND ($3::date IS NULL OR c.completed_on <= $3)
           ORDER BY c.completed_on DESC, c.claimed_at DESC""", learner_id, date_from, date_to)


async def claimable_candidates(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    """Activities the learner registered for or attended and has not claimed yet."""
    return await conn.fetch(
        """SELECT a.* FROM activities a
           WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.learner_id = $1 AND c.activity_id = a.id)
             AND (EXISTS (SELECT 1 FROM registrations r WHERE r.learner_id = $1 AND r.activity_id = a.id
                          AND NOT r.cancelled)
                  OR EXISTS (SELECT 1 FROM attendance t WHERE t.learner_id = $1 AND t.activity_id = a.id))
           ORDER BY a.ends_at NULLS LAST""", learner_id)
