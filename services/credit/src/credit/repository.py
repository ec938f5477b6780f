"""SQL of credit's projection of catalog events: activities, registrations and attendance, and what a learner's
participation in an activity comes to (for a claim, read under the learner's lock). Every function takes the
connection it runs on.

Claims, extensions and merges have their own: claims_repository.py, extensions_repository.py, merges_repository.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
        cancelled_at=row["cancelled_at"],
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
               published_at = EXCLUDED.published_at, unpublished_at = NULL
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
    await cancel_registrations(conn, [registration_id])


async def cancel_registrations(conn: db.Connection, registration_ids: list[uuid.UUID]) -> None:
    await conn.execute("UPDATE registrations SET cancelled = true WHERE id = ANY($1::uuid[])", registration_ids)


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


async def mark_unpublished(conn: db.Connection, activity_id: uuid.UUID, at: datetime) -> None:
    """Not claimable until it is published again (upsert_activity clears the mark)."""
    await conn.execute("UPDATE activities SET unpublished_at = $2 WHERE id = $1", activity_id, at)


async def mark_cancelled(conn: db.Connection, activity_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    await conn.execute(
        "UPDATE activities SET cancelled_at = $2, cancellation_reason = $3 WHERE id = $1", activity_id, at, reason
    )


async def get_activity(conn: db.Connection, activity_id: uuid.UUID) -> domain.Activity | None:
    row = await conn.fetchrow("SELECT * FROM activities WHERE id = $1", activity_id)
    return to_activity(row) if row is not None else None


def to_participation(row: asyncpg.Record) -> domain.Participation:
    return domain.Participation(
        registered=row["registered"], attended_on=row["attended_on"], extension_until=row["extension_until"]
    )


async def participation(conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> domain.Participation:
    row = await conn.fetchrow("SELECT * FROM participation($1, $2)", learner_id, activity_id)
    assert row is not None  # the function always gives its one row
    return to_participation(row)


@dataclass(frozen=True)
class ClaimContext:
    """What a claim is decided on, read under the learner's lock."""

    owner_id: uuid.UUID  # the account holding the learner's records: the learner, or its survivor after a merge
    activity: domain.Activity | None  # None: no such activity
    participation: domain.Participation  # the owner's


async def claim_context(conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> ClaimContext:
    """In one round trip: `learner_id`'s lock, shared (as `merges.owner_of(shared=True)` takes it, until the
    transaction ends), and under it the account that owns the learner's records, the activity and the owner's
    participation in it (the function `claim_eligibility`, 005_claim_eligibility.sql, says why it is a function).

    When the learner was merged, the owner is not locked: the caller takes `merges.owner_of`, which locks it too.
    Outside a transaction the lock ends with the statement: the claim is then written by INSERT_CLAIM_ALONE, which
    takes it again and checks the learner was not merged in between (service.claim_credit)."""
    row = await conn.fetchrow(
        """SELECT e.*, a.* FROM claim_eligibility($1, $2) e
           LEFT JOIN activities a ON a.id = $2 AND a.unpublished_at IS NULL""",
        learner_id,
        activity_id,
    )
    assert row is not None  # the function always gives its one row
    return ClaimContext(
        owner_id=row["owner_id"],
        activity=to_activity(row) if row["id"] is not None else None,
        participation=to_participation(row),
    )


async def claimable_candidates(
    conn: db.Connection, learner_id: uuid.UUID
) -> list[tuple[domain.Activity, domain.Participation]]:
    """Activities the learner registered for or attended and has not claimed yet, each with the learner's
    participation; found from the learner's own registrations and attendance, however large the catalog."""
    rows = await conn.fetch(
        """SELECT a.*, p.* FROM activities a CROSS JOIN LATERAL participation($1, a.id) p
           WHERE a.unpublished_at IS NULL
             AND a.id IN (SELECT r.activity_id FROM registrations r WHERE r.learner_id = $1 AND NOT r.cancelled
                          UNION SELECT t.activity_id FROM attendance t WHERE t.learner_id = $1)
             AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.learner_id = $1 AND c.activity_id = a.id
                             AND c.revoked_at IS NULL)
           ORDER BY a.ends_at NULLS LAST""",
        learner_id,
    )
    return [(to_activity(row), to_participation(row)) for row in rows]
