"""Registering for an activity, a learner's registrations, and cancelling one: each one transaction, state change and
event together.

A merged account's access token stays valid for a few minutes after the merge: what it registers or cancels is the
survivor's (`merges.owner_of`), and it sees the survivor's registrations.
"""

from __future__ import annotations

import csv
import io
import uuid

import asyncpg

from catalog import attendance_repository, domain, repository, schemas
from catalog import registrations_repository as store
from catalog.config import SERVICE
from catalog.service import activity_summary
from opencme_contracts import events
from opencme_kit import db, errors, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


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
        activity_status=r["activity_status"],
        cancellation_reason=r["cancellation_reason"],
    )


async def register(
    *, conn: db.Connection, learner: Principal, activity_id: uuid.UUID, request: schemas.RegistrationCreate
) -> schemas.Registration:
    if not learner.email:
        raise errors.Invalid("email", "your account has no email to send the confirmation to")
    async with conn.transaction():
        # Shared: registrations of one learner may run side by side (the activity's row lock and the unique live
        # registration keep them apart); a merge of the learner still waits for them.
        learner_id = await merges.owner_of(conn, learner.id, shared=True)
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise errors.NotFound(None, "activity not found")
        if await store.live_registration(conn, activity_id, learner_id):
            raise domain.AlreadyRegistered()
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
        fee = domain.fee_for(rules, request.attendee_category, taken_seats=row["taken_seats"], now=now)
        payment_status = "not_required" if fee == 0 else "pending"
        registration_id = uuid.uuid4()
        number = await store.insert_registration(
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
                activity=activity_summary(row),
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


async def registrations_of(*, conn: db.Connection, learner: Principal) -> list[schemas.Registration]:
    """A merged account's last token sees the survivor's registrations, which now include its own."""
    return await registrations_of_learner(conn=conn, learner_id=await merges.survivor_of(conn, learner.id))


async def registrations_of_learner(*, conn: db.Connection, learner_id: uuid.UUID) -> list[schemas.Registration]:
    """Every registration of one learner, cancelled ones too, newest first (the help desk's view of a learner; a
    merged-away account has none left: they moved to the account that survived)."""
    return [_registration(r) for r in await store.registrations_of(conn, learner_id)]


async def cancel_registration(
    *, conn: db.Connection, caller: Principal, registration_id: uuid.UUID, reason: str | None = None
) -> schemas.Registration:
    """The owner cancels before the activity starts (and before any attendance); staff cancel any time, and say why
    when it is someone else's registration (the reason is kept with it and the learner sees it)."""
    async with conn.transaction():
        # A merged account's last token acts for the survivor, who now holds its registrations.
        owner = None if caller.is_staff else await merges.owner_of(conn, caller.id, shared=True)
        row = await store.get_registration(conn, registration_id, for_update=True)
        if row is None or (owner is not None and row["learner_id"] != owner):
            raise errors.NotFound(None, "registration not found")  # another learner's is as good as absent
        if row["status"] == "cancelled":
            raise domain.AlreadyCancelled(row["number"])
        now = utcnow()
        if owner is not None:
            refusal = domain.learner_cancellation_refusal(
                starts_at=row["activity_starts_at"],
                attended=await attendance_repository.attended(conn, row["activity_id"], row["learner_id"]),
                now=now,
            )
            if refusal is not None:
                raise domain.CancellationRefused(row["number"], refusal)
        elif row["learner_id"] != caller.id and not reason:
            raise domain.ReasonRequired()
        cancelled = await store.cancel_registration(conn, registration_id, by=caller.id, at=now, reason=reason)
        await publish_cancelled(conn, cancelled)
    update = {"status": "cancelled", "cancelled_at": now, "cancellation_reason": reason}
    return _registration(row).model_copy(update=update)


async def publish_cancelled(conn: db.Connection, cancelled: asyncpg.Record) -> None:
    """Emits registration.cancelled for a row just cancelled (id, learner_id, activity_id, cancelled_at): the one way
    both a learner's (or staff's) cancel and an account merge's duplicate cancel publish it.

    Keyed by the learner the registration belongs to, like the registration.confirmed it undoes, so consumers see the
    two in order. Call it in the transaction that cancelled the row.
    """
    await outbox.emit(
        conn,
        events.RegistrationCancelled(
            registration_id=cancelled["id"],
            learner_id=cancelled["learner_id"],
            activity_id=cancelled["activity_id"],
            cancelled_at=cancelled["cancelled_at"],
        ),
        producer=SERVICE,
        subject=cancelled["learner_id"],
    )


ROSTER_COLUMNS = (
    "Registration", "Name", "Degree", "Email", "Category", "Fee (USD)", "Payment", "Status", "Registered at",
    "Cancelled at",
)  # fmt: skip


async def roster(*, conn: db.Connection, activity_id: uuid.UUID, cancelled_too: bool) -> list[schemas.RosterEntry]:
    """Staff: who registered for the activity (confirmed ones; cancelled ones too if asked), by last name."""
    if await repository.get_activity(conn, activity_id) is None:
        raise errors.NotFound(None, "activity not found")
    return [
        schemas.RosterEntry(
            registration_id=r["id"],
            number=r["number"],
            learner_id=r["learner_id"],
            name=domain.display_name(r["first_name"], r["middle_name"], r["last_name"], r["suffix"]),
            degree=r["degree"],
            email=r["email"],
            attendee_category=r["attendee_category"],
            fee_cents=r["fee_cents"],
            payment_status=r["payment_status"],
            status=r["status"],
            registered_at=r["created_at"],
            cancelled_at=r["cancelled_at"],
        )
        for r in await store.roster(conn, activity_id, cancelled_too=cancelled_too)
    ]


def roster_csv(entries: list[schemas.RosterEntry]) -> str:
    """The roster as a spreadsheet opens it: a header row, then one row per registration; text a learner typed cannot
    run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_COLUMNS)
    for e in entries:
        cells = (
            e.number,
            e.name or "",
            e.degree or "",
            e.email,
            e.attendee_category,
            f"{e.fee_cents / 100:.2f}",
            e.payment_status,
            e.status,
            e.registered_at.isoformat(timespec="seconds"),
            e.cancelled_at.isoformat(timespec="seconds") if e.cancelled_at else "",
        )
        writer.writerow([domain.spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()
