"""Catalog use cases: each one transaction, state change and event together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from catalog import attendance, cancellations, domain, merges, repository, schemas
from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import outbox
from opencme_kit.auth import Principal
from opencme_kit.problems import Problem, field_problem, not_found


def utcnow() -> datetime:
    return datetime.now(UTC)


def _designations(row: asyncpg.Record, provider: str) -> list[schemas.DesignationOut]:
    return [
        schemas.DesignationOut(
            credit_type=d["credit_type"],
            max_credits=Decimal(d["max_credits"]),
            statement=domain.designation_statement(
                provider, row["format"], d["credit_type"], Decimal(d["max_credits"])
            ),
        )
        for d in row["credit_designations"]
    ]


def to_activity(row: asyncpg.Record, provider: str) -> schemas.Activity:
    seats_left = None if row["capacity"] is None else max(0, row["capacity"] - row["taken_seats"])
    return schemas.Activity(
        **{
            k: row[k]
            for k in (
                "id",
                "title",
                "format",
                "description",
                "starts_at",
                "ends_at",
                "location",
                "available_until",
                "capacity",
                "registration_opens_at",
                "registration_closes_at",
                "fees",
                "claim_window_days",
                "moc_boards",
                "requires_event_code",
                "status",
            )
        },
        seats_left=seats_left,
        credit_designations=_designations(row, provider),
    )


def _summary(row: asyncpg.Record) -> events.ActivitySummary:
    return events.ActivitySummary(
        activity_id=row["id"],
        title=row["title"],
        format=row["format"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        location=row["location"],
    )


async def create_activity(
    *, conn: asyncpg.Connection, staff: Principal, request: schemas.ActivityCreate, provider: str
) -> schemas.Activity:
    activity_id = uuid.uuid4()
    fields: dict[str, Any] = request.model_dump(mode="python")
    fields["credit_designations"] = [
        {"credit_type": d.credit_type, "max_credits": str(d.max_credits)} for d in request.credit_designations
    ]
    async with conn.transaction():
        await repository.insert_activity(conn, activity_id, staff.id, fields)
        row = await repository.get_activity(conn, activity_id)
    return to_activity(row, provider)


async def publish_activity(*, conn: asyncpg.Connection, activity_id: uuid.UUID, provider: str) -> schemas.Activity:
    async with conn.transaction():
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise not_found("activity")
        if row["status"] == "published":
            return to_activity(row, provider)  # publishing twice is harmless and emits nothing more
        now = utcnow()
        await repository.mark_published(conn, activity_id, now)
        activity = to_activity(row, provider)
        await outbox.emit(
            conn,
            events.ActivityPublished(
                activity=_summary(row),
                provider_name=provider,
                credit_designations=tuple(
                    events.CreditDesignation(
                        credit_type=d.credit_type, max_credits=d.max_credits, statement=d.statement
                    )
                    for d in activity.credit_designations
                ),
                claim_window_days=row["claim_window_days"],
                available_until=row["available_until"],
                moc_boards=tuple(row["moc_boards"]),
                requires_event_code=row["requires_event_code"],
                published_at=now,
            ),
            producer=SERVICE,
            subject=activity_id,
        )
    return activity.model_copy(update={"status": "published"})


async def register(
    *, conn: asyncpg.Connection, learner: Principal, activity_id: uuid.UUID, request: schemas.RegistrationCreate
) -> schemas.Registration:
    if not learner.email:
        raise field_problem("email", "your account has no email to send the confirmation to")
    async with conn.transaction():
        learner_id = await merges.owner_for(conn, learner.id)  # the survivor, for a merged account's last token
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise not_found("activity")
        if await repository.live_registration(conn, activity_id, learner_id):
            raise Problem(
                409,
                "Already registered",
                "you are already registered for this activity",
                errors=[{"field": "activity_id", "reason": "already registered"}],
            )
        now = utcnow()
        rules = domain.RegistrationRules(
            status=row["status"],
            capacity=row["capacity"],
            opens_at=row["registration_opens_at"],
            closes_at=row["registration_closes_at"],
            ends_at=row["ends_at"],
            available_until=row["available_until"],
            fees=row["fees"],
        )
        try:
            fee = domain.fee_for(rules, request.attendee_category, taken_seats=row["taken_seats"], now=now)
        except domain.RegistrationRefused as refused:
            raise Problem(
                refused.status,
                "Registration refused",
                f"{refused.field}: {refused.reason}",
                errors=[{"field": refused.field, "reason": refused.reason}],
            ) from refused
        payment_status = "not_required" if fee == 0 else "pending"
        registration_id = uuid.uuid4()
        number = await repository.insert_registration(
            conn,
            registration_id=registration_id,
            activity_id=activity_id,
            learner_id=learner_id,
            email=learner.email,
            category=request.attendee_category,
            fee_cents=fee,
            payment_status=payment_status,
            at=now,
        )
        await outbox.emit(
            conn,
            events.RegistrationConfirmed(
                registration_id=registration_id,
                registration_number=number,
                learner_id=learner_id,
                email=learner.email,
                activity=_summary(row),
                attendee_category=request.attendee_category,
                fee_cents=fee,
                payment_status=payment_status,
                confirmed_at=now,
            ),
            producer=SERVICE,
            subject=learner_id,
        )
    return schemas.Registration(
        id=registration_id,
        number=number,
        activity_id=activity_id,
        activity_title=row["title"],
        attendee_category=request.attendee_category,
        fee_cents=fee,
        payment_status=payment_status,
        status="confirmed",
        created_at=now,
    )


async def add_session(
    *, conn: asyncpg.Connection, staff: Principal, activity_id: uuid.UUID, request: schemas.SessionCreate
) -> schemas.Session:
    async with conn.transaction():
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise not_found("activity")
        session_id = uuid.uuid4()
        await repository.insert_session(
            conn,
            session_id=session_id,
            activity_id=activity_id,
            title=request.title,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
        )
        valid_from = request.starts_at - timedelta(hours=1)
        valid_until = request.starts_at + timedelta(days=request.code_valid_days)
        while True:  # a clash among 31^8 codes is unlikely but not impossible
            code = domain.new_event_code()
            if await repository.insert_event_code(
                conn,
                code=code,
                session_id=session_id,
                valid_from=valid_from,
                valid_until=valid_until,
                created_by=staff.id,
            ):
                break
    return schemas.Session(
        id=session_id,
        activity_id=activity_id,
        title=request.title,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        event_code=code,
        code_valid_from=valid_from,
        code_valid_until=valid_until,
    )


async def enter_event_code(*, conn: asyncpg.Connection, learner: Principal, code: str) -> schemas.Attendance:
    """A learner types the code shown at a session: their attendance is recorded and credit can be claimed."""
    async with conn.transaction():
        learner_id = await merges.owner_for(conn, learner.id)
        found = await repository.find_event_code(conn, code)
        now = utcnow()
        reason = (
            "no session has this code"
            if found is None
            else domain.event_code_refusal(valid_from=found["valid_from"], valid_until=found["valid_until"], now=now)
        )
        await repository.record_code_use(conn, code=code, learner_id=learner_id, accepted=reason is None, reason=reason)
    if reason is not None:
        # The refused use stays recorded (committed above) for the help desk.
        raise field_problem("code", reason, status=404 if found is None else 422)
    async with conn.transaction():
        learner_id = await merges.owner_for(conn, learner.id)  # again: a merge may have committed in between
        inserted = await attendance.record(conn, session=found, learner_id=learner_id, method="event_code")
    return schemas.Attendance(
        activity_id=found["activity_id"],
        session_id=found["session_id"],
        session_title=found["session_title"],
        recorded_at=inserted["recorded_at"] if inserted else now,
    )


def _registration(r: asyncpg.Record) -> schemas.Registration:
    return schemas.Registration(
        id=r["id"],
        number=r["number"],
        activity_id=r["activity_id"],
        activity_title=r["activity_title"],
        attendee_category=r["attendee_category"],
        fee_cents=r["fee_cents"],
        payment_status=r["payment_status"],
        status=r["status"],
        created_at=r["created_at"],
        cancelled_at=r["cancelled_at"],
    )


async def registrations_of(*, conn: asyncpg.Connection, learner: Principal) -> list[schemas.Registration]:
    """A merged account's last token sees the survivor's registrations, which now include its own."""
    rows = await repository.registrations_of(conn, await repository.survivor_of(conn, learner.id))
    return [_registration(r) for r in rows]


async def cancel_registration(
    *, conn: asyncpg.Connection, caller: Principal, registration_id: uuid.UUID
) -> schemas.Registration:
    """The owner cancels before the activity starts (and before any attendance); staff cancel any time."""
    async with conn.transaction():
        # A merged account's last token acts for the survivor, who now holds its registrations.
        owner = None if caller.is_staff else await merges.owner_for(conn, caller.id)
        row = await repository.get_registration(conn, registration_id, for_update=True)
        if row is None or (owner is not None and row["learner_id"] != owner):
            raise not_found("registration")  # another learner's registration is as good as absent
        if row["status"] == "cancelled":
            raise Problem(
                409,
                "Already cancelled",
                f"registration {row['number']} is already cancelled",
                errors=[{"field": "registration_id", "reason": f"{row['number']} is already cancelled"}],
            )
        now = utcnow()
        if owner is not None:
            reason = domain.learner_cancellation_refusal(
                starts_at=row["activity_starts_at"],
                attended=await repository.attended(conn, row["activity_id"], row["learner_id"]),
                now=now,
            )
            if reason is not None:
                raise Problem(
                    409,
                    "Cancellation refused",
                    f"registration {row['number']}: {reason}",
                    errors=[{"field": "registration_id", "reason": reason}],
                )
        cancelled = await repository.cancel_registration(conn, registration_id, by=caller.id, at=now)
        await cancellations.publish_cancelled(conn, cancelled)
    return _registration(row).model_copy(update={"status": "cancelled", "cancelled_at": now})
