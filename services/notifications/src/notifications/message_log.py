"""The delivery log as learners and the help desk read it, and resends: a fresh copy of a confirmation, certificate
or verification email (new Message-ID and date, so mail clients do not fold it into the first)."""

from __future__ import annotations

import uuid

import asyncpg

from notifications import domain, organisation, repository, schemas, service
from notifications.config import Settings
from opencme_kit import db, errors, merges
from opencme_kit.auth import Principal
from opencme_kit.roles import Role


def to_message(row: asyncpg.Record) -> schemas.Message:
    return schemas.Message(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        to=row["to_address"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        resend_of=row["resend_of"],
    )


async def messages_of(
    conn: db.Connection, *, learner_id: uuid.UUID | None = None, to: str | None = None, limit: int = 100
) -> list[schemas.Message]:
    """A learner's log (a merged account's is its survivor's, which holds it now), or every email to an address."""
    if learner_id is None and not to:
        raise errors.Invalid("learner_id", "give learner_id or to")
    if learner_id is not None:
        learner_id = await merges.survivor_of(conn, learner_id)
    return [to_message(r) for r in await repository.list_messages(conn, learner_id=learner_id, to=to, limit=limit)]


def _may_act_for(principal: Principal, learner_id: uuid.UUID | None) -> bool:
    return learner_id == principal.id or principal.has_any(Role.SUPPORT, Role.ADMIN)


async def resend(
    conn: db.Connection, *, message_id: uuid.UUID, principal: Principal, settings: Settings
) -> schemas.Message:
    """Queue a fresh copy of a message that went out (its owner, support, admin)."""
    async with conn.transaction():
        original = await repository.get_message(conn, message_id)
        if original is None:
            raise errors.NotFound(None, "message not found")
        if not _may_act_for(principal, original["learner_id"]):
            raise errors.Forbidden(None, "you may only resend your own messages")
        domain.check_resend(
            original["kind"], original["status"], registration_cancelled=await _registration_cancelled(conn, original)
        )
        learner_id, recipient = original["learner_id"], None
        if learner_id is not None:
            learner_id = await merges.owner_of(conn, learner_id)
            recipient = await repository.get_recipient(conn, learner_id)
        to = domain.resend_address(original["kind"], original["to_address"], recipient)
        try:
            subject, content = service.render(
                settings,
                original["kind"],
                org=await organisation.current(conn, settings),
                to=to,
                facts=original["facts"],
                first_name=recipient.first_name if recipient else None,
            )
        except ValueError as exc:
            raise domain.CannotComposeAgain(str(exc)) from exc
        copy_id = uuid.uuid4()
        await repository.insert_message(
            conn,
            message_id=copy_id,
            resend_of=original["id"],
            requested_by=principal.id,
            kind=original["kind"],
            learner_id=learner_id,
            to_address=to,
            subject=subject,
            content=content,
            facts=original["facts"],
            status="queued",
        )
        copy = await repository.get_message(conn, copy_id)
    assert copy is not None, "inserted in the same transaction"
    return to_message(copy)


async def _registration_cancelled(conn: db.Connection, message: asyncpg.Record) -> bool:
    """Whether the registration a confirmation is about was cancelled since."""
    if message["kind"] != "registration_confirmed" or "registration_id" not in message["facts"]:
        return False
    registration = await repository.get_registration(conn, uuid.UUID(message["facts"]["registration_id"]))
    return registration is not None and registration["cancelled_event_id"] is not None


async def resend_confirmation(
    conn: db.Connection, *, registration_id: uuid.UUID, principal: Principal, settings: Settings
) -> schemas.Message:
    """Queue a fresh copy of a registration's latest confirmation (its learner, support, admin)."""
    registration = await repository.get_registration(conn, registration_id)
    if registration is None or not _may_act_for(principal, registration["learner_id"]):
        # Not 403: whether someone else's registration exists is not theirs to know.
        raise errors.NotFound(None, "registration not found")
    confirmation = None
    if registration["confirmed_event_id"] is not None:
        confirmation = await repository.message_caused_by(
            conn, registration["confirmed_event_id"], "registration_confirmed"
        )
    if confirmation is None:
        if registration["cancelled_event_id"] is not None:
            raise domain.ConfirmationWithdrawn()
        raise errors.NotFound(None, "confirmation of this registration not found")
    return await resend(conn, message_id=confirmation["id"], principal=principal, settings=settings)
