"""What notifications does with each event: queue the email it causes, in the inbox transaction.

Handlers never talk SMTP: the email is committed with the inbox row and the sender (sender.py) delivers it, so a
redelivered event is a no-op and a mail-server outage never blocks or loses an event. An event whose content cannot
make a correct email (e.g. a link that is not an absolute http(s) URL) is rejected to `<topic>.dlq`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from notifications import merges, reminders, service
from notifications.config import SERVICE, Settings
from opencme_contracts import Envelope
from opencme_kit.messaging import InboxConsumer, Rejected

Handler = Callable[[asyncpg.Connection, Envelope[Any], Settings], Awaitable[None]]


async def on_user_registered(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Remember the learner's name and address; send the email-verification link."""
    await service.learner_registered(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_profile_updated(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Keep the newest name and address; release emails that were waiting for them."""
    await service.profile_updated(conn, envelope.data, settings=settings)


async def on_email_verification_requested(
    conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings
) -> None:
    """Send the verification link to the address the learner added (or asked a new link for)."""
    await service.email_verification_requested(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_password_reset_requested(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Send the reset link, or tell the address that it has no account."""
    await service.password_reset_requested(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_certificate_issued(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Send a link to the new certificate (never the PDF itself)."""
    await service.certificate_issued(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_registration_confirmed(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Send the confirmation and receipt, with a calendar file for live courses."""
    await service.registration_confirmed(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_board_report_status_changed(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Ask the learner to fix a held or rejected board report, or tell them how to report it themselves."""
    await service.board_report_status_changed(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_registration_cancelled(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Send the cancellation notice, restating the confirmation (withdrawn if it had not gone out yet)."""
    await service.registration_cancelled(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_activity_published(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Remember the activity's title, format, end and claim window, for claim-window reminders."""
    await reminders.activity_published(conn, envelope.data)


async def on_attendance_recorded(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Remember the learner's latest attendance: it starts their claim window."""
    await reminders.attendance_recorded(conn, envelope.data)


async def on_credit_claimed(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """The learner claimed: no claim-window reminder for this activity (one not yet sent is withdrawn)."""
    await reminders.credit_claimed(conn, envelope.data)


async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[Any], settings: Settings) -> None:
    """Move the merged learner's log, registrations, reminders and preferences to the survivor (see merges.py)."""
    await merges.account_merged(conn, envelope.data, settings=settings)


HANDLERS: dict[str, Handler] = {
    "user.registered": on_user_registered,
    "profile.updated": on_profile_updated,
    "email.verification_requested": on_email_verification_requested,
    "password_reset.requested": on_password_reset_requested,
    "certificate.issued": on_certificate_issued,
    "registration.confirmed": on_registration_confirmed,
    "board_report.status_changed": on_board_report_status_changed,
    "registration.cancelled": on_registration_cancelled,
    "activity.published": on_activity_published,
    "attendance.recorded": on_attendance_recorded,
    "credit.claimed": on_credit_claimed,
    "account.merged": on_account_merged,
}


def bind(handler: Handler, settings: Settings) -> Callable[[asyncpg.Connection, Envelope[Any]], Awaitable[None]]:
    @functools.wraps(handler)  # the inbox names the consumer after the handler
    async def bound(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        try:
            await handler(conn, envelope, settings)
        except ValueError as exc:  # compose() and the domain rules refuse what cannot make a correct email
            raise Rejected(str(exc)) from exc

    return bound


def create_consumer(broker: KafkaBroker, settings: Settings) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)
    for topic, handler in HANDLERS.items():
        consumer.handle(topic)(bind(handler, settings))
    return consumer
