"""SQL of board reporting's boards, learners and reports; every function takes the connection it runs on.

Submitting reports to the boards has its own SQL, in submissions_repository.py.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from board_reporting import domain
from opencme_contracts.events import LearnerProfile
from opencme_kit import db


def updated(row: asyncpg.Record | None) -> asyncpg.Record:
    """The row an `UPDATE ... RETURNING *` changed, when the caller holds it locked (so it is there)."""
    assert row is not None, "the report was locked by the caller"
    return row


# Boards


def to_board(row: asyncpg.Record) -> domain.Board:
    return domain.Board(
        code=row["code"],
        name=row["name"],
        mode=row["mode"],
        deadline_days=row["deadline_days"],
        self_report_instructions=row["self_report_instructions"],
    )


async def list_boards(conn: db.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM boards ORDER BY code")


async def get_board(conn: db.Connection, code: str, *, for_update: bool = False) -> domain.Board | None:
    """The registered board whose code is `code` in any case; locked when `for_update`, so edits queue."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT * FROM boards WHERE upper(code) = upper($1){lock}", code)
    return to_board(row) if row is not None else None


async def insert_board(conn: db.Connection, board: domain.Board) -> bool:
    """False when a board with the code (in any case) is registered already."""
    inserted = await conn.fetchval(
        """INSERT INTO boards (code, name, mode, deadline_days, self_report_instructions)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true""",
        board.code,
        board.name,
        board.mode,
        board.deadline_days,
        board.self_report_instructions,
    )
    return bool(inserted)


async def update_board(conn: db.Connection, board: domain.Board) -> None:
    await conn.execute(
        """UPDATE boards SET name = $2, mode = $3, deadline_days = $4, self_report_instructions = $5
           WHERE code = $1""",
        board.code,
        board.name,
        board.mode,
        board.deadline_days,
        board.self_report_instructions,
    )


async def record_board_change(
    conn: db.Connection, *, code: str, by: uuid.UUID, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO board_changes (board_code, changed_by, before, after) VALUES ($1, $2, $3, $4)",
        code,
        by,
        before,
        after,
    )


async def board_changes(conn: db.Connection, code: str) -> list[asyncpg.Record]:
    """The board's changes, newest first, with the name of who made each (from their profile, when we have it)."""
    return await conn.fetch(
        """SELECT c.*, l.first_name || ' ' || l.last_name AS changed_by_name
           FROM board_changes c LEFT JOIN learners l ON l.id = c.changed_by
           WHERE c.board_code = $1 ORDER BY c.changed_at DESC, c.id DESC""",
        code,
    )


async def boards_by_code(conn: db.Connection, codes: list[str]) -> dict[str, domain.Board]:
    """The registered boards among `codes`, keyed by the code as given (matched in any case)."""
    rows = await conn.fetch(
        """SELECT given, b.* FROM unnest($1::text[]) AS given JOIN boards b ON upper(b.code) = upper(given)""", codes
    )
    return {row["given"]: to_board(row) for row in rows}


# Learners


def to_learner(row: asyncpg.Record | None) -> domain.Learner | None:
    """The learner's profile from a `learners` row, or from a report joined with it (None when we know none)."""
    if row is None or row["first_name"] is None:
        return None
    return domain.Learner(
        first_name=row["first_name"],
        last_name=row["last_name"],
        board_ids=row["board_ids"],
        birth_month=row["birth_month"],
        birth_day=row["birth_day"],
    )


async def get_learner(conn: db.Connection, learner_id: uuid.UUID) -> domain.Learner | None:
    return to_learner(await conn.fetchrow("SELECT * FROM learners WHERE id = $1", learner_id))


async def upsert_learner(conn: db.Connection, learner_id: uuid.UUID, profile: LearnerProfile, version: int) -> bool:
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


# Reports


async def insert_report(
    conn: db.Connection,
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


async def waiting_on_learner(conn: db.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    """The learner's held and rejected reports, locked, with what was last sent to the board."""
    return await conn.fetch(
        """SELECT * FROM reports WHERE learner_id = $1 AND status IN ('held', 'rejected')
           ORDER BY created_at FOR UPDATE""",
        learner_id,
    )


async def set_status(
    conn: db.Connection,
    report_id: uuid.UUID,
    *,
    status: str,
    reason: str | None,
    next_attempt_at: datetime | None = None,
    reset_attempts: bool = False,
) -> asyncpg.Record:
    """Moves a report the caller holds locked to `status`; returns it as it is now."""
    return updated(
        await conn.fetchrow(
            """UPDATE reports SET status = $2, reason = $3, next_attempt_at = $4,
                   attempts = CASE WHEN $5 THEN 0 ELSE attempts END, updated_at = now()
               WHERE id = $1 RETURNING *""",
            report_id,
            status,
            reason,
            next_attempt_at,
            reset_attempts,
        )
    )


async def set_reason(conn: db.Connection, report_id: uuid.UUID, reason: str | None) -> None:
    await conn.execute("UPDATE reports SET reason = $2, updated_at = now() WHERE id = $1", report_id, reason)


REPORT_VIEW = """SELECT r.*, b.name AS board_name, b.self_report_instructions
                 FROM reports r JOIN boards b ON b.code = r.board_code"""


async def reports_of(conn: db.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{REPORT_VIEW} WHERE r.learner_id = $1 ORDER BY r.claimed_at DESC, r.board_code", learner_id
    )


async def worklist(
    conn: db.Connection,
    *,
    board: str | None,
    statuses: list[str] | None,
    due_before: date | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Reports across learners, the nearest deadline first (those without one last), then the oldest claim, board by
    board."""
    return await conn.fetch(
        f"""{REPORT_VIEW}
            WHERE ($1::text IS NULL OR r.board_code = $1) AND ($2::text[] IS NULL OR r.status = ANY($2))
              AND ($3::date IS NULL OR r.due_by <= $3)
            ORDER BY r.due_by NULLS LAST, r.claimed_at, r.board_code, r.id LIMIT $4 OFFSET $5""",
        board,
        statuses,
        due_before,
        limit,
        offset,
    )


async def report_for_update(conn: db.Connection, report_id: uuid.UUID) -> asyncpg.Record | None:
    """The report, locked (a submitter holding it is waited for)."""
    return await conn.fetchrow("SELECT * FROM reports WHERE id = $1 FOR UPDATE", report_id)


async def report_view(conn: db.Connection, report_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"{REPORT_VIEW} WHERE r.id = $1", report_id)


async def requeue(conn: db.Connection, report_id: uuid.UUID, now: datetime) -> asyncpg.Record:
    """A failed report queued again at once, its attempts counted afresh (the last error stays until the next)."""
    return updated(
        await conn.fetchrow(
            """UPDATE reports SET status = 'queued', reason = NULL, attempts = 0, next_attempt_at = $2,
                   updated_at = now()
               WHERE id = $1 RETURNING *""",
            report_id,
            now,
        )
    )


# Merged accounts (the map itself is the kit's: opencme_kit.merges)


async def move_reports(conn: db.Connection, *, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Gives the survivor the merged account's reports, status and all; returns how many moved."""
    moved = await conn.fetch(
        """UPDATE reports SET learner_id = $2, merged_from = COALESCE(merged_from, learner_id), updated_at = now()
           WHERE learner_id = $1 RETURNING id""",
        from_id,
        to_id,
    )
    return len(moved)


# Revoked claims


async def remember_revocation(
    conn: db.Connection, *, claim_id: uuid.UUID, learner_id: uuid.UUID, revoked_at: datetime, reason: str
) -> None:
    await conn.execute(
        """INSERT INTO revoked_claims (claim_id, learner_id, revoked_at, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (claim_id) DO NOTHING""",
        claim_id,
        learner_id,
        revoked_at,
        reason,
    )


async def is_revoked(conn: db.Connection, claim_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM revoked_claims WHERE claim_id = $1", claim_id))


async def reports_of_claim(conn: db.Connection, claim_id: uuid.UUID) -> list[asyncpg.Record]:
    """The claim's reports, locked: a submitter holding one (mid-claim) is waited for, so its status is final."""
    return await conn.fetch("SELECT * FROM reports WHERE claim_id = $1 ORDER BY board_code FOR UPDATE", claim_id)


async def withdraw(
    conn: db.Connection, report_id: uuid.UUID, *, reason: str, revoked_at: datetime, revoked_reason: str
) -> asyncpg.Record:
    return updated(
        await conn.fetchrow(
            """UPDATE reports SET status = 'withdrawn', reason = $2, next_attempt_at = NULL,
                   revoked_at = COALESCE(revoked_at, $3), revoked_reason = COALESCE(revoked_reason, $4),
                   updated_at = now()
               WHERE id = $1 RETURNING *""",
            report_id,
            reason,
            revoked_at,
            revoked_reason,
        )
    )


async def flag_revoked(conn: db.Connection, report_id: uuid.UUID, *, revoked_at: datetime, revoked_reason: str) -> None:
    """The board has (or may have) this report: it keeps its status, and support sees it needs a correction."""
    await conn.execute(
        """UPDATE reports SET revoked_at = COALESCE(revoked_at, $2), revoked_reason = COALESCE(revoked_reason, $3),
               updated_at = now()
           WHERE id = $1""",
        report_id,
        revoked_at,
        revoked_reason,
    )
