"""Catalog rules, free of I/O, and the refusals they and the use cases raise (the kit's kinds: no HTTP status here;
the kit's problem handler gives each kind its status)."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from opencme_kit import errors

# The AMA's learning formats, as its designation statement names them: live courses, grand rounds (a regularly
# scheduled series) and live board review are live activities; text-based material and webcasts are enduring material.
LEARNING_FORMATS = {
    "live_course": "live activity",
    "grand_rounds": "live activity",
    "board_review": "live activity",
    "webcast": "enduring material",
    "text_based": "enduring material",
    "enduring": "enduring material",
    "journal_based": "journal-based CME activity",
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


class ReasonRequired(errors.Invalid):
    """Staff cancelling someone else's registration must say why."""

    def __init__(self) -> None:
        super().__init__("reason", "say why the registration is cancelled: the learner sees it")


class EventCodeRefused(errors.Invalid):
    """The code is a session's, but not valid now (see event_code_refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__("code", reason)


class UnknownEventCode(errors.NotFound):
    """No session has the code."""

    title = "Invalid request"  # as the code's other refusals: a form marks the field the same way

    def __init__(self) -> None:
        super().__init__("code", "no session has this code")


class EditRefused(errors.Conflict):
    """What is recorded now refuses an edit of an activity (see check_edit)."""

    title = "Edit refused"


class PublishedFieldsLocked(EditRefused):
    """The edit changes fields of a published activity that other services already use; `fields` names each one."""

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__(fields[0], LOCKED_ONCE_PUBLISHED, detail=f"{', '.join(fields)}: {LOCKED_ONCE_PUBLISHED}")
        self.fields = tuple(fields)


@dataclass(frozen=True)
class RegistrationRules:
    status: str
    capacity: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    ends_at: datetime | None
    available_until: datetime | None
    fees: dict[str, int]


@dataclass(frozen=True)
class CreditUnit:
    singular: str
    plural: str

    def of(self, amount: Decimal) -> str:
        """Singular for exactly one ("1 ... Credit™"), plural for any other amount ("0.25 ... Credits™")."""
        return self.singular if amount == 1 else self.plural


CREDIT_UNITS = {
    "AMA_PRA_1": CreditUnit("AMA PRA Category 1 Credit™", "AMA PRA Category 1 Credits™"),
    "ANCC": CreditUnit("ANCC contact hour", "ANCC contact hours"),
    "ACPE": CreditUnit("ACPE contact hour", "ACPE contact hours"),
    "AAPA": CreditUnit("AAPA Category 1 CME credit", "AAPA Category 1 CME credits"),
}

# Who each accreditor tells to claim only what their participation earns, in its own words.
COMMENSURATE = {
    "AMA_PRA_1": "Physicians should claim only the credit commensurate with the extent of their participation in "
    "the activity.",
    "ANCC": "Nurses should claim only the credit commensurate with the extent of their participation in the activity.",
    "ACPE": "Pharmacists should claim only the credit commensurate with the extent of their participation in the "
    "activity.",
}

MOC_PREFIX = "MOC_"

# The boards' own MOC statements (ACCME's CME-for-MOC collaboration); {amount} and {points} are filled in.
BOARD_MOC_STATEMENTS = {
    "ABIM": "Successful completion of this CME activity, which includes participation in the evaluation component, "
    "enables the participant to earn up to {amount} {points} in the American Board of Internal Medicine's (ABIM) "
    "Maintenance of Certification (MOC) program. It is the CME activity provider's responsibility to submit "
    "participant completion information to ACCME for the purpose of granting ABIM MOC credit.",
    "ABP": "Successful completion of this CME activity, which includes participation in the evaluation component, "
    "enables the learner to earn up to {amount} {points} in the American Board of Pediatrics' (ABP) Maintenance "
    "of Certification (MOC) program. It is the CME activity provider's responsibility to submit learner completion "
    "information to ACCME for the purpose of granting ABP MOC credit.",
}
MOC_POINTS = CreditUnit("MOC point", "MOC points")


def credit_unit(credit_type: str) -> CreditUnit:
    """How an amount of `credit_type` is named: "ABIM MOC point(s)", "ANCC contact hour(s)", "XYZ credit(s)"."""
    if credit_type.startswith(MOC_PREFIX):
        board = credit_type.removeprefix(MOC_PREFIX)
        return CreditUnit(f"{board} {MOC_POINTS.singular}", f"{board} {MOC_POINTS.plural}")
    words = credit_type.replace("_", " ")
    return CREDIT_UNITS.get(credit_type) or CreditUnit(f"{words} credit", f"{words} credits")


def stated_amount(amount: Decimal) -> str:
    """The amount as a provider states it: "1", "1.5", "14.25", never "1.00" nor "1E+1"."""
    return f"{amount.normalize():f}"


def designation_statement(provider: str, activity_format: str, credit_type: str, max_credits: Decimal) -> str:
    """The designation printed in the catalog and on certificates: the AMA's wording, with the learning format in
    the AMA's terms, for AMA PRA Category 1 Credit™ and the accreditors that follow it; a board's own wording for its
    MOC points where it has one."""
    amount = stated_amount(max_credits)
    kind = LEARNING_FORMATS.get(activity_format, "activity")
    if credit_type.startswith(MOC_PREFIX):
        board = credit_type.removeprefix(MOC_PREFIX)
        wording = BOARD_MOC_STATEMENTS.get(board)
        if wording is not None:
            return wording.format(amount=amount, points=MOC_POINTS.of(max_credits))
        return (
            "Successful completion of this CME activity enables the participant to earn up to "
            f"{amount} {credit_unit(credit_type).of(max_credits)}."
        )
    unit = credit_unit(credit_type).of(max_credits)
    if credit_type == "AAPA":  # the AAPA's own form of the sentence
        return (
            f"This {kind} is designated for {amount} {unit}. "
            "PAs should only claim credit commensurate with the extent of their participation."
        )
    designation = f"{provider} designates this {kind} for a maximum of {amount} {unit}."
    commensurate = COMMENSURATE.get(credit_type)
    return f"{designation} {commensurate}" if commensurate else designation


def fee_for(rules: RegistrationRules, category: str, *, taken_seats: int, now: datetime) -> int:
    """The fee in cents for registering in `category` now.

    Raises NotOpenForRegistration, CategoryNotOffered or RegistrationRefused, naming the field at fault.
    """
    if rules.status == "cancelled":
        raise RegistrationRefused("activity_id", "this activity was cancelled")
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


# What the public catalog lists (the SQL is repository.search_published, over the columns migration 005 derives):
# - An activity's period runs from its start (`starts_at`; undated material: its publication) to its end: the end of
#   its availability when it has one (`available_until`: enduring material, a recording on demand), else `ends_at`,
#   else `starts_at`. Undated material without an availability end never ends.
# - It is current and upcoming until its period ends, past after; the catalog lists one or the other, never both.
# - Current and upcoming, soonest first: dated activities by their start (those running now first), then undated
#   material, the one leaving the catalog soonest first, then the rest by title.
# - Past, most recent first: by the end of the period, latest first.
# - A date range keeps the activities whose period overlaps it: dated ones by their dates, undated material by its
#   availability.


# Editing an activity. Publishing sends its title, format, dates, availability, credit designations, claim window,
# boards and whether it needs an event code (activity.published) to credit, which claims, certifies and reports to the
# boards with them; the rest is the catalog's own, and a fee is copied into each registration when it is made, so a
# new fee applies to new registrations only.
# The location is not among them: registration confirmations, calendar entries and certificates carry it.
EDITABLE_ONCE_PUBLISHED = frozenset(
    {"description", "capacity", "registration_opens_at", "registration_closes_at", "fees"}
)
LOCKED_ONCE_PUBLISHED = (
    "cannot change once the activity is published: credit, certificates and board reports already use it"
)


def check_edit(
    *, published: bool, before: Mapping[str, object], after: Mapping[str, object], confirmed: int
) -> list[str]:
    """The fields that change when an activity becomes `after` from `before` (every field, as ActivityCreate holds
    it): a field given again with the value it has is no change. `confirmed`: its live registrations.

    Raises PublishedFieldsLocked naming every field a published activity may no longer change, or EditRefused when
    the capacity would fall below the registrations already confirmed.
    """
    changed = [field for field in after if after[field] != before[field]]
    if published and (locked := [field for field in changed if field not in EDITABLE_ONCE_PUBLISHED]):
        raise PublishedFieldsLocked(locked)
    capacity = after["capacity"]
    if "capacity" in changed and isinstance(capacity, int) and capacity < confirmed:
        raise EditRefused("capacity", f"must not be below the {confirmed} registrations already confirmed")
    return changed


# Taking an activity out of the catalog. A CME office unpublishes a mistake nobody has acted on yet, and cancels an
# activity people counted on: the first leaves no trace, the second tells every registrant why.
# - Unpublish: a published activity with no live registration and no attendance recorded goes back to a draft (to be
#   edited freely and published again); credit forgets it until then (activity.unpublished). A draft stays a draft.
# - Cancel: a published activity, with a reason, whatever is recorded. It leaves the catalog (a direct link shows it
#   cancelled with the reason), registering and entering its event codes are refused, its live registrations are
#   cancelled with it and every registrant is emailed (activity.cancelled). Credit stays claimable only for
#   attendance recorded (by a code or by staff), or for self-paced material completed before the cancellation.
# - A cancelled activity is final: it is never published again, edited, unpublished or cancelled twice; a cancel sent
#   again answers the activity as it is, announcing nothing. A draft cannot be cancelled: nobody saw it.


class StateRefused(errors.Conflict):
    """The activity's status, or what is recorded for it, does not allow the action; the reason says why."""

    title = "Not allowed in this state"


def unpublish_refusal(*, status: str, live_registrations: int, attendances: int) -> StateRefused | None:
    """Why a published activity may not go back to a draft, or None (for a draft too: unpublishing it is a no-op)."""
    if status == "cancelled":
        return StateRefused("status", "the activity was cancelled; a cancelled activity stays cancelled")
    if live_registrations:
        n = live_registrations
        return StateRefused(
            "status",
            f"{n} learner{'s are' if n != 1 else ' is'} registered; cancel the activity instead, so they are told",
        )
    if attendances:
        return StateRefused(
            "status", "attendance has been recorded for its sessions; cancel the activity instead, with a reason"
        )
    return None


def cancel_refusal(*, status: str) -> StateRefused | None:
    """Why the activity may not be cancelled, or None (for a cancelled one too: cancelling it again is a no-op)."""
    if status == "draft":
        return StateRefused("status", "a draft is not in the catalog, so nobody can be registered; edit it instead")
    return None


def edit_refusal(*, status: str) -> StateRefused | None:
    """Why the activity may not be edited (or given sessions) at all, or None."""
    if status == "cancelled":
        return StateRefused("status", "the activity was cancelled; a cancelled activity cannot change")
    return None


def days_as_instants(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """A range of calendar days, UTC, as instants: from the start of `first` to the end of `last` (exclusive)."""
    start = datetime.combine(first, time(), UTC) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), UTC) if last else None
    return start, end


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


def display_name(first: str | None, middle: str | None, last: str | None, suffix: str | None) -> str | None:
    """ "Jane Q. Doe Jr." as a roster lists a learner; None before any profile with a name arrived."""
    name = " ".join(part for part in (first, middle, last) if part)
    if name and suffix:
        name = f"{name} {suffix}"
    return name or None


# A spreadsheet runs a cell that starts with one of these as a formula: a name or an address a learner typed must stay
# text when the roster is opened (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell
