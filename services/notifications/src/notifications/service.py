"""Notification use cases of events: an event queues its email in the consumer's transaction, or parks it until the
learner's address is known. Nothing here talks SMTP (see sender.py); the delivery log and resends are
message_log.py's, the claim-window reminder reminders.py's, account merges merges.py's.

Whoever records for a learner first asks the kit's `owner_of` (opencme_kit.merges): it locks the learner, so two
handlers of one learner (a certificate parked as waiting, the registration that would release it) see each other, and
it names the survivor when the help desk merged the account, so late events land where the learner's records live.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from notifications import domain, organisation, reminder_repository, repository
from notifications.compose import Organisation, compose, context_for
from notifications.config import Settings
from opencme_contracts import events
from opencme_kit import db, merges
from opencme_kit.clock import utcnow

log = logging.getLogger(__name__)


def render(
    settings: Settings,
    kind: str,
    *,
    to: str,
    facts: dict[str, Any],
    first_name: str | None,
    org: Organisation,
    now: datetime | None = None,
) -> tuple[str, bytes]:
    """Subject and RFC 5322 bytes (CRLF line ends, as sent) of an email; ValueError when the facts are unusable.

    `org` is whose email it is: `organisation.current` (identity's latest, or the configured one until it has
    published any)."""
    context = context_for(kind, facts, first_name=first_name, now=now or utcnow())
    message = compose(
        kind,
        to=to,
        context=context,
        org=org,
        sender=settings.mail_from,
        message_id_domain=settings.message_id_domain,
    )
    return str(message["Subject"]), message.as_bytes(policy=policy.SMTP)


async def queue(
    conn: db.Connection, planned: domain.Planned, *, cause_event_id: uuid.UUID, settings: Settings
) -> uuid.UUID | None:
    """Queue the email an event causes (once per event and kind), or park it until the learner's address is known;
    returns its id, None when this event already caused it.

    Runs in the caller's transaction, after `owner_of` for a learner's email."""
    recipient = await repository.get_recipient(conn, planned.learner_id) if planned.learner_id else None
    to = planned.to or (recipient.email if recipient else None)
    message_id = uuid.uuid4()
    if to is None:
        inserted = await repository.insert_message(
            conn,
            message_id=message_id,
            cause_event_id=cause_event_id,
            kind=planned.kind,
            learner_id=planned.learner_id,
            facts=planned.facts,
            expires_at=planned.expires_at,
            status="waiting_for_recipient",
        )
        return message_id if inserted else None
    now = utcnow()
    first_name = recipient.first_name if recipient else None
    org = await organisation.current(conn, settings)
    subject, rendered = render(
        settings, planned.kind, org=org, to=to, facts=planned.facts, first_name=first_name, now=now
    )
    facts, status = planned.facts, "queued"
    content: bytes | None = rendered
    last_error: str | None = None
    if planned.expires_at is not None and planned.expires_at <= now:
        # Too late to be of use (a link that expired first): logged as failed, without its content or secrets.
        facts, status = domain.without_secrets(planned.kind, planned.facts), "failed"
        content = None
        last_error = f"not sent: it expired at {planned.expires_at.isoformat()} before it could go out"
    inserted = await repository.insert_message(
        conn,
        message_id=message_id,
        cause_event_id=cause_event_id,
        kind=planned.kind,
        learner_id=planned.learner_id,
        facts=facts,
        expires_at=planned.expires_at,
        status=status,
        last_error=last_error,
        to_address=to,
        subject=subject,
        content=content,
    )
    return message_id if inserted else None


async def release_waiting(conn: db.Connection, learner_id: uuid.UUID, *, settings: Settings) -> int:
    """Compose and queue the learner's parked emails now that their address is known; returns how many."""
    recipient = await repository.get_recipient(conn, learner_id)
    if recipient is None:
        return 0
    rows = await repository.waiting_messages(conn, learner_id)
    if not rows:
        return 0
    org = await organisation.current(conn, settings)
    for row in rows:
        try:
            subject, content = render(
                settings, row["kind"], org=org, to=recipient.email, facts=row["facts"], first_name=recipient.first_name
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


async def learner_registered(
    conn: db.Connection, event: events.UserRegistered, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    # The recipient row is the account's own, merged or not; the email it causes is logged with the survivor.
    owner = await merges.owner_of(conn, event.user_id)
    await repository.upsert_recipient(
        conn,
        learner_id=event.user_id,
        first_name=event.profile.first_name,
        email=event.profile.primary_email,
        version=event.profile_version,
    )
    if (planned := domain.plan_verify_email(event)) is not None:
        await queue(conn, replace(planned, learner_id=owner), cause_event_id=cause_event_id, settings=settings)
    await release_waiting(conn, event.user_id, settings=settings)


async def profile_updated(conn: db.Connection, event: events.ProfileUpdated, *, settings: Settings) -> None:
    # The account's own name and address (a merged account keeps its own row), so its own lock, not its survivor's.
    await merges.lock_learner(conn, event.user_id)
    await repository.upsert_recipient(
        conn,
        learner_id=event.user_id,
        first_name=event.profile.first_name,
        email=event.profile.primary_email,
        version=event.version,
    )
    await release_waiting(conn, event.user_id, settings=settings)


async def email_verification_requested(
    conn: db.Connection, event: events.EmailVerificationRequested, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = event.model_copy(update={"user_id": await merges.owner_of(conn, event.user_id)})
    await queue(conn, domain.plan_verify_added_email(event), cause_event_id=cause_event_id, settings=settings)


async def password_reset_requested(
    conn: db.Connection, event: events.PasswordResetRequested, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    if event.user_id is not None:
        event = event.model_copy(update={"user_id": await merges.owner_of(conn, event.user_id)})
    await queue(conn, domain.plan_password_reset(event), cause_event_id=cause_event_id, settings=settings)


async def certificate_issued(
    conn: db.Connection, event: events.CertificateIssued, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = event.model_copy(update={"learner_id": await merges.owner_of(conn, event.learner_id)})
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
    conn: db.Connection, event: events.RegistrationConfirmed, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = event.model_copy(update={"learner_id": await merges.owner_of(conn, event.learner_id)})
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
    conn: db.Connection, event: events.RegistrationCancelled, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    await _cancel_registration(
        conn,
        registration_id=event.registration_id,
        learner_id=event.learner_id,
        activity_id=event.activity_id,
        cancelled_at=event.cancelled_at,
        reason=None,
        cause_event_id=cause_event_id,
        settings=settings,
    )


async def activity_cancelled(
    conn: db.Connection, event: events.ActivityCancelled, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    """Every registration the cancellation cancelled gets the activity's cancellation notice, with the reason.

    A message is caused once per event and kind (messages' key), and this one event causes a notice per registrant:
    each notice's cause is derived from the event and the registration (uuid5), the same on every redelivery."""
    for registration in event.registrations:
        await _cancel_registration(
            conn,
            registration_id=registration.registration_id,
            learner_id=registration.learner_id,
            activity_id=event.activity.activity_id,
            cancelled_at=event.cancelled_at,
            reason=event.reason,
            cause_event_id=uuid.uuid5(cause_event_id, str(registration.registration_id)),
            settings=settings,
        )


async def _cancel_registration(
    conn: db.Connection,
    *,
    registration_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    cancelled_at: datetime,
    reason: str | None,
    cause_event_id: uuid.UUID,
    settings: Settings,
) -> None:
    """One cancellation notice per registration, whichever event cancelled it first; withdraws the confirmation if it
    has not gone out yet."""
    registration = await repository.record_cancellation(
        conn,
        registration_id=registration_id,
        learner_id=await merges.owner_of(conn, learner_id),
        activity_id=activity_id,
        cancelled_at=cancelled_at,
        event_id=cause_event_id,
        reason=reason,
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


async def _queue_cancellation(conn: db.Connection, registration: asyncpg.Record, *, settings: Settings) -> None:
    planned = domain.plan_registration_cancelled(
        learner_id=registration["learner_id"],
        email=registration["email"],
        confirmation=registration["facts"],
        cancelled_at=registration["cancelled_at"],
        zone=ZoneInfo(settings.timezone),
        activity_cancelled_because=registration["cancellation_reason"],
    )
    await queue(conn, planned, cause_event_id=registration["cancelled_event_id"], settings=settings)


async def board_report_status_changed(
    conn: db.Connection, event: events.BoardReportStatusChanged, *, cause_event_id: uuid.UUID, settings: Settings
) -> None:
    event = event.model_copy(update={"learner_id": await merges.owner_of(conn, event.learner_id)})
    claim = await repository.get_claim(conn, event.claim_id)
    board = await repository.get_board(conn, event.board_code)
    registered = (
        domain.RegisteredBoard(name=board["name"], self_report_instructions=board["self_report_instructions"])
        if board
        else None
    )
    planned = domain.plan_board_report(event, claim, portal_url=settings.portal_url, registered=registered)
    if planned is None:
        return
    await queue(conn, planned, cause_event_id=cause_event_id, settings=settings)


async def board_updated(conn: db.Connection, event: events.BoardUpdated) -> None:
    await repository.upsert_board(
        conn,
        code=event.code,
        name=event.name,
        self_report_instructions=event.self_report_instructions,
        updated_at=event.updated_at,
    )
