"""Board-reporting use cases: what a claim and a profile change do to reports, and submitting the due ones."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from board_reporting import domain, repository, schemas
from board_reporting.client import BoardClient, HttpBoardClient
from board_reporting.config import SERVICE, Settings
from opencme_contracts.events import BoardReportStatusChanged, CreditClaimed, LearnerProfile
from opencme_kit import outbox

log = logging.getLogger(__name__)

# Far above the board client's timeout (the calls of a round run concurrently): a report whose worker died mid-call
# is taken up again once its lease has run out.
SUBMISSION_LEASE = timedelta(minutes=5)


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _emit(conn: asyncpg.Connection, row: asyncpg.Record, now: datetime) -> None:
    if row["status"] == "withdrawn":
        # Not a status BoardReportStatusChanged accepts (contracts are not ours to change): shown by the API only.
        return
    await outbox.emit(
        conn,
        BoardReportStatusChanged(
            report_id=row["id"],
            learner_id=row["learner_id"],
            claim_id=row["claim_id"],
            board_code=row["board_code"],
            status=row["status"],
            reason=row["reason"],
            attempts=row["attempts"],
            due_by=row["due_by"],
            changed_at=now,
        ),
        producer=SERVICE,
        subject=row["learner_id"],
    )


async def record_claim(*, conn: asyncpg.Connection, claim: CreditClaimed, now: datetime) -> list[asyncpg.Record]:
    """Opens a report for each registered board the claim names; a redelivered claim opens nothing more.

    A claim of a merged account is the survivor's, reported with the survivor's profile (board IDs), and a claim
    revoked before it arrived opens nothing.
    """
    opened = []
    async with conn.transaction():
        learner_id = await repository.lock_and_resolve(conn, claim.learner_id)
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
                await _emit(conn, row, now)
                opened.append(row)
    return opened


async def apply_profile(
    *, conn: asyncpg.Connection, learner_id: uuid.UUID, profile: LearnerProfile, version: int, now: datetime
) -> list[asyncpg.Record]:
    """Keeps the newest profile; the learner's held and rejected reports go (back) to the board when it helps.

    A merged account's profile stays its own (its version line is not the survivor's) and moves no report: identity
    sends the survivor's combined profile as the survivor's own profile.updated.
    """
    async with conn.transaction():
        await repository.lock_learner(conn, learner_id)
        if not await repository.upsert_learner(conn, learner_id, profile, version):
            log.info("profile version %d of %s is not newer than the one held; ignored", version, learner_id)
            return []
        return await release_waiting(conn, learner_id, now)


async def release_waiting(conn: asyncpg.Connection, learner_id: uuid.UUID, now: datetime) -> list[asyncpg.Record]:
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
        await _emit(conn, row, now)
        changed.append(row)
    return changed


@dataclass(frozen=True)
class _Submission:
    report_id: uuid.UUID
    submission_id: uuid.UUID
    attempts: int
    record: dict[str, Any]


async def _claim_due(pool: asyncpg.Pool, settings: Settings, now: datetime) -> list[_Submission]:
    """Marks due reports submitted (counting the attempt) in one short transaction, before any call to a board."""
    submissions = []
    async with pool.acquire() as conn, conn.transaction():
        for row in await repository.claim_due(conn, now=now, limit=settings.submit_batch_size):
            learner = repository.to_learner(row)
            if missing := domain.missing_for(learner, row["board_code"]):
                # The profile lost what the board matches on after the report was queued.
                held = await repository.set_status(conn, row["id"], status="held", reason=domain.hold_reason(missing))
                await _emit(conn, held, now)
                continue
            assert learner is not None
            record = domain.build_record(
                report_id=row["id"],
                claim_id=row["claim_id"],
                activity_id=row["activity_id"],
                completed_on=row["completed_on"],
                board_code=row["board_code"],
                credits=row["credits"],
                learner=learner,
                provider=settings.provider_name,
            )
            submission_id = uuid.uuid4()
            marked = await repository.mark_submitted(
                conn, row["id"], record=record, submission_id=submission_id, lease_until=now + SUBMISSION_LEASE
            )
            if row["status"] != "submitted":  # a lapsed lease is taken up again without a new status
                await _emit(conn, marked, now)
            submissions.append(_Submission(row["id"], submission_id, marked["attempts"], record))
    return submissions


async def _record_answer(
    pool: asyncpg.Pool, settings: Settings, submission: _Submission, answer: domain.BoardAnswer, now: datetime
) -> None:
    transition = domain.after_answer(
        answer,
        attempts=submission.attempts,
        max_attempts=settings.max_attempts,
        now=now,
        base=settings.retry_base_seconds,
        cap=settings.retry_cap_seconds,
        jitter=random.random(),
    )
    async with pool.acquire() as conn, conn.transaction():
        current = await repository.lock_submission(conn, submission.report_id, submission.submission_id)
        if current is None:
            log.warning("answer for report %s came after its lease ran out; ignored", submission.report_id)
            return
        if current["revoked_at"] is not None:  # the claim was revoked while the board had the report
            transition = domain.after_revoked_answer(transition, current["revoked_reason"])
        row = await repository.record_answer(
            conn,
            submission.report_id,
            submission_id=submission.submission_id,
            status=transition.status,
            reason=transition.reason,
            next_attempt_at=transition.next_attempt_at,
            last_error=transition.last_error,
            board_report_id=answer.board_report_id,
        )
        assert row is not None  # locked above
        await _emit(conn, row, now)
    log.info(
        "report %s: board answered %s, now %s",
        submission.report_id,
        answer.outcome,
        transition.status,
        extra={
            "ctx_report_id": str(submission.report_id),
            "ctx_attempt": submission.attempts,
            "ctx_error": transition.last_error,
        },
    )


async def submit_due(
    pool: asyncpg.Pool, client: BoardClient, settings: Settings, *, now: datetime | None = None
) -> int:
    """One round: claim the due reports, send them to their boards, record each answer. Returns how many were sent.

    No transaction stays open during the calls, and workers running rounds side by side never take the same report.
    """
    now = now or utcnow()
    submissions = await _claim_due(pool, settings, now)
    answers = await asyncio.gather(*(client.submit(s.record) for s in submissions), return_exceptions=True)
    for submission, answer in zip(submissions, answers, strict=True):
        if isinstance(answer, BaseException):  # a client bug is an attempt that failed, not a lost report
            log.error("board client failed on report %s", submission.report_id, exc_info=answer)
            answer = domain.BoardAnswer("transient", reason=f"{type(answer).__name__}: {answer}"[:500])
        await _record_answer(pool, settings, submission, answer, now)
    return len(submissions)


async def submit_loop(pool: asyncpg.Pool, *, settings: Settings, client: BoardClient | None = None) -> None:
    """The worker's background task: submit rounds until cancelled, pausing when nothing more is due."""
    http = None
    if client is None:
        client = http = HttpBoardClient(settings.board_endpoint_url, timeout=settings.board_timeout)
    try:
        while True:
            try:
                sent = await submit_due(pool, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("board submission round failed; trying again")
                sent = 0
            if sent < settings.submit_batch_size:
                await asyncio.sleep(settings.submit_interval)
    finally:
        if http is not None:
            await http.aclose()


def to_report(row: asyncpg.Record, *, for_support: bool = False) -> schemas.Report:
    fields = {
        k: row[k]
        for k in (
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
    }
    if for_support:
        return schemas.SupportReport(
            **fields,
            learner_id=row["learner_id"],
            merged_from=row["merged_from"],
            last_error=row["last_error"],
            next_attempt_at=row["next_attempt_at"],
            board_report_id=row["board_report_id"],
            needs_board_correction=domain.needs_board_correction(row["status"], revoked=row["revoked_at"] is not None),
        )
    return schemas.Report(**fields)
