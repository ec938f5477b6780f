"""Submitting due reports to their boards: the worker's submit loop, one round of it, and recording each answer.

No transaction stays open during a call to a board: a report is leased (marked submitted, the attempt counted) and
committed first, then the answer is recorded in a transaction of its own. An answer is kept until it is recorded,
through a database that is down or restarting: a lost answer would send the report again once its lease ran out. (Only
a worker that dies between the board's answer and the record sends it again; the report's CreditID, its own id, lets
the board tell it is one it already has.)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from board_reporting import domain, repository, status_events
from board_reporting import submissions_repository as submissions
from board_reporting.client import BoardClient, HttpBoardClient
from board_reporting.config import Settings
from opencme_kit import db
from opencme_kit.clock import utcnow
from opencme_kit.waking import until_due, woken

log = logging.getLogger(__name__)

# The default lease (Settings.submission_lease_seconds): far above the board client's timeout.
SUBMISSION_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Submission:
    """One report leased for one call to its board."""

    report_id: uuid.UUID
    submission_id: uuid.UUID
    attempts: int
    record: dict[str, Any]


async def claim_due(pool: db.Pool, settings: Settings, now: datetime) -> list[Submission]:
    """Marks due reports submitted (counting the attempt) in one short transaction, before any call to a board."""
    leased = []
    lease_until = now + timedelta(seconds=settings.submission_lease_seconds)
    async with pool.acquire() as conn, conn.transaction():
        for row in await submissions.claim_due(conn, now=now, limit=settings.submit_batch_size):
            learner = repository.to_learner(row)
            if missing := domain.missing_for(learner, row["board_code"]):
                # The profile lost what the board matches on after the report was queued.
                held = await repository.set_status(conn, row["id"], status="held", reason=domain.hold_reason(missing))
                await status_events.announce(conn, held, now)
                continue
            assert learner is not None  # missing_for names everything for an unknown learner
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
            marked = await submissions.mark_submitted(
                conn, row["id"], record=record, submission_id=submission_id, lease_until=lease_until
            )
            if row["status"] != "submitted":  # a lapsed lease is taken up again without a new status
                await status_events.announce(conn, marked, now)
            leased.append(Submission(row["id"], submission_id, marked["attempts"], record))
    return leased


async def record_answer(
    pool: db.Pool, settings: Settings, submission: Submission, answer: domain.BoardAnswer, now: datetime
) -> None:
    """Settles the report as the board's answer says, unless the answer came after the lease ran out."""
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
        current = await submissions.lock_submission(conn, submission.report_id, submission.submission_id)
        if current is None:
            log.warning("answer for report %s came after its lease ran out; ignored", submission.report_id)
            return
        if current["revoked_at"] is not None:  # the claim was revoked while the board had the report
            transition = domain.after_revoked_answer(transition, current["revoked_reason"])
        row = await submissions.record_answer(
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
        await status_events.announce(conn, row, now)
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


async def submit_due(pool: db.Pool, client: BoardClient, settings: Settings, *, now: datetime | None = None) -> int:
    """One round: claim the due reports, send them to their boards, record each answer. Returns how many were sent.

    No transaction stays open during the calls, and workers running rounds side by side never take the same report.
    """
    now, started = now or utcnow(), time.monotonic()  # the round's clock runs from `now`, leasing included
    leased = await claim_due(pool, settings, now)
    answers = await asyncio.gather(*(client.submit(s.record) for s in leased), return_exceptions=True)
    for submission, answer in zip(leased, answers, strict=True):
        if isinstance(answer, BaseException):  # a client bug is an attempt that failed, not a lost report
            log.error("board client failed on report %s", submission.report_id, exc_info=answer)
            answer = domain.BoardAnswer("transient", reason=f"{type(answer).__name__}: {answer}"[:500])
        # A retry's backoff counts from the answer, not from the round's start: a board that is slow to fail, or a
        # lease that took long (a busy database, a worker yielding its cores), would otherwise have its reports back
        # as soon as it answered (those seconds taken off the wait).
        answered = now + timedelta(seconds=time.monotonic() - started)
        await record_answer_when_possible(pool, settings, submission, answer, answered)
    return len(leased)


# Waiting out a database that is down: the first try again after this long, doubling up to the cap.
_RECORD_RETRY_FIRST = 0.5
_RECORD_RETRY_CAP = 5.0


async def record_answer_when_possible(
    pool: db.Pool, settings: Settings, submission: Submission, answer: domain.BoardAnswer, now: datetime
) -> None:
    """`record_answer`, tried again while the database is unavailable, however long that takes. Recording after the
    lease ran out is still right: the answer is ignored if another worker has leased the report since."""
    delay = _RECORD_RETRY_FIRST
    while True:
        try:
            await record_answer(pool, settings, submission, answer, now)
            return
        except db.UNAVAILABLE:
            log.warning(
                "database unavailable while recording the board's answer for report %s; keeping it and trying again",
                submission.report_id,
                exc_info=True,
                extra={"ctx_report_id": str(submission.report_id)},
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, _RECORD_RETRY_CAP)
        now = utcnow()  # a retry's backoff counts from when the answer is recorded


async def submit_loop(pool: db.Pool, *, settings: Settings, client: BoardClient | None = None) -> None:
    """The worker's background task: submit rounds until cancelled, sleeping until the next report falls due or one
    is queued (NOTIFY), and at most `submit_interval` seconds."""
    http = None
    if client is None:
        client = http = HttpBoardClient(settings.board_endpoint_url, timeout=settings.board_timeout)
    try:
        while True:
            try:
                await _submit_rounds(pool, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception:  # the listening connection is gone (e.g. the database restarted): start over
                log.exception("board submission stopped; starting over")
                await asyncio.sleep(min(settings.submit_interval, _AFTER_A_FAILED_ROUND))
    finally:
        if http is not None:
            await http.aclose()


# A round that failed (the database unreachable, say) is tried again after this long, not at once.
_AFTER_A_FAILED_ROUND = 5.0


async def _submit_rounds(pool: db.Pool, client: BoardClient, settings: Settings) -> None:
    queued = asyncio.Event()
    async with db.held(pool) as listen_conn:  # its LISTEN ends when the connection goes back
        await listen_conn.add_listener(submissions.QUEUED_CHANNEL, lambda *_: queued.set())
        while True:
            queued.clear()  # before the round, so a report queued meanwhile is not slept through
            try:
                sent = await submit_due(pool, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("board submission round failed; trying again")
                wait = min(settings.submit_interval, _AFTER_A_FAILED_ROUND)
            else:
                if sent >= settings.submit_batch_size:
                    continue
                # Not less than a tenth of a second: a report due now that the round skipped is locked by another
                # worker's round.
                due = await submissions.seconds_until_next_due(listen_conn)
                wait = until_due(due, at_most=settings.submit_interval, at_least=0.1)
            await woken(queued, wait)
