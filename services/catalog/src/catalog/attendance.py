"""Recording attendance: the one path an event code, a staff list of addresses and a late verification all take."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from catalog import attendance_repository, domain, email_repository, repository, schemas
from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import db, errors, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow

# Every use case here asks merges.owner_of with shared=True: two recordings for one learner may run side by side (the
# attendance row's key keeps one of them, and only that one publishes), while a merge of the learner waits for both.


async def record(
    conn: db.Connection, *, session: asyncpg.Record, learner_id: uuid.UUID, method: str
) -> asyncpg.Record | None:
    """Records the learner's attendance at `session` (session_id, activity_id, starts_at) with attendance.recorded.

    `learner_id` must come from `merges.owner_of` in this transaction. Returns the new row (recorded_at), or None when
    the learner's attendance at the session was already recorded: then nothing is published.
    """
    inserted = await attendance_repository.insert_attendance(
        conn, session_id=session["session_id"], learner_id=learner_id, method=method
    )
    if inserted is not None:
        await outbox.emit(
            conn,
            events.AttendanceRecorded(
                learner_id=learner_id,
                activity_id=session["activity_id"],
                session_id=session["session_id"],
                method=method,
                attended_on=session["starts_at"].date(),
                recorded_at=inserted["recorded_at"],
            ),
            producer=SERVICE,
            subject=learner_id,
        )
    return inserted


def _code_refusal(found: asyncpg.Record | None, now: datetime) -> errors.Refusal | None:
    if found is None:
        return domain.UnknownEventCode()
    if found["activity_status"] == "cancelled":
        return domain.EventCodeRefused("this code's activity was cancelled; attendance can no longer be recorded")
    reason = domain.event_code_refusal(valid_from=found["valid_from"], valid_until=found["valid_until"], now=now)
    return None if reason is None else domain.EventCodeRefused(reason)


async def enter_event_code(*, conn: db.Connection, learner: Principal, code: str) -> schemas.Attendance:
    """A learner types the code shown at a session: their attendance is recorded and credit can be claimed."""
    async with conn.transaction():
        learner_id = await merges.owner_of(conn, learner.id, shared=True)
        found = await repository.find_event_code(conn, code)
        now = utcnow()
        refusal = _code_refusal(found, now)
        await attendance_repository.record_code_use(
            conn, code=code, learner_id=learner_id, accepted=refusal is None, reason=refusal.reason if refusal else None
        )
    if refusal is not None:
        raise refusal  # after the commit: the refused use stays recorded for the help desk
    assert found is not None, "a code no session has is refused above"
    async with conn.transaction():
        learner_id = await merges.owner_of(conn, learner.id, shared=True)  # again: a merge may have committed since
        inserted = await record(conn, session=found, learner_id=learner_id, method="event_code")
    return schemas.Attendance(
        activity_id=found["activity_id"],
        session_id=found["session_id"],
        session_title=found["session_title"],
        recorded_at=inserted["recorded_at"] if inserted else now,
    )


async def record_for_email(conn: db.Connection, *, session: asyncpg.Record, email: str, staff_id: uuid.UUID) -> str:
    """Staff's record for one normalised address: `recorded`, `already_recorded`, or `pending` until it is verified."""
    async with conn.transaction():
        await email_repository.lock_emails(conn, [email])
        holder = await email_repository.holder_of(conn, email)
        if holder is None:
            await email_repository.add_pending(
                conn, session_id=session["session_id"], email=email, recorded_by=staff_id
            )
            return "pending"
        learner_id = await merges.owner_of(conn, holder, shared=True)
        inserted = await record(conn, session=session, learner_id=learner_id, method="staff")
    return "recorded" if inserted is not None else "already_recorded"


async def attach_pending(conn: db.Connection, email: str, learner_id: uuid.UUID) -> int:
    """Records every attendance waiting for `email` for the learner it was just verified for; marks each attached.

    Run in the transaction that verified the address, after `lock_emails`. A second run finds nothing waiting.
    """
    waiting = await email_repository.waiting_for(conn, email)
    if not waiting:
        return 0
    # An address of a merged account attaches to the survivor.
    owner = await merges.owner_of(conn, learner_id, shared=True)
    now = utcnow()
    for pending in waiting:
        await record(conn, session=pending, learner_id=owner, method="staff")
        await email_repository.mark_attached(conn, pending["id"], learner_id=owner, at=now)
    return len(waiting)


async def record_emails(
    *, conn: db.Connection, staff: Principal, session_id: uuid.UUID, request: schemas.AttendanceByEmail
) -> schemas.EmailAttendanceResults:
    """Staff's list of attendees' addresses; an address listed twice is recorded once.

    Each address commits on its own (its own locks, its own event), so a list sent again after a failure is harmless:
    what was done answers `already_recorded` or `pending` again.
    """
    session = await repository.get_session(conn, session_id)
    if session is None:
        raise errors.NotFound(None, "session not found")
    results = [
        schemas.EmailAttendanceResult(
            email=email, status=await record_for_email(conn, session=session, email=email, staff_id=staff.id)
        )
        for email in dict.fromkeys(request.emails)
    ]  # already normalised by the schema; keeps the list's order
    return schemas.EmailAttendanceResults(session_id=session_id, results=results)


async def session_attendance(*, conn: db.Connection, session_id: uuid.UUID) -> schemas.SessionAttendance:
    if await repository.get_session(conn, session_id) is None:
        raise errors.NotFound(None, "session not found")
    recorded = await attendance_repository.recorded_at_session(conn, session_id)
    entries = [schemas.FiledAttendance(**dict(r)) for r in await email_repository.filed_for_session(conn, session_id)]
    return schemas.SessionAttendance(
        session_id=session_id,
        recorded=[
            schemas.RecordedAttendance(
                learner_id=r["learner_id"],
                name=domain.display_name(r["first_name"], r["middle_name"], r["last_name"], r["suffix"]),
                degree=r["degree"],
                email=r["email"],
                method=r["method"],
                recorded_at=r["recorded_at"],
            )
            for r in recorded
        ],
        pending=[e for e in entries if e.attached_to is None],
        attached=[e for e in entries if e.attached_to],
    )
