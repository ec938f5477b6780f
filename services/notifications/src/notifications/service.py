"""Notification use cases: an event queues its email in the consumer's transaction; support and learners read the log
and ask for resends. Nothing here talks SMTP (see sender.py)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg

from notifications import domain, reminder_repository, repository, schemas
from notifications.compose import compose
from notifications.config import Settings
from opencme_contracts import EventPayload, events
from opencme_kit.auth import Principal
from opencme_kit.problems import Problem, field_problem, not_found

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def render(
    settings: Settings,
    kind: str,
    *,
    to: str,
    facts: dict[str, Any],
    first_name: str | None,
    now: datetime | None = None,
) -> tuple[str, bytes]:
    """Subject and RFC 5322 bytes (CRLF line ends, as sent) of an email; ValueError when the facts are unusable."""
    context = domain.context_for(kind, facts, first_name=first_name, now=now or utcnow())
    message = compose(
        kind,
        to=to,
        context=context,
        org=settings.organisation,
        sender=settings.mail_from,
        message_id_domain=settings.message_id_domain,
    )
    return str(message["Subject"]), message.as_bytes(policy=policy.SMTP)


def _recipient(row: asyncpg.Record | None) -> domain.Recipient | None:
    return domain.Recipient(row["learner_id"], row["first_name"], row["email"]) if row else None


async def queue(
    conn: asyncpg.Connection, planned: domain.Planned, *, cause_event_id: uuid.UUID, settings: Settings
) -> uuid.UUID | None:
    """Queue the email an event causes (once per event and kind), or park it until the learner's address is known;
    returns its id, None when this event already caused it.

    Runs in the caller's transaction, after `repository.lock_learner` for a learner's email."""
    recipient = _recipient(await repository.get_recipient(conn, planned.learner_id)) if planned.learner_id else None
    to = planned.to or (recipient.email if recipient else None)
    message_id = uuid.uuid4()
    common = {
        "message_id": message_id,
        "cause_event_id": cause_event_id,
        "kind": planned.kind,
        "learner_id": planned.learner_id,
        "facts": planned.facts,
        "expires_at": planned.expires_at,
    }
    if to is None:
        inserted = await repository.insert_message(conn, status="waiting_for_recipient", **common)
        return message_id if inserted else None
    now = utcnow()
    subject, content = render(
        settings,
        planned.kind,
        to=to,
        facts=planned.facts,
        first_name=recipient.first_name if recipient else None,
        now=now,
    )
    if planned.expires_at is not None and planned.expires_at <= now:
        expired = planned.expires_at.isoformat()
        inserted = await repository.insert_message(
            conn,
            status="failed",
            last_error=f"not sent: it expired at {expired} before it could go out",
            to_address=to,
            subject=subject,
            **{**common, "facts": domain.without_secrets(planned.kind, planned.facts)},
        )
        return message_id if inserted else None
    inserted = await repository.insert_message(
        conn, status="queued", to_address=to, subject=subject, content=content, **common
    )
    return message_id if inserted else None


async def release_waiting(conn: asyncpg.Connection, learner_id: uuid.UUID, *, settings: Settings) -> int:
    """Compose and queue the learner's parked emails now that their address is known; returns how many."""
    recipient = _recipient(await repository.get_recipient(conn, learner_id))
    if recipient is None:
        return 0
    rows = await repository.waiting_messages(conn, learner_id)
    for row in rows:
        try:
            subject, content = render(
                settings, row["kind"], to=recipient.email, facts=row["facts"], first_name=recipient.first_name
            )
        except ValueError as exc:
            # The event that parked it was accepted already; the log shows why this one never went out.
            log.error("cannot compose parked message %s: %s", row["id"], exc)
            await repository.release_message(
                conn,
                row["id"],
                to_address=recipient.email,
                subject=None,
                content=None,
                status="failed",
                last_error=f"could not compose: {exc}",
            )
            continue
        await repository.release_message(conn, row["id"], to_address=recipient.email, subject=subject, content=content)
    return len(rows)


# --- what each event does ----------------------------------------------------------------------------------------


_Event = TypeVar("_Event", bound=EventPayload)


async def _as_current_learner(conn: asyncpg.Connection, event: _Event) -> _Event:
    """The event as if it named the account the learner's records live under (the survivor of a merge it may have
    overtaken), with that learner locked."""
    named: uuid.UUID = event.learner_id  # type: ignore[attr-defined]
    learner_id = await repository.lock_current_learner(conn, named)
    return event if learner_id == named else event.model_copy(update={"learner_id": learner_id})


async def learner_registered(
    conn: asyncpg.Connection, event: events.UserRegistered, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    # The recipient row is the account's own, merged or not; the email it causes is logged with the survivor.
    current = await repository.lock_current_learner(conn, event.user_id)
    await repository.upsert_recipient(
        conn,
        learner_id=event.user_id,
        first_name=event.profile.first_name,
        email=event.profile.primary_email,
        version=event.profile_version,
    )
    if (planned := domain.plan_verify_email(event)) is not None:
        await queue(conn, replace(planned, learner_id=current), cause_event_id=cause_event_id, settings=settings)
    await release_waiting(conn, event.user_id, settings=settings)


async def profile_updated(conn: asyncpg.Connection, event: events.ProfileUpdated, *, settings: Settings) -> None:
    await repository.lock_learner(conn, event.user_id)
    await repository.upsert_recipient(
        conn,
        learner_id=event.user_id,
        first_name=event.profile.first_name,
        email=event.profile.primary_email,
        version=event.version,
    )
    await release_waiting(conn, event.user_id, settings=settings)


async def email_verification_requested(
    conn: asyncpg.Connection, event: events.EmailVerificationRequested, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = event.model_copy(update={"user_id": await repository.lock_current_learner(conn, event.user_id)})
    await queue(conn, domain.plan_verify_added_email(event), cause_event_id=cause_event_id, settings=settings)


async def password_reset_requested(
    conn: asyncpg.Connection, event: events.PasswordResetRequested, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    if event.user_id is not None:
        event = event.model_copy(update={"user_id": await repository.lock_current_learner(conn, event.user_id)})
    await queue(conn, domain.plan_password_reset(event), cause_event_id=cause_event_id, settings=settings)


async def certificate_issued(
    conn: asyncpg.Connection, event: events.CertificateIssued, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = await _as_current_learner(conn, event)
    await repository.upsert_claim(
        conn,
        claim_id=event.claim_id,
        learner_id=event.learner_id,
        activity_title=event.activity_title,
        certificate_id=event.certificate_id,
    )
    await queue(
        conn,
        domain.plan_certificate_issued(event, portal_url=settings.portal_url),
        cause_event_id=cause_event_id,
        settings=settings,
    )


async def registration_confirmed(
    conn: asyncpg.Connection, event: events.RegistrationConfirmed, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = await _as_current_learner(conn, event)
    planned = domain.plan_registration_confirmed(event, zone=ZoneInfo(settings.timezone))
    registration = await repository.record_confirmation(
        conn,
        registration_id=event.registration_id,
        learner_id=event.learner_id,
        activity_id=event.activity.activity_id,
        email=event.email,
        facts=planned.facts,
        event_id=cause_event_id,
    )
    await reminder_repository.note_participation(conn, event.learner_id, event.activity.activity_id)
    if registration["cancelled_event_id"] is not None:
        # The cancellation overtook this confirmation: a receipt for a registration that no longer holds would
        # mislead, so only the cancellation notice goes out (it restates everything the receipt says).
        await _queue_cancellation(conn, registration, settings=settings)
        return
    await queue(conn, planned, cause_event_id=cause_event_id, settings=settings)


async def registration_cancelled(
    conn: asyncpg.Connection, event: events.RegistrationCancelled, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = await _as_current_learner(conn, event)
    registration = await repository.record_cancellation(
        conn,
        registration_id=event.registration_id,
        learner_id=event.learner_id,
        activity_id=event.activity_id,
        cancelled_at=event.cancelled_at,
        event_id=cause_event_id,
    )
    if registration["cancelled_event_id"] != cause_event_id:
        return  # cancelled before: one notice per registration
    if registration["confirmed_event_id"] is None:
        return  # the confirmation has not arrived; when it does, it sends this notice instead of a receipt
    confirmation = await repository.message_caused_by(
        conn, registration["confirmed_event_id"], "registration_confirmed"
    )
    if confirmation is not None:
        await repository.cancel_unsent(
            conn, [confirmation["id"]], reason="not sent: the registration was cancelled before it went out"
        )
    await _queue_cancellation(conn, registration, settings=settings)


async def _queue_cancellation(conn: asyncpg.Connection, registration: asyncpg.Record, *, settings: Settings) -> None:
    planned = domain.plan_registration_cancelled(
        learner_id=registration["learner_id"],
        email=registration["email"],
        confirmation=registration["facts"],
        cancelled_at=registration["cancelled_at"],
        zone=ZoneInfo(settings.timezone),
    )
    await queue(conn, planned, cause_event_id=registration["cancelled_event_id"], settings=settings)


async def board_report_status_changed(
    conn: asyncpg.Connection, event: events.BoardReportStatusChanged, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = await _as_current_learner(conn, event)
    claim = await repository.get_claim(conn, event.claim_id)
    planned = domain.plan_board_report(
        event,
        domain.ClaimInfo(claim["activity_title"], claim["certificate_id"]) if claim else None,
        portal_url=settings.portal_url,
    )
    if planned is None:
        return
    await queue(conn, planned, cause_event_id=cause_event_id, settings=settings)


# --- the log and resends -----------------------------------------------------------------------------------------


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
    conn: asyncpg.Connection, *, learner_id: uuid.UUID | None = None, to: str | None = None, limit: int = 100
) -> list[schemas.Message]:
    """A learner's log (a merged account's is its survivor's, which holds it now), or every email to an address."""
    if learner_id is not None:
        learner_id = await repository.current_learner(conn, learner_id)
    return [to_message(r) for r in await repository.list_messages(conn, learner_id=learner_id, to=to, limit=limit)]


async def resend(
    conn: asyncpg.Connection, *, message_id: uuid.UUID, principal: Principal, settings: Settings
) -> schemas.Message:
    """Queue a fresh copy (new Message-ID and date, so mail clients do not fold it into the first) of a message."""
    async with conn.transaction():
        original = await repository.get_message(conn, message_id)
        if original is None:
            raise not_found("message")
        if original["learner_id"] != principal.id and not principal.has_any("support", "admin"):
            raise Problem(403, "Forbidden", "you may only resend your own messages")
        if original["kind"] not in domain.RESENDABLE:
            raise field_problem(
                "kind", f"{original['kind']} emails cannot be resent; only {', '.join(sorted(domain.RESENDABLE))}"
            )
        if original["status"] in ("queued", "waiting_for_recipient"):
            raise Problem(409, "Conflict", "this message has not been sent yet; it will go out by itself")
        if original["kind"] == "registration_confirmed" and "registration_id" in original["facts"]:
            registration = await repository.get_registration(conn, uuid.UUID(original["facts"]["registration_id"]))
            if registration is not None and registration["cancelled_event_id"] is not None:
                raise Problem(409, "Conflict", "this registration was cancelled; its confirmation no longer holds")
        recipient = None
        if original["learner_id"] is not None:
            await repository.lock_learner(conn, original["learner_id"])
            recipient = _recipient(await repository.get_recipient(conn, original["learner_id"]))
        to = domain.resend_address(original["kind"], original["to_address"], recipient)
        if to is None:
            raise Problem(409, "Conflict", "no address is known for this message")
        try:
            subject, content = render(
                settings,
                original["kind"],
                to=to,
                facts=original["facts"],
                first_name=recipient.first_name if recipient else None,
            )
        except ValueError as exc:
            raise Problem(409, "Conflict", f"this message cannot be composed again: {exc}") from exc
        new_id = uuid.uuid4()
        await repository.insert_message(
            conn,
            message_id=new_id,
            resend_of=original["id"],
            requested_by=principal.id,
            kind=original["kind"],
            learner_id=original["learner_id"],
            to_address=to,
            subject=subject,
            content=content,
            facts=original["facts"],
            status="queued",
        )
        row = await repository.get_message(conn, new_id)
    return to_message(row)


async def resend_confirmation(
    conn: asyncpg.Connection, *, registration_id: uuid.UUID, principal: Principal, settings: Settings
) -> schemas.Message:
    """Queue a fresh copy of a registration's latest confirmation (its learner, support, admin)."""
    registration = await repository.get_registration(conn, registration_id)
    if registration is None or (
        registration["learner_id"] != principal.id and not principal.has_any("support", "admin")
    ):
        raise not_found("registration")  # not 403: whether someone else's registration exists is not yours to know
    confirmation = None
    if registration["confirmed_event_id"] is not None:
        confirmation = await repository.message_caused_by(
            conn, registration["confirmed_event_id"], "registration_confirmed"
        )
    if confirmation is None:
        if registration["cancelled_event_id"] is not None:
            raise Problem(409, "Conflict", "this registration was cancelled; its confirmation no longer holds")
        raise not_found("confirmation of this registration")
    return await resend(conn, message_id=confirmation["id"], principal=principal, settings=settings)
