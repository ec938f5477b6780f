"""Catalog rules, free of I/O, and the refusals they and the use cases raise (the kit's kinds: no HTTP status here;
the kit's problem handler gives each kind its status)."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from opencme_kit import errors

CREDIT_LABELS = {
    "AMA_PRA_1": "AMA PRA Category 1 Credits™",
    "ANCC": "ANCC contact hours",
    "ACPE": "ACPE contact hours",
    "AAPA": "AAPA Category 1 CME credits",
}

FORMAT_WORDS = {
    "live_course": "live activity",
    "grand_rounds": "live activity",
    "board_review": "live activity",
    "webcast": "enduring material",
    "text_based": "enduring material",
    "journal_based": "journal-based CME activity",
    "enduring": "enduring material",
}

# No 0/O or 1/I/L: codes are read off a slide and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class RegistrationRefused(errors.Conflict):
    """What is recorded now refuses the registration: not open yet, closed, or full."""

    title = "Registration refused"


class NotOpenForRegistration(errors.NotFound):
    """The activity is not published: to a learner it does not exist."""

    title = "Registration refused"


class CategoryNotOffered(errors.Invalid):
    """The activity has no fee for the attendee category asked for."""

    title = "Registration refused"


# A refusal's str() is the problem's `detail`: the three below keep the sentences clients were shown before.


class AlreadyRegistered(errors.Conflict):
    """The learner (or an account merged into them) holds a live registration for the activity."""

    title = "Already registered"

    def __init__(self) -> None:
        super().__init__("activity_id", "already registered")

    def __str__(self) -> str:
        return "you are already registered for this activity"


class AlreadyCancelled(errors.Conflict):
    """The registration was cancelled before; its detail names it by number, which the learner knows it by."""

    title = "Already cancelled"

    def __init__(self, number: str) -> None:
        super().__init__("registration_id", f"{number} is already cancelled")
        self.number = number

    def __str__(self) -> str:
        return f"registration {self.number} is already cancelled"


class CancellationRefused(errors.Conflict):
    """The learner may no longer cancel the registration themself (see learner_cancellation_refusal)."""

    title = "Cancellation refused"

    def __init__(self, number: str, reason: str) -> None:
        super().__init__("registration_id", reason)
        self.number = number

    def __str__(self) -> str:
        return f"registration {self.number}: {self.reason}"


class EventCodeRefused(errors.Invalid):
    """The code is a session's, but not valid now (see event_code_refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__("code", reason)


class UnknownEventCode(errors.NotFound):
    """No session has the code."""

    title = "Invalid request"  # as the code's other refusals: a form marks the field the same way

    def __init__(self) -> None:
        super().__init__("code", "no session has this code")


@dataclass(frozen=True)
class RegistrationRules:
    status: str
    capacity: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    ends_at: datetime | None
    available_until: datetime | None
    fees: dict[str, int]


def credit_label(credit_type: str) -> str:
    if credit_type.startswith("MOC_"):
        return f"{credit_type.removeprefix('MOC_')} MOC points"
    return CREDIT_LABELS.get(credit_type, credit_type.replace("_", " "))


def designation_statement(provider: str, activity_format: str, credit_type: str, max_credits: Decimal) -> str:
    """The accreditation wording printed on certificates, e.g. AMA's required designation statement."""
    kind = FORMAT_WORDS.get(activity_format, "activity")
    amount = f"{max_credits.normalize():f}"
    if credit_type == "AMA_PRA_1":
        return (
            f"{provider} designates this {kind} for a maximum of {amount} {credit_label(credit_type)}. "
            "Physicians should claim only the credit commensurate with the extent of their participation "
            "in the activity."
        )
    return f"{provider} designates this {kind} for a maximum of {amount} {credit_label(credit_type)}."


def fee_for(rules: RegistrationRules, category: str, *, taken_seats: int, now: datetime) -> int:
    """The fee in cents for registering in `category` now.

    Raises NotOpenForRegistration, CategoryNotOffered or RegistrationRefused, naming the field at fault.
    """
    if rules.status != "published":
        raise NotOpenForRegistration("activity_id", "this activity is not open for registration")
    if rules.opens_at and now < rules.opens_at:
        raise RegistrationRefused("activity_id", f"registration opens {rules.opens_at.isoformat()}")
    closes = rules.closes_at or rules.ends_at or rules.available_until
    if closes and now > closes:
        raise RegistrationRefused("activity_id", f"registration closed {closes.isoformat()}")
    if rules.fees and category not in rules.fees:
        offered = ", ".join(sorted(rules.fees))
        raise CategoryNotOffered("attendee_category", f"not offered for this activity; choose one of: {offered}")
    if rules.capacity is not None and taken_seats >= rules.capacity:
        raise RegistrationRefused("activity_id", "the activity is full")
    return rules.fees.get(category, 0)


def listed(status: str, available_until: datetime | None, now: datetime) -> bool:
    """Published activities stay in the catalog until their availability period ends."""
    return status == "published" and (available_until is None or now <= available_until)


def new_event_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def event_code_refusal(*, valid_from: datetime, valid_until: datetime, now: datetime) -> str | None:
    if now < valid_from:
        return f"this code becomes valid {valid_from.isoformat()}"
    if now > valid_until:
        return f"this code expired {valid_until.isoformat()}"
    return None


def learner_cancellation_refusal(*, starts_at: datetime | None, attended: bool, now: datetime) -> str | None:
    """Why the learner may no longer cancel themself, or None. Staff may cancel at any time."""
    if starts_at is not None and now >= starts_at:
        return f"the activity started {starts_at.isoformat()}; please contact the organiser to cancel"
    if attended:
        return "your attendance has already been recorded; please contact the organiser to cancel"
    return None


def normalise_email(raw: str) -> str:
    """One spelling per address, as identity stores it: Unicode NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", raw).strip().lower()
