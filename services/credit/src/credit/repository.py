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
        a["id"],
        a["title"],
        a["format"],
        a["starts_at"],
        a["ends_at"],
        a["location"],
        a["provider_name"],
        a["designations"],
        a["claim_window_days"],
        a["available_until"],
        a["moc_boards"],
        a["requires_event_code"],
        a["published_at"],
    )


async def insert_registration(
    conn: asyncpg.Connection, *, registration_id: uuid.UUID, learner_id: uuid.UUID, activity_id: uuid.UUID, email: str
) -> None:
    await conn.execute(
        "INSERT INTO registrations (id, learner_id, activity_id, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        registration_id,
        learner_id,
        activity_id,
        email,
    )


async def cancel_registration(conn: asyncpg.Connection, registration_id: uuid.UUID) -> None:
    await conn.execute("UPDATE registrations SET cancelled = true WHERE id = $1", registration_id)


async def insert_attendance(
    conn: asyncpg.Connection,
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


async def get_activity(conn: asyncpg.Connection, activity_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM activities WHERE id = $1", activity_id)


async def participation(conn: asyncpg.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM registrations WHERE learner_id = $1 AND activity_id = $2 AND NOT cancelled)
                      AS registered,
                  (SELECT max(attended_on) FROM attendance WHERE learner_id = $1 AND activity_id = $2) AS attended_on,
                  (SELECT until_date FROM claim_window_extensions WHERE learner_id = $1 AND activity_id = $2)
                      AS extension_until""",
        learner_id,
        activity_id,
    )


async def insert_claim(
    conn: asyncpg.Connection,
    *,
    claim_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    credits: list[dict[str, str]],
    evaluation: dict[str, Any],
    completed_on: date,
    claimed_at: datetime,
    moc_boards: list[str],
    share_permission: bool,
    corrects_claim_id: uuid.UUID | None = None,
    corrected_by: uuid.UUID | None = None,
) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO claims (id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at, moc_boards,
               share_permission, corrects_claim_id, corrected_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (learner_id, activity_id) WHERE revoked_at IS NULL DO NOTHING RETURNING true""",
        claim_id,
        learner_id,
        activity_id,
        credits,
        evaluation,
        completed_on,
        claimed_at,
        moc_boards,
        share_permission,
        corrects_claim_id,
        corrected_by,
    )
    return bool(inserted)


async def get_claim(
    conn: asyncpg.Connection, claim_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM claims WHERE id = $1{lock}", claim_id)


async def revoke_claim(
    conn: asyncpg.Connection, claim_id: uuid.UUID, *, reason: str, revoked_at: datetime
) -> asyncpg.Record:
    return await conn.fetchrow(
        """UPDATE claims SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL
           RETURNING id, activity_id, revoked_at, revoked_reason""",
        claim_id,
        revoked_at,
        reason,
    )


async def claims_for_support(
    conn: asyncpg.Connection, learner_id: uuid.UUID, *, include_revoked: bool
) -> list[asyncpg.Record]:
    """A learner's claims with their correction links both ways, newest first; revoked ones only if asked."""
    return await conn.fetch(
        """SELECT c.*, a.title AS activity_title, a.format AS activity_format, n.id AS corrected_by_claim_id
           FROM claims c
           JOIN activities a ON a.id = c.activity_id
           LEFT JOIN claims n ON n.corrects_claim_id = c.id
           WHERE c.learner_id = $1 AND ($2 OR c.revoked_at IS NULL)
           ORDER BY c.completed_on DESC, c.claimed_at DESC""",
        learner_id,
        include_revoked,
    )


async def claims_of(
    conn: asyncpg.Connection, learner_id: uuid.UUID, *, date_from: date | None = None, date_to: date | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT c.*, a.title AS activity_title, a.format AS activity_format FROM claims c
           JOIN activities a ON a.id = c.activity_id
           WHERE c.learner_id = $1 AND c.revoked_at IS NULL AND ($2::date IS NULL OR c.completed_on >= $2)
             AND ($3::date IS NULL OR c.completed_on <= $3)
           ORDER BY c.completed_on DESC, c.claimed_at DESC""",
        learner_id,
        date_from,
        date_to,
    )


async def claimable_candidates(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    """Activities the learner registered for or attended and has not claimed yet."""
    return await conn.fetch(
        """SELECT a.* FROM activities a
           WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.learner_id = $1 AND c.activity_id = a.id
                             AND c.revoked_at IS NULL)
             AND (EXISTS (SELECT 1 FROM registrations r WHERE r.learner_id = $1 AND r.activity_id = a.id
                          AND NOT r.cancelled)
                  OR EXISTS (SELECT 1 FROM attendance t WHERE t.learner_id = $1 AND t.activity_id = a.id))
           ORDER BY a.ends_at NULLS LAST""",
        learner_id,
    )


# --- claim-window extensions (support) ------------------------------------------------------------------------------


async def upsert_extension(
    conn: asyncpg.Connection,
    *,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    until: date,
    reason: str,
    granted_by: uuid.UUID,
) -> asyncpg.Record:
    """A new grant replaces the one in force, with its reason, granter and time."""
    return await conn.fetchrow(
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


async def delete_extension(
    conn: asyncpg.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "DELETE FROM claim_window_extensions WHERE learner_id = $1 AND activity_id = $2 RETURNING *",
        learner_id,
        activity_id,
    )


async def record_extension_history(
    conn: asyncpg.Connection, extension: asyncpg.Record, *, action: str, acted_by: uuid.UUID
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


async def extensions_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT e.*, a.title AS activity_title FROM claim_window_extensions e
           JOIN activities a ON a.id = e.activity_id
           WHERE e.learner_id = $1 ORDER BY e.until_date, a.title""",
        learner_id,
    )


# --- account merges ------------------------------------------------------------------------------------------------


async def survivor_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID | None:
    return await conn.fetchval("SELECT surviving_id FROM merged_accounts WHERE merged_id = $1", learner_id)


async def lock_learner(conn: asyncpg.Connection, learner_id: uuid.UUID, *, exclusive: bool = False) -> None:
    """Transaction-scoped: writers for a learner share it, a merge of that learner takes it alone."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"SELECT {function}(hashtextextended('credit.learner:' || $1::uuid::text, 0))", learner_id)


async def record_merge(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> uuid.UUID:
    """Records the mapping (a merge seen before keeps its mapping) and repoints accounts merged into `merged_id`
    earlier, so the table stays flat; returns the survivor the merged account's records belong to."""
    await conn.execute(
        "INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (merged_id) DO NOTHING",
        merged_id,
        surviving_id,
        merged_at,
    )
    survivor: uuid.UUID = await conn.fetchval(
        "SELECT surviving_id FROM merged_accounts WHERE merged_id = $1", merged_id
    )
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, survivor)
    return survivor


async def revoke_duplicate_claims(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID
) -> list[asyncpg.Record]:
    """Revokes the merged account's standing claims for activities the survivor has claimed too."""
    return await conn.fetch(
        """UPDATE claims m SET revoked_at = now(),
                  revoked_reason = 'duplicate of claim ' || s.id || ' after account merge'
           FROM claims s
           WHERE m.learner_id = $1 AND m.revoked_at IS NULL
             AND s.learner_id = $2 AND s.activity_id = m.activity_id AND s.revoked_at IS NULL
           RETURNING m.id, m.activity_id, m.revoked_at, m.revoked_reason""",
        merged_id,
        surviving_id,
    )


async def move_learner_records(conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> None:
    """Hands every record of `merged_id` to `surviving_id`; call after `revoke_duplicate_claims`."""
    await conn.execute("UPDATE registrations SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id)
    # The same day attended under both accounts is one attendance; the survivor's row stays.
    await conn.execute(
        """INSERT INTO attendance (learner_id, activity_id, session_id, attended_on)
           SELECT $2, activity_id, session_id, attended_on FROM attendance WHERE learner_id = $1
           ON CONFLICT DO NOTHING""",
        merged_id,
        surviving_id,
    )
    await conn.execute("DELETE FROM attendance WHERE learner_id = $1", merged_id)
    # Two extensions for one activity: the learner keeps the later deadline, with its reason and who granted it.
    await conn.execute(
        """INSERT INTO claim_window_extensions (learner_id, activity_id, until_date, reason, granted_by, granted_at)
           SELECT $2, activity_id, until_date, reason, granted_by, granted_at
           FROM claim_window_extensions WHERE learner_id = $1
           ON CONFLICT (learner_id, activity_id) DO UPDATE SET until_date = EXCLUDED.until_date,
               reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at
           WHERE claim_window_extensions.until_date < EXCLUDED.until_date""",
        merged_id,
        surviving_id,
    )
    await conn.execute("DELETE FROM claim_window_extensions WHERE learner_id = $1", merged_id)
    await conn.execute(
        "UPDATE claims SET learner_id = $2, merged_from = coalesce(merged_from, $1) WHERE learner_id = $1",
        merged_id,
        surviving_id,
    )
