"""SQL of board reporting; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from board_reporting import domain
from opencme_contracts.events import LearnerProfile

# Two-key advisory locks live apart from the kit's one-key ones (migrations, outbox relay).
_LEARNER_LOCK_SPACE = 0x0B0A


async def lock_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> None:
    """Serialises a learner's claims and profile changes until the transaction ends.

    They arrive on different topics, so without it a claim could read the old profile while the profile change looks
    for held reports before the claim's report is committed, and the report would stay held.
    """
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LEARNER_LOCK_SPACE, str(learner_id))


async def lock_and_resolve(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """Locks the learner and, when the help desk merged it, its survivor; returns the id its records belong to now.

    The mapping is read again under each new lock: a merge of the survivor that committed while we waited for its
    lock has repointed the mapping by then, and no further merge of the id we return can commit before we do.
    """
    await lock_learner(conn, learner_id)
    locked = {learner_id}
    while True:
        owner = (
            await conn.fetchval("SELECT surviving_id FROM merged_accounts WHERE merged_id = $1", learner_id)
            or learner_id
        )
        if owner in locked:
            return owner
        await lock_learner(conn, owner)
        locked.add(owner)


async def record_merge(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> None:
    """Maps the merged id, and every id merged into it before, to the survivor; a merge seen twice changes nothing."""
    await conn.execute(
        """INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3)
           ON CONFLICT (merged_id) DO NOTHING""",
        merged_id,
        surviving_id,
        merged_at,
    )
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, surviving_id)


async def move_reports(conn: asyncpg.Connection, *, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Gives the survivor the merged account's reports, status and all; returns how many moved."""
    moved = await conn.fetch(
        """UPDATE reports SET learner_id = $2, merged_from = COALESCE(merged_from, learner_id), updated_at = now()
           WHERE learner_id = $1 RETURNING id""",
        from_id,
        to_id,
    )
    return len(moved)


async def remember_revocation(
    conn: asyncpg.Connection, *, claim_id: uuid.UUID, learner_id: uuid.UUID, revoked_at: datetime, reason: str
) -> None:
    await conn.execute(
        """INSERT INTO revoked_claims (claim_id, learner_id, revoked_at, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (claim_id) DO NOTHING""",
        claim_id,
        learner_id,
        revoked_at,
        reason,
    )


async def is_revoked(conn: asyncpg.Connection, claim_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM revoked_claims WHERE claim_id = $1", claim_id))


async def reports_of_claim(conn: asyncpg.Connection, claim_id: uuid.UUID) -> list[asyncpg.Record]:
    """The claim's reports, locked: a submitter holding one (mid-claim) is waited for, so its status is final."""
    return await conn.fetch("SELECT * FROM reports WHERE claim_id = $1 ORDER BY board_code FOR UPDATE", claim_id)


async def withdraw(
    conn: asyncpg.Connection, report_id: uuid.UUID, *, reason: str, revoked_at: datetime, revoked_reason: str
) -> asyncpg.Record:
    return await conn.fetchrow(
        """UPDATE reports SET status = 'withdrawn', reason = $2, next_attempt_at = NULL,
               revoked_at = COALESCE(revoked_at, $3), revoked_reason = COALESCE(revoked_reason, $4), updated_at = now()
           WHERE id = $1 RETURNING *""",
        report_id,
        reason,
        revoked_at,
        revoked_reason,
    )


async def flag_revoked(
    conn: asyncpg.Connection, report_id: uuid.UUID, *, revoked_at: datetime, revoked_reason: str
) -> None:
    """The board has (or may have) this report: it keeps its status, and support sees it needs a correction."""
    await conn.execute(
        """UPDATE reports SET revoked_at = COALESCE(revoked_at, $2), revoked_reason = COALESCE(revoked_reason, $3),
               updated_at = now()
           WHERE id = $1""",
        report_id,
        revoked_at,
        revoked_reason,
    )


def to_board(row: asyncpg.Record) -> domain.Board:
    return domain.Board(
        code=row["code"],
        name=row["name"],
        mode=row["mode"],
        deadline_days=row["deadline_days"],
        self_report_instructions=row["self_report_instructions"],
    )


def to_learner(row: asyncpg.Record | None) -> domain.Learner | None:
    if row is None or row["first_name"] is None:
        return None
    return domain.Learner(
        first_name=row["first_name"],
        last_name=row["last_name"],
        board_ids=row["board_ids"],
        birth_month=row["birth_month"],
        birth_day=row["birth_day"],
    )


async def list_boards(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM boards ORDER BY code")


async def boards_by_code(conn: asyncpg.Connection, codes: list[str]) -> dict[str, domain.Board]:
    """The registered boards among `codes`, keyed by the code as given (matched in any case)."""
    rows = await conn.fetch(
        """SELECT given, b.* FROM unnest($1::text[]) AS given JOIN boards b ON upper(b.code) = upper(given)""", codes
    )
    return {row["given"]: to_board(row) for row in rows}


async def get_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> domain.Learner | None:
    return to_learner(await conn.fetchrow("SELECT * FROM learners WHERE id = $1", learner_id))


async def upsert_learner(
    conn: asyncpg.Connection, learner_id: uuid.UUID, profile: LearnerProfile, version: int
) -> bool:
    """Keeps the profile if it is newer than the one held; False when an equal or newer version is already here."""
    stored = await conn.fetchval(
        """INSERT INTO learners (id, first_name, last_name, board_ids, birth_month, birth_day, profile_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
               board_ids = EXCLUDED.board_ids, birth_month = EXCLUDED.birth_month, birth_day = EXCLUDED.birth_day,
               profile_version = EXCLUDED.profile_version, updated_at = now()
           WHERE learners.profile_version < EXCLUDED.profile_version
           RETURNING true""",
        learner_id,
        profile.first_name,
        profile.last_name,
        dict(profile.board_ids),
        profile.birth_month,
        profile.birth_day,
        version,
    )
    return bool(stored)


async def insert_report(
    conn: asyncpg.Connection,
    *,
    report_id: uuid.UUID,
    claim_id: uuid.UUID,
    learner_id: uuid.UUID,
    board_code: str,
    activity_id: uuid.UUID,
    activity_title: str,
    completed_on: date,
    claimed_at: datetime,
    decision: domain.Decision,
    next_attempt_at: datetime | None,
) -> asyncpg.Record | None:
    """The new report, or None when this claim already has one for this board (a redelivered claim)."""
    return await conn.fetchrow(
        """INSERT INTO reports (id, claim_id, learner_id, board_code, activity_id, activity_title, completed_on,
               claimed_at, credit_type, credits, status, reason, due_by, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (claim_id, board_code) DO NOTHING
           RETURNING *""",
        report_id,
        claim_id,
        learner_id,
        board_code,
        activity_id,
        activity_title,
        completed_on,
        claimed_at,
        decision.credit_type,
        decision.credits,
        decision.status,
        decision.reason,
        decision.due_by,
        next_attempt_at,
    )


async def waiting_on_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    """The learner's held and rejected reports, locked, with what was last sent to the board."""
    return await conn.fetch(
        """SELECT * FROM reports WHERE learner_id = $1 AND status IN ('held', 'rejected')
           ORDER BY created_at FOR UPDATE""",
        learner_id,
    )


async def set_status(
    conn: asyncpg.Connection,
    report_id: uuid.UUID,
    *,
    status: str,
    reason: str | None,
    next_attempt_at: datetime | None = None,
    reset_attempts: bool = False,
) -> asyncpg.Record:
    return await conn.fetchrow(
        """UPDATE reports SET status = $2, reason = $3, next_attempt_at = $4,
               attempts = CASE WHEN $5 THEN 0 ELSE attempts END, updated_at = now()
           WHERE id = $1 RETURNING *""",
        report_id,
        status,
        reason,
        next_attempt_at,
        reset_attempts,
    )


async def set_reason(conn: asyncpg.Connection, report_id: uuid.UUID, reason: str | None) -> None:
    await conn.execute("UPDATE reports SET reason = $2, updated_at = now() WHERE id = $1", report_id, reason)


async def claim_due(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Due reports with the learner's current profile, locked; reports another worker holds are skipped.

    A revoked claim's report is never sent again, not even one whose worker died mid-call (support checks the board).
    """
    return await conn.fetch(
        """SELECT r.*, l.first_name, l.last_name, l.board_ids, l.birth_month, l.birth_day
           FROM reports r LEFT JOIN learners l ON l.id = r.learner_id
           WHERE r.status IN ('queued', 'submitted') AND r.next_attempt_at <= $1 AND r.revoked_at IS NULL
           ORDER BY r.due_by NULLS LAST, r.next_attempt_at
           LIMIT $2
           FOR UPDATE OF r SKIP LOCKED""",
        now,
        limit,
    )


async def mark_submitted(
    conn: asyncpg.Connection,
    report_id: uuid.UUID,
    *,
    record: dict[str, Any],
    submission_id: uuid.UUID,
    lease_until: datetime,
) -> asyncpg.Record:
    """Counts the attempt before the call; `lease_until` brings the report back if this worker dies mid-call."""
    return await conn.fetchrow(
        """UPDATE reports SET status = 'submitted', attempts = attempts + 1, record = $2, submission_id = $3,
               reason = NULL, next_attempt_at = $4, updated_at = now()
           WHERE id = $1 RETURNING *""",
        report_id,
        record,
        submission_id,
        lease_until,
    )


async def lock_submission(
    conn: asyncpg.Connection, report_id: uuid.UUID, submission_id: uuid.UUID
) -> asyncpg.Record | None:
    """The report still waiting for this submission's answer, locked; None when the answer is stale."""
    return await conn.fetchrow(
        "SELECT * FROM reports WHERE id = $1 AND status = 'submitted' AND submission_id = $2 FOR UPDATE",
        report_id,
        submission_id,
    )


async def record_answer(
    conn: asyncpg.Connection,
    report_id: uuid.UUID,
    *,
    submission_id: uuid.UUID,
    status: str,
    reason: str | None,
    next_attempt_at: datetime | None,
    last_error: str | None,
    board_report_id: str | None,
) -> asyncpg.Record | None:
    """None when the answer is stale: the lease ran out and another submission has taken the report since."""
    return await conn.fetchrow(
        """UPDATE reports SET status = $3, reason = $4, next_attempt_at = $5,
               last_error = COALESCE($6, last_error), board_report_id = COALESCE($7, board_report_id),
               submission_id = NULL, updated_at = now()
           WHERE id = $1 AND status = 'submitted' AND submission_id = $2 RETURNING *""",
        report_id,
        submission_id,
        status,
        reason,
        next_attempt_at,
        last_error,
        board_report_id,
    )


REPORT_VIEW = """SELECT r.*, b.name AS board_name, b.self_report_instructions
                 FROM reports r JOIN boards b ON b.code = r.board_code"""


async def reports_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{REPORT_VIEW} WHERE r.learner_id = $1 ORDER BY r.claimed_at DESC, r.board_code", learner_id
    )
