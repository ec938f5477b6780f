"""SQL of submitting reports to the boards: taking the due ones, leasing them for the call, recording the answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from board_reporting.repository import updated
from opencme_kit import db


async def claim_due(conn: db.Connection, *, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Due reports (up to `limit`) with the learner's current profile, locked; reports another worker holds are skipped.

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


QUEUED_CHANNEL = "reports_queued"  # notified by a trigger (migration 003) whenever a report is queued


async def seconds_until_next_due(conn: db.Connection) -> float | None:
    """Seconds until the next report falls due (negative when one is due now: queued, or submitted by a worker whose
    lease ran out), or None when none waits."""
    seconds: float | None = await conn.fetchval(
        "SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 FROM reports "
        "WHERE status IN ('queued', 'submitted') AND revoked_at IS NULL"
    )
    return seconds


async def mark_submitted(
    conn: db.Connection,
    report_id: uuid.UUID,
    *,
    record: dict[str, Any],
    submission_id: uuid.UUID,
    lease_until: datetime,
) -> asyncpg.Record:
    """Counts the attempt before the call; `lease_until` brings the report back if this worker dies mid-call."""
    return updated(
        await conn.fetchrow(
            """UPDATE reports SET status = 'submitted', attempts = attempts + 1, record = $2, submission_id = $3,
                   reason = NULL, next_attempt_at = $4, updated_at = now()
               WHERE id = $1 RETURNING *""",
            report_id,
            record,
            submission_id,
            lease_until,
        )
    )


async def lock_submission(conn: db.Connection, report_id: uuid.UUID, submission_id: uuid.UUID) -> asyncpg.Record | None:
    """The report still waiting for this submission's answer, locked; None when the answer is stale."""
    return await conn.fetchrow(
        "SELECT * FROM reports WHERE id = $1 AND status = 'submitted' AND submission_id = $2 FOR UPDATE",
        report_id,
        submission_id,
    )


async def record_answer(
    conn: db.Connection,
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
