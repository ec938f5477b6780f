"""Recording attendance: the one path an event code, a staff list of addresses and a late verification all take."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from catalog import email_repository, merges, repository, schemas
from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import outbox
from opencme_kit.auth import Principal
from opencme_kit.problems import not_found


async def record(
    conn: asyncpg.Connection, *, session: asyncpg.Record, learner_id: uuid.UUID, method: str
) -> asyncpg.Record | None:
    """Records the learner's attendance at `session` (session_id, activity_id, starts_at) with attendance.recorded.

    `learner_id` must come from `merges.owner_for` in this transaction. Returns the new row (recorded_at), or None when
    the learner's attendance at the session was already recorded: then nothing is published.
    """
    inserted = await repository.insert_attendance(
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


async def record_for_email(
    conn: asyncpg.Connection, *, session: asyncpg.Record, email: str, staff_id: uuid.UUID
) -> str:
    """Staff's record for one normalised address: `recorded`, `already_recorded`, or `pending` until it is verified."""
    async with conn.transaction():
        await email_repository.lock_emails(conn, [email])
        holder = await email_repository.holder_of(conn, email)
        if holder is None:
            await email_repository.add_pending(
                conn, session_id=session["session_id"], email=email, recorded_by=staff_id
            )
            return "pending"
        learner_id = await merges.owner_for(conn, holder)
        inserted = await record(conn, session=session, learner_id=learner_id, method="staff")
    return "recorded" if inserted is not None else "already_recorded"


async def attach_pending(conn: asyncpg.Connection, email: str, learner_id: uuid.UUID) -> int:
    """Records every attendance waiting for `email` for the learner it was just verified for; marks each attached.

    Run in the transaction that verified the address, after `lock_emails`. A second run finds nothing waiting.
    """
    waiting = await email_repository.waiting_for(conn, email)
    if not waiting:
        return 0
    owner = await merges.owner_for(conn, learner_id)  # an address of a merged account attaches to the survivor
    now = datetime.now(UTC)
    for pending in waiting:
        await record(conn, session=pending, learner_id=owner, method="staff")
        await email_repository.mark_attached(conn, pending["id"], learner_id=owner, at=now)
    return len(waiting)


async def record_emails(
    *, conn: asyncpg.Connection, staff: Principal, session_id: uuid.UUID, request: schemas.AttendanceByEmail
) -> schemas.EmailAttendanceResults:
    """Staff's list of attendees' addresses; an address listed twice is recorded once.

    Each address commits on its own (its own locks, its own event), so a list sent again after a failure is harmless:
    what was done answers `already_recorded` or `pending` again.
    """
    session = await repository.get_session(conn, session_id)
    if session is None:
        raise not_found("session")
    results = [
        schemas.EmailAttendanceResult(
            email=email, status=await record_for_email(conn, session=session, email=email, staff_id=staff.id)
        )
        for email in dict.fromkeys(request.emails)
    ]  # already normalised by the schema; keeps the list's order
    return schemas.EmailAttendanceResults(session_id=session_id, results=results)


async def session_attendance(*, conn: asyncpg.Connection, session_id: uuid.UUID) -> schemas.SessionAttendance:
    if await repository.get_session(conn, session_id) is None:
        raise not_found("session")
    recorded, filed = await email_repository.session_attendance(conn, session_id)
    entries = [schemas.FiledAttendance(**dict(r)) for r in filed]
    return schemas.SessionAttendance(
        session_id=session_id,
        recorded=[schemas.RecordedAttendance(**dict(r)) for r in recorded],
        pending=[e for e in entries if e.attached_to is None],
        attached=[e for e in entries if e.attached_to],
    )
