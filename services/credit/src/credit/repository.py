"""SQL of credit's projection of catalog events: activities, registrations and attendance, and what a learner's
participation in an activity comes to. Every function takes the connection it runs on.

Claims, extensions and merges have their own: claims_repository.py, extensions_repository.py, merges_repository.py.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from credit import domain
from opencme_kit import db


def to_activity(row: asyncpg.Record) -> domain.Activity:
    return domain.Activity(
        id=row["id"],
        title=row["title"],
        format=row["format"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        location=row["location"],
        provider_name=row["provider_name"],
        claim_window_days=row["claim_window_days"],
        designations={d["credit_type"]: (Decimal(d["max_credits"]), d["statement"]) for d in row["designations"]},
        moc_boards=frozenset(row["moc_boards"]),
        requires_event_code=row["requires_event_code"],
        available_until=row["available_until"],
    )


async def upsert_activity(
    conn: db.Connection,
    *,
    id: uuid.UUID,
    title: str,
    format: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    location: str | None,
    provider_name: str,
    designations: list[dict[str, str]],
    claim_window_days: int,
    available_until: datetime | None,
    moc_boards: list[str],
    requires_event_code: bool,
    published_at: datetime,
) -> None:
    """`designations` as catalog publishes them (credit_type, max_credits, statement); an older publication of the
    activity arriving late changes nothing."""
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
        id,
        title,
        format,
        starts_at,
        ends_at,
        location,
        provider_name,
        designations,
        claim_window_days,
        available_until,
        moc_boards,
        requires_event_code,
        published_at,
    )


async def insert_registration(
    conn: db.Connection, *, registration_id: uuid.UUID, learner_id: uuid.UUID, activity_id: uuid.UUID, email: str
) -> None:
    await conn.execute(
        "INSERT INTO registrations (id, learner_id, activity_id, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        registration_id,
        learner_id,
        activity_id,
        email,
    )


async def cancel_registration(conn: db.Connection, registration_id: uuid.UUID) -> None:
    await conn.execute("UPDATE registrations SET cancelled = true WHERE id = $1", registration_id)


async def insert_attendance(
    conn: db.Connection,
    *,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    session_id: uuid.UUID | None,
    attended_on: date,
) -> None:
    await conn.execute(
        "INSERT INTO attendance (learner_id, activity_id, session_id, attended_on) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        learner_id,
        activity_id,
        session_id,
        attended_on,
    )


async def get_activity(conn: db.Connection, activity_id: uuid.UUID) -> domain.Activity | None:
    row = await conn.fetchrow("SELECT * FROM activities WHERE id = $1", activity_id)
    return to_activity(row) if row is not None else None


async def participation(conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> domain.Participation:
    row = await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM registrations WHERE learner_id = $1 AND activity_id = $2 AND NOT cancelled)
                      AS registered,
                  (SELECT max(attended_on) FROM attendance WHERE learner_id = $1 AND activity_id = $2) AS attended_on,
                  (SELECT until_date FROM claim_window_extensions WHERE learner_id = $1 AND activity_id = $2)
                      AS extension_until""",
        learner_id,
        activity_id,
    )
    assert row is not None  # a SELECT without FROM always gives its one row
    return domain.Participation(
        registered=row["registered"], attended_on=row["attended_on"], extension_until=row["extension_until"]
    )


async def claimable_candidates(conn: db.Connection, learner_id: uuid.UUID) -> list[domain.Activity]:
    """Activities the learner registered for or attended and has not claimed yet."""
    rows = await conn.fetch(
        """SELECT a.* FROM activities a
           WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.learner_id = $1 AND c.activity_id = a.id
                             AND c.revoked_at IS NULL)
             AND (EXISTS (SELECT 1 FROM registrations r WHERE r.learner_id = $1 AND r.activity_id = a.id
                          AND NOT r.cancelled)
                  OR EXISTS (SELECT 1 FROM attendance t WHERE t.learner_id = $1 AND t.activity_id = a.id))
           ORDER BY a.ends_at NULLS LAST""",
        learner_id,
    )
    return [to_activity(row) for row in rows]
