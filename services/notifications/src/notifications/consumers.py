"""What notifications does with each event: queue the email it causes, in the inbox transaction.

Handlers never talk SMTP: the email is committed with the inbox row and the sender (sender.py) delivers it, so a
redelivered event is a no-op and a mail-server outage never blocks or loses an event. An event whose content cannot
make a correct email (e.g. a link that is not an absolute http(s) URL) is rejected to `<topic>.dlq` at once.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from notifications import merges, organisation, reminders, service
from notifications.config import Settings
from opencme_contracts import Envelope, events
from opencme_kit import db
from opencme_kit.messaging import Handler, Rejected

P = ParamSpec("P")


def rejects_unusable_content(handler: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """compose() and the rules raise ValueError for an event that cannot make a correct email: retrying would not
    change that, so the event is rejected (dead-lettered) on the first try rather than after the kit's retries."""

    @functools.wraps(handler)  # the inbox names the consumer after the handler, AsyncAPI describes it by its docstring
    async def handle(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(*args, **kwargs)
        except ValueError as exc:
            raise Rejected(str(exc)) from exc

    return handle


@rejects_unusable_content
async def on_user_registered(
    conn: db.Connection, envelope: Envelope[events.UserRegistered], settings: Settings
) -> None:
    """Remember the learner's name and address; send the email-verification link."""
    await service.learner_registered(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_profile_updated(
    conn: db.Connection, envelope: Envelope[events.ProfileUpdated], settings: Settings
) -> None:
    """Keep the newest name and address; release emails that were waiting for them."""
    await service.profile_updated(conn, envelope.data, settings=settings)


@rejects_unusable_content
async def on_email_verification_requested(
    conn: db.Connection, envelope: Envelope[events.EmailVerificationRequested], settings: Settings
) -> None:
    """Send the verification link to the address the learner added (or asked a new link for)."""
    await service.email_verification_requested(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_password_reset_requested(
    conn: db.Connection, envelope: Envelope[events.PasswordResetRequested], settings: Settings
) -> None:
    """Send the reset link, or tell the address that it has no account."""
    await service.password_reset_requested(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_certificate_issued(
    conn: db.Connection, envelope: Envelope[events.CertificateIssued], settings: Settings
) -> None:
    """Send a link to the new certificate (never the PDF itself)."""
    await service.certificate_issued(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_registration_confirmed(
    conn: db.Connection, envelope: Envelope[events.RegistrationConfirmed], settings: Settings
) -> None:
    """Send the confirmation and receipt, with a calendar file for live courses."""
    await service.registration_confirmed(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_board_report_status_changed(
    conn: db.Connection, envelope: Envelope[events.BoardReportStatusChanged], settings: Settings
) -> None:
    """Ask the learner to fix a held or rejected board report, or tell them how to report it themselves."""
    await service.board_report_status_changed(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_registration_cancelled(
    conn: db.Connection, envelope: Envelope[events.RegistrationCancelled], settings: Settings
) -> None:
    """Send the cancellation notice, restating the confirmation (withdrawn if it had not gone out yet)."""
    await service.registration_cancelled(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


@rejects_unusable_content
async def on_activity_cancelled(
    conn: db.Connection, envelope: Envelope[events.ActivityCancelled], settings: Settings
) -> None:
    """Tell every registrant the activity was cancelled, and why (with a calendar cancel)."""
    await service.activity_cancelled(conn, envelope.data, cause_event_id=envelope.event_id, settings=settings)


async def on_activity_published(
    conn: db.Connection, envelope: Envelope[events.ActivityPublished], settings: Settings
) -> None:
    """Remember the activity's title, format, end and claim window, for claim-window reminders."""
    await reminders.activity_published(conn, envelope.data)


async def on_attendance_recorded(
    conn: db.Connection, envelope: Envelope[events.AttendanceRecorded], settings: Settings
) -> None:
    """Remember the learner's latest attendance: it starts their claim window."""
    await reminders.attendance_recorded(conn, envelope.data)


async def on_credit_claimed(conn: db.Connection, envelope: Envelope[events.CreditClaimed], settings: Settings) -> None:
    """The learner claimed: no claim-window reminder for this activity (one not yet sent is withdrawn)."""
    await reminders.credit_claimed(conn, envelope.data)


async def on_organisation_updated(
    conn: db.Connection, envelope: Envelope[events.OrganisationUpdated], settings: Settings
) -> None:
    """Keep the organisation's newest settings: every email composed from now on shows them."""
    await organisation.organisation_updated(conn, envelope.data)


async def on_board_updated(conn: db.Connection, envelope: Envelope[events.BoardUpdated], settings: Settings) -> None:
    """Keep the board's newest name and self-report instructions: every board email from now on uses them."""
    await service.board_updated(conn, envelope.data)


async def on_account_merged(conn: db.Connection, envelope: Envelope[events.AccountMerged], settings: Settings) -> None:
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
    "activity.cancelled": on_activity_cancelled,
    "attendance.recorded": on_attendance_recorded,
    "credit.claimed": on_credit_claimed,
    "account.merged": on_account_merged,
    "organisation.updated": on_organisation_updated,
    "board.updated": on_board_updated,
}
