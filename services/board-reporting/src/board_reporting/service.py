"""Board-reporting use cases: what a claim and a profile change do to a learner's reports, and reading them.

Submitting due reports to the boards is submission.py; a revoked claim, revocations.py; a merge, merges.py.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime

import asyncpg

from board_reporting import domain, repository, schemas, status_events
from opencme_contracts.events import CreditClaimed, LearnerProfile
from opencme_kit import db, errors, merges
from opencme_kit.clock import utcnow

log = logging.getLogger(__name__)


async def record_claim(*, conn: db.Connection, claim: CreditClaimed, now: datetime) -> list[asyncpg.Record]:
    """Opens a report for each registered board the claim names; a redelivered claim opens nothing more.

    A claim of a merged account is the survivor's, reported with the survivor's profile (board IDs), and a claim
    revoked before it arrived opens nothing.
    """
    if not claim.moc_boards:
        return []  # most claims: nothing to report, nothing to read or lock (in a surge, a thousand of them at once)
    opened = []
    async with conn.transaction():
        # Exclusive: a claim and a profile change of one learner arrive on different topics; one after the other,
        # the claim reads the profile as it is now, or the profile change finds the claim's held report.
        learner_id = await merges.owner_of(conn, claim.learner_id)
        if await repository.is_revoked(conn, claim.claim_id):
            log.info("claim %s was revoked before it arrived: not reported", claim.claim_id)
            return []
        named = list(dict.fromkeys(claim.moc_boards))
        boards = await repository.boards_by_code(conn, named)
        learner = await repository.get_learner(conn, learner_id)
        credits = {c.credit_type: c.amount for c in claim.credits}
        for code in named:
            board = boards.get(code)
            if board is None:
                log.warning("claim %s names board %r, which is not in the registry: not reported", claim.claim_id, code)
                continue
            decision = domain.decide(
                board, learner, share_permission=claim.share_permission, credits=credits, claimed_at=claim.claimed_at
            )
            if decision is None:
                log.info("claim %s: no permission to share with %s, nothing reported", claim.claim_id, board.code)
                continue
            row = await repository.insert_report(
                conn,
                report_id=uuid.uuid4(),
                claim_id=claim.claim_id,
                learner_id=learner_id,
                board_code=board.code,
                activity_id=claim.activity.activity_id,
                activity_title=claim.activity.title,
                completed_on=claim.completed_on,
                claimed_at=claim.claimed_at,
                decision=decision,
                next_attempt_at=now if decision.status == "queued" else None,
            )
            if row is not None:
                await status_events.announce(conn, row, now)
                opened.append(row)
    return opened


async def apply_profile(
    *, conn: db.Connection, learner_id: uuid.UUID, profile: LearnerProfile, version: int, now: datetime
) -> list[asyncpg.Record]:
    """Keeps the newest profile; the learner's held and rejected reports go (back) to the board when it helps.

    A merged account's profile stays its own (its version line is not the survivor's) and moves no report: identity
    sends the survivor's combined profile as the survivor's own profile.updated.
    """
    async with conn.transaction():
        # This account's own lock, not its owner's: the profile is the account's, whether merged away or not.
        await merges.lock_learner(conn, learner_id)
        if not await repository.upsert_learner(conn, learner_id, profile, version):
            log.info("profile version %d of %s is not newer than the one held; ignored", version, learner_id)
            return []
        return await release_waiting(conn, learner_id, now)


async def release_waiting(conn: db.Connection, learner_id: uuid.UUID, now: datetime) -> list[asyncpg.Record]:
    """Weighs the learner's held and rejected reports against their profile as held now; the caller locks the learner.

    Run after a newer profile, and after a merge gave the learner another account's reports.
    """
    learner = await repository.get_learner(conn, learner_id)
    if learner is None:  # nothing to weigh them against: the learner's first profile will
        return []
    changed = []
    for report in await repository.waiting_on_learner(conn, learner_id):
        sent = (report["record"] or {}).get("Learner")
        transition = domain.after_profile_change(report["status"], report["board_code"], learner, sent)
        if transition is None:
            continue
        if transition.status == report["status"]:
            # Still held, perhaps for less: the reason follows; no event, as the status did not change.
            if transition.reason != report["reason"]:
                await repository.set_reason(conn, report["id"], transition.reason)
            continue
        queued = transition.status == "queued"
        row = await repository.set_status(
            conn,
            report["id"],
            status=transition.status,
            reason=transition.reason,
            next_attempt_at=now if queued else None,
            reset_attempts=queued,
        )
        await status_events.announce(conn, row, now)
        changed.append(row)
    return changed


async def list_boards(conn: db.Connection) -> list[schemas.Board]:
    """The board registry."""
    return [
        schemas.Board(**{k: r[k] for k in ("code", "name", "mode", "deadline_days", "self_report_instructions")})
        for r in await repository.list_boards(conn)
    ]


async def reports_of(conn: db.Connection, learner_id: uuid.UUID) -> list[schemas.Report]:
    """The learner's board reports, newest claim first; a merged account's are its survivor's now."""
    owner = await merges.survivor_of(conn, learner_id)
    return [schemas.Report(**_report_fields(row)) for row in await repository.reports_of(conn, owner)]


async def support_reports_of(conn: db.Connection, learner_id: uuid.UUID) -> list[schemas.SupportReport]:
    """The learner's board reports with what the help desk needs besides (see schemas.SupportReport)."""
    owner = await merges.survivor_of(conn, learner_id)
    return [_support_report(row) for row in await repository.reports_of(conn, owner)]


async def worklist(
    conn: db.Connection,
    *,
    board: str | None,
    statuses: list[str] | None,
    due_before: date | None,
    limit: int,
    offset: int,
) -> list[schemas.SupportReport]:
    """The help desk's reports across learners, the nearest deadline first."""
    rows = await repository.worklist(
        conn, board=board, statuses=statuses, due_before=due_before, limit=limit, offset=offset
    )
    return [_support_report(row) for row in rows]


async def retry_report(conn: db.Connection, report_id: uuid.UUID) -> schemas.SupportReport:
    """Support sends a failed report again: queued at once, its attempts counted afresh, the learner told."""
    async with conn.transaction():
        row = await repository.report_for_update(conn, report_id)
        if row is None:
            raise errors.NotFound(None, "board report not found")
        if row["status"] != "failed":
            raise errors.Conflict("status", f"only a failed report is sent again; this one is {row['status']}")
        if row["credit_type"] is None:
            raise errors.Conflict(
                None, "the claim has nothing this board takes (no MOC points or AMA credit): correct the claim instead"
            )
        now = utcnow()
        await status_events.announce(conn, await repository.requeue(conn, report_id, now), now)
        view = await repository.report_view(conn, report_id)
    assert view is not None, "requeued in this transaction"
    return _support_report(view)


def _support_report(row: asyncpg.Record) -> schemas.SupportReport:
    return schemas.SupportReport(
        **_report_fields(row),
        learner_id=row["learner_id"],
        merged_from=row["merged_from"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        board_report_id=row["board_report_id"],
        needs_board_correction=domain.needs_board_correction(row["status"], revoked=row["revoked_at"] is not None),
    )


_REPORT_FIELDS = (
    "id",
    "claim_id",
    "board_code",
    "board_name",
    "activity_id",
    "activity_title",
    "completed_on",
    "credit_type",
    "credits",
    "status",
    "reason",
    "due_by",
    "attempts",
    "updated_at",
    "revoked_at",
    "revoked_reason",
)


def _report_fields(row: asyncpg.Record) -> dict[str, object]:
    return {k: row[k] for k in _REPORT_FIELDS}
