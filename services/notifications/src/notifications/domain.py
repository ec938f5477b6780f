"""Pure rules of notifications: which event becomes which email, what it says, and how delivery is retried.

An event is turned into a `Planned` email: its kind, the learner it concerns, the address when the event names one,
and the facts the email states (JSON-safe, so that a message waiting for its recipient, or resent later, is composed
from exactly what the event said). `context_for` adds the greeting and what depends on the moment of composing.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Literal

from opencme_contracts import events

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

BOARD_NAMES = {
    "ABA": "American Board of Anesthesiology",
    "ABIM": "American Board of Internal Medicine",
    "ABO": "American Board of Ophthalmology",
    "ABOS": "American Board of Orthopaedic Surgery",
    "ABOHNS": "American Board of Otolaryngology - Head and Neck Surgery",
    "ABOto": "American Board of Otolaryngology - Head and Neck Surgery",
    "ABPath": "American Board of Pathology",
    "ABP": "American Board of Pediatrics",
    "ABPMR": "American Board of Physical Medicine and Rehabilitation",
    "ABS": "American Board of Surgery",
    "ABTS": "American Board of Thoracic Surgery",
}

# How a learner reports to a board that does not take reports from providers. Boards change their sites, so the
# wording names the place to look rather than a deep link that would rot.
SELF_REPORT_INSTRUCTIONS = {
    "ABS": (
        "1. Sign in to your account on the American Board of Surgery website (www.absurgery.org).\n"
        "2. Open the CME reporting page of your continuous certification record and add this activity: its title, "
        "the date you completed it and the credits you claimed, exactly as your certificate shows them.\n"
        "3. Keep your certificate: the board may ask for it if your CME is audited."
    ),
}
_GENERIC_SELF_REPORT = (
    "1. Sign in to your account on the {board} website.\n"
    "2. Open its CME or MOC reporting page and add this activity: its title, the date you completed it and the "
    "credits you claimed, exactly as your certificate shows them.\n"
    "3. Keep your certificate: the board may ask for it if your CME is audited."
)
_DEFAULT_REASONS = {
    "held": "Your profile is missing something the board needs to match you: your board ID, or your birth month "
    "and day.",
    "rejected": "The board did not accept the report and gave no reason.",
}
_PAYMENT = {"not_required": "No payment required", "pending": "Payment pending", "paid": "Paid"}


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


class NotResendable(Exception):
    pass


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
        "dates": format_dates(activity.starts_at, activity.ends_at, zone),
        "location": activity.location or ("To be announced" if activity.format in LIVE_FORMATS else "Online"),
        "attendee_category": attendee_category_label(event.attendee_category),
        "fee": format_fee(event.fee_cents, event.currency),
        "payment_status": _PAYMENT.get(event.payment_status, event.payment_status),
        "registration_number": event.registration_number,
        "registration_id": str(event.registration_id),  # not shown: ties a resent copy to its registration
    }
    starts, ends = activity.starts_at, activity.ends_at
    if activity.format in LIVE_FORMATS and starts is not None and ends is not None and ends > starts:
        facts["starts_at"], facts["ends_at"] = starts.isoformat(), ends.isoformat()
    return Planned("registration_confirmed", event.learner_id, event.email, facts)


def plan_registration_cancelled(
    *, learner_id: uuid.UUID, email: str, confirmation: dict[str, Any], cancelled_at: datetime, zone: tzinfo
) -> Planned:
    """The cancellation notice, to the address the registration was confirmed to, restating what the confirmation
    said (registration.cancelled names neither the activity nor the address)."""
    facts = {**confirmation, "cancelled_on": format_day(cancelled_at.astimezone(zone))}
    return Planned("registration_cancelled", learner_id, email, facts)


def plan_board_report(
    event: events.BoardReportStatusChanged, claim: ClaimInfo | None, *, portal_url: str
) -> Planned | None:
    """An email for a report the learner must act on (held, rejected) or report themselves; None otherwise."""
    board = board_name(event.board_code)
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
                "reason": event.reason or _DEFAULT_REASONS[event.status],
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
                "instructions": self_report_instructions(event.board_code, certificate_url=cert_url),
            },
        )
    return None


def board_name(code: str) -> str:
    return BOARD_NAMES.get(code, code)


def self_report_instructions(board_code: str, *, certificate_url: str | None = None) -> str:
    text = SELF_REPORT_INSTRUCTIONS.get(board_code) or _GENERIC_SELF_REPORT.format(board=board_name(board_code))
    if certificate_url:
        text += f"\n\nYour certificate: {certificate_url}"
    return text


# --- composing ---------------------------------------------------------------------------------------------------


def context_for(kind: str, facts: dict[str, Any], *, first_name: str | None, now: datetime) -> dict[str, Any]:
    """The template context of an email: its facts, the greeting, and what depends on when it is composed."""
    context: dict[str, Any] = {**facts, "first_name": first_name}
    if kind == "password_reset":
        expires_at = datetime.fromisoformat(context.pop("expires_at"))
        context["expires_minutes"] = max(1, math.ceil((expires_at - now).total_seconds() / 60))
    for key in ("starts_at", "ends_at"):
        if isinstance(context.get(key), str):
            context[key] = datetime.fromisoformat(context[key])
    return context


def without_secrets(kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k not in SECRET_FACTS.get(kind, ())}


def resend_address(kind: str, original_to: str, recipient: Recipient | None) -> str:
    """Where a resent copy goes: a certificate to the learner's current primary email; a verification link and a
    registration confirmation to the address they were about."""
    if kind not in RESENDABLE:
        raise NotResendable(kind)
    if kind == "certificate_issued" and recipient is not None:
        return recipient.email
    return original_to


def format_dates(starts: datetime | None, ends: datetime | None, zone: tzinfo) -> str:
    if starts is None:
        return "Self-paced (no fixed date)"
    start = starts.astimezone(zone)
    if ends is None or ends <= starts:
        return f"{format_day(start)}, {_time(start)} {start.tzname()}"
    end = ends.astimezone(zone)
    if end.date() == start.date():
        return f"{format_day(start)}, {_time(start)} - {_time(end)} {end.tzname()}"
    return f"{format_day(start)}, {_time(start)} - {format_day(end)}, {_time(end)} {end.tzname()}"


def format_day(moment: date) -> str:
    """'Friday, May 1, 2026' (a datetime is shown in its own time zone)."""
    return f"{moment:%A, %B} {moment.day}, {moment.year}"


def _time(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M %p}"


def format_fee(cents: int, currency: str) -> str:
    if cents == 0:
        return "No fee"
    amount = f"{cents / 100:,.2f}"
    return f"${amount}" if currency.upper() == "USD" else f"{amount} {currency.upper()}"


def attendee_category_label(category: str) -> str:
    label = category.replace("_", " ").strip()
    return label[:1].upper() + label[1:]


# --- delivery ----------------------------------------------------------------------------------------------------

Phase = Literal["connect", "mail", "rcpt", "data"]


def is_permanent(code: int | None, phase: Phase) -> bool:
    """A 5xx about the recipient or the content will not change by retrying; everything else is treated as
    transient: 4xx, network errors, and 5xx on connect/HELO/AUTH/MAIL FROM, which are about our server or our
    configuration and would otherwise fail every queued message for good (552 at MAIL FROM is the message's size)."""
    if code is None or not 500 <= code < 600:
        return False
    return phase in ("rcpt", "data") or (phase == "mail" and code == 552)


def retry_delay(attempts: int, *, base: float, cap: float, rand: float) -> float:
    """Seconds before the next try after the `attempts`-th transient failure: doubling from `base`, capped at `cap`,
    with jitter in [delay/2, delay] so that a backlog does not retry in lockstep after an outage. `rand` in [0, 1)."""
    delay = min(cap, base * 2 ** min(max(attempts, 1) - 1, 40))
    return delay * (0.5 + rand / 2)
