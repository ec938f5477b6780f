"""Builds the emails OpenCME sends: text + HTML alternatives rendered from templates/, with the organisation's footer.

Every kind has `<kind>.txt` and `<kind>.html` (autoescaped) in templates/, extending base.txt / base.html. Nothing here
sends mail; the caller hands the EmailMessage to SMTP. `context_for` turns the facts an email was planned with
(domain.py) into its template context.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from opencme_kit.clock import utcnow

DEFAULT_BRAND_COLOUR = "#1f5f8b"


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str  # may span lines
    phone: str
    support_email: str
    portal_url: str
    brand_colour: str = DEFAULT_BRAND_COLOUR  # "#rrggbb", checked where it comes from (settings, the event)

    @property
    def brand_text_colour(self) -> str:
        """Black or white, whichever contrasts more with the brand colour (WCAG 2 relative luminance): an admin may
        choose a light colour, and a button's label must stay readable on it."""

        def linear(pair: str) -> float:
            value = int(pair, 16) / 255
            return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

        red, green, blue = (linear(self.brand_colour[i : i + 2]) for i in (1, 3, 5))
        luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
        return "#ffffff" if (1.0 + 0.05) / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#000000"


@dataclass(frozen=True)
class _Kind:
    subject: str  # a Jinja template, rendered without escaping: it is a header, not HTML
    required: tuple[str, ...]


# What a registration's emails restate (templates/_registration.*): its confirmation and the notices that cancel it.
_REGISTRATION = (
    "activity_title", "dates", "location", "attendee_category", "fee", "payment_status", "registration_number"
)  # fmt: skip

KINDS: Mapping[str, _Kind] = {
    "password_reset": _Kind("Reset your {{ org.name }} password", ("first_name", "reset_url", "expires_minutes")),
    "password_reset_no_account": _Kind("Password reset request for {{ org.name }}", ("email",)),
    "verify_email": _Kind("Confirm your email address for {{ org.name }}", ("first_name", "verify_url")),
    "certificate_issued": _Kind(
        "Your certificate for {{ activity_title }}",
        ("first_name", "activity_title", "certificate_number", "certificate_url"),
    ),
    "board_report_action_needed": _Kind(
        "Action needed: your {{ board_name }} report for {{ activity_title }}",
        ("first_name", "board_name", "activity_title", "reason", "profile_url"),
    ),
    "board_self_report": _Kind(
        "How to report {{ activity_title }} to {{ board_name }}",
        ("first_name", "board_name", "activity_title", "instructions"),
    ),
    "registration_confirmed": _Kind(
        "Registration confirmed: {{ activity_title }} ({{ registration_number }})", ("first_name", *_REGISTRATION)
    ),
    "registration_cancelled": _Kind(
        "Registration cancelled: {{ activity_title }} ({{ registration_number }})",
        ("first_name", *_REGISTRATION, "cancelled_on"),
    ),
    "activity_cancelled": _Kind(
        "Cancelled: {{ activity_title }} ({{ registration_number }})",
        ("first_name", *_REGISTRATION, "cancelled_on", "reason"),
    ),
    "claim_window_closing": _Kind(
        "Claim your credit for {{ activity_title }} by {{ closes_on }}",
        ("first_name", "activity_title", "closes_on", "claim_url", "preferences_url"),
    ),
}

# The notices that take a registration out of the learner's calendar (a METHOD:CANCEL calendar file).
CANCELLATIONS = frozenset({"registration_cancelled", "activity_cancelled"})

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,  # a misspelt variable fails the render instead of sending a blank
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@functools.cache
def _subject(source: str) -> Template:
    """A kind's subject line, compiled once (compiling is most of what rendering it from its text costs)."""
    return _env.from_string(source)


def context_for(kind: str, facts: Mapping[str, Any], *, first_name: str | None, now: datetime) -> dict[str, Any]:
    """The template context of an email: its facts, the greeting, and what depends on when it is composed."""
    context: dict[str, Any] = {**facts, "first_name": first_name}
    if kind == "password_reset":
        expires_at = datetime.fromisoformat(context.pop("expires_at"))
        context["expires_minutes"] = max(1, math.ceil((expires_at - now).total_seconds() / 60))
    for key in ("starts_at", "ends_at"):
        if isinstance(context.get(key), str):
            context[key] = datetime.fromisoformat(context[key])
    return context


def compose(
    kind: str,
    *,
    to: str,
    context: Mapping[str, Any],
    org: Organisation,
    sender: str,
    message_id_domain: str = "opencme.local",
) -> EmailMessage:
    """The email of `kind` for `to`; raises ValueError for an unknown kind or missing/unsafe context."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown email kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    missing = [key for key in spec.required if key not in context]
    if missing:
        raise ValueError(f"{kind} email needs {', '.join(missing)}")
    _check_urls({**context, "portal_url": org.portal_url})

    now = utcnow()
    calendar = None
    cancelled = kind in CANCELLATIONS
    if kind == "registration_confirmed" or cancelled:
        calendar = _registration_calendar(
            context, uid_domain=message_id_domain, now=now, cancelled=cancelled, organiser=org
        )
    values = {**context, "org": org, "recipient": to, "calendar_attached": calendar is not None}

    message = EmailMessage()
    # Collapsing whitespace keeps a title with a line break from breaking the header.
    message["Subject"] = " ".join(_subject(spec.subject).render(values).split())
    message["From"] = Address(display_name=org.name, addr_spec=sender)
    message["To"] = Address(addr_spec=to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message.set_content(_env.get_template(f"{kind}.txt").render(values))
    message.add_alternative(_env.get_template(f"{kind}.html").render(values), subtype="html")
    if calendar is not None:
        message.add_attachment(
            calendar,
            maintype="text",
            subtype="calendar",
            filename=f"registration-{context['registration_number']}.ics",
            params={"method": "CANCEL" if cancelled else "PUBLISH", "charset": "utf-8"},
        )
    return message


def _check_urls(values: Mapping[str, Any]) -> None:
    # Links go into href attributes: only absolute http(s) URLs, never javascript: or relative ones.
    for key, value in values.items():
        if key.endswith("_url"):
            parts = urlsplit(str(value))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{key} must be an absolute http(s) URL, got {value!r}")


def _registration_calendar(
    context: Mapping[str, Any], *, uid_domain: str, now: datetime, cancelled: bool, organiser: Organisation
) -> bytes | None:
    """An .ics for a live course when the context has its start and end; None for courses without times.

    A cancellation carries the confirmation's UID with a higher SEQUENCE, METHOD:CANCEL and STATUS:CANCELLED, so a
    calendar that took in the confirmation's event removes it (RFC 5546 wants an ORGANIZER on a CANCEL: the
    organisation, reachable at its support address)."""
    if context.get("starts_at") is None and context.get("ends_at") is None:
        return None
    starts, ends = _aware(context, "starts_at"), _aware(context, "ends_at")
    if ends <= starts:
        raise ValueError("ends_at must be after starts_at")

    event = Event()
    event.add("uid", f"{context['registration_number']}@{uid_domain}")
    event.add("dtstamp", now)
    event.add("dtstart", starts.astimezone(UTC))
    event.add("dtend", ends.astimezone(UTC))
    event.add("summary", str(context["activity_title"]))
    event.add("location", str(context["location"]))
    event.add("description", f"Registration {context['registration_number']}")
    if cancelled:
        event.add("sequence", 1)
        event.add("status", "CANCELLED")
        event.add("organizer", vCalAddress(f"mailto:{organiser.support_email}"), parameters={"CN": organiser.name})
    calendar = Calendar()
    calendar.add("prodid", "-//OpenCME//Registration//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def _aware(context: Mapping[str, Any], name: str) -> datetime:
    value = context.get(name)
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value
