"""SQL of the verified-email projection and of attendance pending for an address; functions take the connection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from opencme_contracts.events import LearnerProfile
from opencme_kit import db


async def lock_emails(conn: db.Connection, emails: Iterable[str]) -> None:
    """Held until commit by whoever reads or changes who an address belongs to, or its pending attendance.

    Without it, staff could file an address as pending just as its verification commits and the row would wait for a
    verification that already happened. Taken in sorted order, and always before any learner lock, so no two
    transactions wait for each other.
    """
    for email in sorted(set(emails)):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('catalog.email'), hashtext($1))", email)


async def advance_profile_version(
    conn: db.Connection, learner_id: uuid.UUID, version: int, profile: LearnerProfile
) -> bool:
    """Records `version` as the learner's newest, with the name and degree it gives; False when it is not newer than
    one already applied."""
    return bool(
        await conn.fetchval(
            """INSERT INTO learner_profile_versions (learner_id, version, first_name, middle_name, last_name, suffix,
                                                     degree)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (learner_id) DO UPDATE SET version = EXCLUDED.version, first_name = EXCLUDED.first_name,
                   middle_name = EXCLUDED.middle_name, last_name = EXCLUDED.last_name, suffix = EXCLUDED.suffix,
                   degree = EXCLUDED.degree
               WHERE learner_profile_versions.version < EXCLUDED.version
               RETURNING true""",
            learner_id,
            version,
            profile.first_name,
            profile.middle_name,
            profile.last_name,
            profile.suffix,
            profile.degree,
        )
    )


async def claim_email(conn: db.Connection, email: str, learner_id: uuid.UUID, at: datetime) -> bool:
    """Gives the address to the learner unless another learner's newer event holds it; True if the learner holds it."""
    holder = await conn.fetchval(
        """INSERT INTO learner_emails (email, learner_id, claimed_at) VALUES ($1, $2, $3)
           ON CONFLICT (email) DO UPDATE
               SET learner_id = EXCLUDED.learner_id,
                   claimed_at = greatest(learner_emails.claimed_at, EXCLUDED.claimed_at)
               WHERE learner_emails.learner_id = EXCLUDED.learner_id OR learner_emails.claimed_at <= EXCLUDED.claimed_at
           RETURNING learner_id""",
        email,
        learner_id,
        at,
    )
    return holder == learner_id


async def release_emails_except(conn: db.Connection, learner_id: uuid.UUID, keep: list[str], as_of: datetime) -> int:
    """Drops the learner's addresses missing from a profile of `as_of`; one claimed after it stays."""
    result = await conn.execute(
        "DELETE FROM learner_emails WHERE learner_id = $1 AND NOT (email = ANY($2::text[])) AND claimed_at <= $3",
        learner_id,
        keep,
        as_of,
    )
    return int(result.split()[-1])


async def holder_of(conn: db.Connection, email: str) -> uuid.UUID | None:
    """The learner id an address was verified for (maybe merged since: resolve it with merges.owner_of)."""
    return await conn.fetchval("SELECT learner_id FROM learner_emails WHERE email = $1", email)


async def add_pending(conn: db.Connection, *, session_id: uuid.UUID, email: str, recorded_by: uuid.UUID) -> None:
    """Files attendance for an unverified address; filing it again for the session keeps the first row."""
    await conn.execute(
        """INSERT INTO pending_attendance (session_id, email, recorded_by) VALUES ($1, $2, $3)
           ON CONFLICT (session_id, email) DO NOTHING""",
        session_id,
        email,
        recorded_by,
    )


async def waiting_for(conn: db.Connection, email: str) -> list[asyncpg.Record]:
    """Pending attendance of an address not attached yet, with what recording it needs; locked until commit."""
    return await conn.fetch(
        """SELECT p.id, p.session_id, s.activity_id, s.starts_at
           FROM pending_attendance p JOIN sessions s ON s.id = p.session_id
           WHERE p.email = $1 AND p.attached_at IS NULL ORDER BY p.id FOR UPDATE OF p""",
        email,
    )


async def mark_attached(conn: db.Connection, pending_id: int, *, learner_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE pending_attendance SET attached_to = $2, attached_at = $3 WHERE id = $1", pending_id, learner_id, at
    )


async def filed_for_session(conn: db.Connection, session_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every address filed for the session, pending or attached since."""
    return await conn.fetch(
        """SELECT email, recorded_by, recorded_at, attached_to, attached_at FROM pending_attendance
           WHERE session_id = $1 ORDER BY recorded_at, email""",
        session_id,
    )
