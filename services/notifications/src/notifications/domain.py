"""Pure rules of notifications: which event becomes which email, to whom, and which emails may be sent again.

An event is turned into a `Planned` email: its kind, the learner it concerns, the address when the event names one,
and the facts the email states (JSON-safe, so that a message waiting for its recipient, or resent later, is composed
from exactly what the event said). How the facts are worded is wording.py's; how they become an email, compose.py's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from notifications import wording
from opencme_contracts import events
from opencme_kit import errors

# Emails to the learner's primary email wait for the recipient projection when the event arrives before it.
NEEDS_RECIPIENT = frozenset({"certificate_issued", "board_report_action_needed", "board_self_report"})
RESENDABLE = frozenset({"registration_confirmed", "certificate_issued", "verify_email"})
# Learners may opt out of these; every other kind is transactional and always goes.
REMINDERS = frozenset({"claim_window_closing"})
# A reset link works like a password until it expires: once its email has left (or never will), the log keeps only
# that it was sent, not the link.
SECRET_FACTS = {"password_reset": ("reset_url",)}
LIVE_FORMATS = frozenset({"live_course", "grand_rounds"})
ACTION_NEEDED_STATUSES = frozenset({"held", "rejected"})
# Statuses of a message that has not gone out yet (and will by itself).
ON_ITS_WAY = frozenset({"queued", "waiting_for_recipient"})


@dataclass(frozen=True)
class Planned:
    kind: str
    learner_id: uuid.UUID | None
    to: str | None  # None: the learner's primary email, known from the recipient projection
    facts: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Recipient:
    learner_id: uuid.UUID
    first_name: str
    email: str


@dataclass(frozen=True)
class ClaimInfo:
    activity_title: str
    certificate_id: uuid.UUID


# --- refusals of a resend --------------------------------------------------------------------------------------


class NotResendable(errors.Invalid):
    """Only confirmations, certificates and verification links are sent again."""

    def __init__(self, kind: str) -> None:
        super().__init__("kind", f"{kind} emails cannot be resent; only {', '.join(sorted(RESENDABLE))}")


class NotSentYet(errors.Conflict):
    def __init__(self) -> None:
        super().__init__(None, "this message has not been sent yet; it will go out by itself")


class ConfirmationWithdrawn(errors.Conflict):
    def __init__(self) -> None:
        super().__init__(None, "this registration was cancelled; its confirmation no longer holds")


class NoAddress(errors.Conflict):
    def __init__(self) -> None:
        super().__init__(None, "no address is known for this message")


class CannotComposeAgain(errors.Conflict):
    def __init__(self, why: str) -> None:
        super().__init__(None, f"this message cannot be composed again: {why}")


# --- events -> emails ------------------------------------------------------------------------------------------


def plan_verify_email(event: events.UserRegistered) -> Planned | None:
    if not event.verify_email_url:
        return None
    return Planned("verify_email", event.user_id, event.profile.primary_email, {"verify_url": event.verify_email_url})


def plan_verify_added_email(event: events.EmailVerificationRequested) -> Planned:
    """The link goes to the address it verifies (not the primary one); a link that expired before it could be sent
    is not sent."""
    return Planned(
        "verify_email", event.user_id, event.email, {"verify_url": event.verify_url}, expires_at=event.expires_at
    )


def plan_password_reset(event: events.PasswordResetRequested) -> Planned:
    if event.reset_url is None:
        return Planned("password_reset_no_account", event.user_id, event.email, {"email": event.email})
    if event.expires_at is None:
        raise ValueError("a password reset with a link must say when the link expires (expires_at)")
    return Planned(
        "password_reset",
        event.user_id,
        event.email,
        {"reset_url": event.reset_url, "expires_at": event.expires_at.isoformat()},
        expires_at=event.expires_at,
    )


def certificate_url(portal_url: str, certificate_id: uuid.UUID) -> str:
    return f"{portal_url.rstrip('/')}/certificates/{certificate_id}"


def plan_certificate_issued(event: events.CertificateIssued, *, portal_url: str) -> Planned:
    return Planned(
        "certificate_issued",
        event.learner_id,
        None,
        {
            "activity_title": event.activity_title,
            "certificate_number": event.certificate_number,
            "certificate_url": certificate_url(portal_url, event.certificate_id),
        },
    )


def plan_registration_confirmed(event: events.RegistrationConfirmed, *, zone: tzinfo) -> Planned:
    activity = event.activity
    facts: dict[str, Any] = {
        "activity_title": activity.title,
        "dates": wording.format_dates(activity.starts_at, activity.ends_at, zone),
        "location": activity.location or ("To be announced" if activity.format in LIVE_FORMATS else "Online"),
        "attendee_category": wording.attendee_category_label(event.attendee_category),
        "fee": wording.format_fee(event.fee_cents, event.currency),
        "payment_status": wording.payment_status_label(event.payment_status),
        "registration_number": event.registration_number,
        "registration_id": str(event.registration_id),  # not shown: ties a resent copy to its registration
    }
    starts, ends = activity.starts_at, activity.ends_at
    if activity.format in LIVE_FORMATS and starts is not None and ends is not None and ends > starts:
        facts["starts_at"], facts["ends_at"] = starts.isoformat(), ends.isoformat()
    return Planned("registration_confirmed", event.learner_id, event.email, facts)


def plan_registration_cancelled(
    *,
    learner_id: uuid.UUID,
    email: str,
    confirmation: dict[str, Any],
    cancelled_at: datetime,
    zone: tzinfo,
    activity_cancelled_because: str | None = None,
) -> Planned:
    """The cancellation notice, to the address the registration was confirmed to, restating what the confirmation
    said (registration.cancelled names neither the activity nor the address). When the activity itself was cancelled
    (`activity_cancelled_because`: staff's reason), it is the activity's cancellation notice, giving the reason."""
    facts = {**confirmation, "cancelled_on": wording.format_day(cancelled_at.astimezone(zone))}
    if activity_cancelled_because is not None:
        return Planned("activity_cancelled", learner_id, email, facts | {"reason": activity_cancelled_because})
    return Planned("registration_cancelled", learner_id, email, facts)


@dataclass(frozen=True)
class RegisteredBoard:
    """A board as the registry last announced it (board.updated)."""

    name: str
    self_report_instructions: str | None


def plan_board_report(
    event: events.BoardReportStatusChanged,
    claim: ClaimInfo | None,
    *,
    portal_url: str,
    registered: RegisteredBoard | None = None,
) -> Planned | None:
    """An email for a report the learner must act on (held, rejected) or report themselves; None otherwise. The board
    is named, and its instructions given, as the registry announced it (`registered`), else from wording.py."""
    board = registered.name if registered else wording.board_name(event.board_code)
    # The event does not name the activity; certificate.issued does, and usually comes first.
    title = claim.activity_title if claim else "an activity you claimed credit for"
    if event.status in ACTION_NEEDED_STATUSES:
        return Planned(
            "board_report_action_needed",
            event.learner_id,
            None,
            {
                "board_name": board,
                "activity_title": title,
                "reason": event.reason or wording.DEFAULT_REASONS[event.status],
                "profile_url": f"{portal_url.rstrip('/')}/profile",
            },
        )
    if event.status == "self_report":
        cert_url = certificate_url(portal_url, claim.certificate_id) if claim else None
        return Planned(
            "board_self_report",
            event.learner_id,
            None,
            {
                "board_name": board,
                "activity_title": title,
                "instructions": wording.self_report_instructions(
                    event.board_code,
                    certificate_url=cert_url,
                    registered=registered.self_report_instructions if registered else None,
                ),
            },
        )
    return None


def without_secrets(kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k not in SECRET_FACTS.get(kind, ())}


# --- resends -----------------------------------------------------------------------------------------------------


def check_resend(kind: str, status: str, *, registration_cancelled: bool) -> None:
    """Raises why a logged message cannot be sent again, if it cannot: its kind is not resendable, it has not gone
    out yet (it will by itself), or it confirms a registration that was cancelled since."""
    if kind not in RESENDABLE:
        raise NotResendable(kind)
    if status in ON_ITS_WAY:
        raise NotSentYet()
    if registration_cancelled:
        raise ConfirmationWithdrawn()


def resend_address(kind: str, original_to: str | None, recipient: Recipient | None) -> str:
    """Where a resent copy goes: a certificate to the learner's current primary email; a verification link and a
    registration confirmation to the address they were about."""
    if kind not in RESENDABLE:
        raise NotResendable(kind)
    if kind == "certificate_issued" and recipient is not None:
        return recipient.email
    if original_to is None:
        raise NoAddress()
    return original_to
