"""HTTP request and response models of the catalog."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonDict

from catalog.domain import normalise_email
from opencme_contracts.events import ActivityFormat
from opencme_kit.text import BIDI_CONTROLS, Description, Line, Reason, Title
from opencme_kit.validation import FieldInvalid

# Identifiers: an anchored pattern of the characters they may hold refuses every control character.
CategoryName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]
CreditType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,30}$")]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]

ActivityStatus = Literal["draft", "published", "cancelled"]

# Far enough apart for any real activity; kept inside the calendar so that adding a claim window or a code's
# validity to a date can never overflow (here, or in the services that receive it).
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _plausible(value: Any) -> Any:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_plausible)]
Day = Annotated[date, AfterValidator(_plausible)]


def _blank_is_none(value: Any) -> Any:
    """An empty form field (or one of spaces) is an absent value, not an error."""
    return None if isinstance(value, str) and not value.strip(" ") else value


class Designation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_type: CreditType = Field(examples=["AMA_PRA_1", "ANCC", "MOC_ABIM"])
    # pydantic types multiple_of as a float; it checks a Decimal against a Decimal exactly.
    max_credits: Decimal = Field(gt=0, le=100, multiple_of=Decimal("0.25"))  # type: ignore[call-overload]


# An activity's fields as a client sends them, shared by creating one (ActivityCreate) and editing it (ActivityUpdate).
Location = Annotated[Title | None, BeforeValidator(_blank_is_none)]
Capacity = Annotated[int, Field(gt=0, le=100000)]
Fees = Annotated[
    dict[CategoryName, Annotated[int, Field(ge=0, le=100_000_000)]],
    Field(max_length=20, description="fee in cents per attendee category"),
]
Designations = Annotated[list[Designation], Field(min_length=1, max_length=12)]
ClaimWindowDays = Annotated[int, Field(ge=1, le=3650)]
MocBoards = Annotated[list[BoardCode], Field(max_length=20)]


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    format: ActivityFormat
    description: Description = ""
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    location: Location = None
    available_until: Instant | None = Field(default=None, description="enduring material leaves the catalog then")
    capacity: Capacity | None = None
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    fees: Fees = Field(default_factory=dict)
    credit_designations: Designations
    claim_window_days: ClaimWindowDays = 30
    moc_boards: MocBoards = Field(default_factory=list)
    requires_event_code: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> ActivityCreate:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise FieldInvalid("ends_at", "must not be before starts_at")
        if self.starts_at and self.available_until and self.available_until < self.starts_at:
            raise FieldInvalid("available_until", "must not be before starts_at")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes < opens:
            raise FieldInvalid("registration_closes_at", "must not be before registration_opens_at")
        if (end := self.ends_at or self.available_until) is not None:
            which = "ends_at" if self.ends_at else "available_until"
            if opens and opens > end:
                raise FieldInvalid("registration_opens_at", f"must not be after the activity ends ({which})")
            if closes and closes > end:
                raise FieldInvalid("registration_closes_at", f"must not be after the activity ends ({which})")
        designated: set[str] = set()
        for i, designation in enumerate(self.credit_designations):
            if designation.credit_type in designated:
                raise FieldInvalid(f"credit_designations.{i}.credit_type", "each credit type may be designated once")
            designated.add(designation.credit_type)
        for i, board in enumerate(self.moc_boards):
            if board in self.moc_boards[:i]:
                raise FieldInvalid(f"moc_boards.{i}", "each board may be listed once")
        return self


# What an edit may leave out but not clear: ActivityCreate has a value for each of them.
_NEVER_NULL = frozenset(
    {
        "title",
        "format",
        "description",
        "fees",
        "credit_designations",
        "claim_window_days",
        "moc_boards",
        "requires_event_code",
    }
)


def _not_nullable(schema: JsonDict) -> None:
    """The OpenAPI document shows a field an edit may leave out, but not clear, with its value's own type."""
    variants = schema.pop("anyOf")
    assert isinstance(variants, list), "typed `X | None`"
    schema.update(next(v for v in variants if isinstance(v, dict) and v.get("type") != "null"))


class ActivityUpdate(BaseModel):
    """An edit: a field left out stays as it is; null clears one that may be empty (dates, location, capacity, the
    registration window). The result must hold as a new activity must. Once published, only the description,
    location, capacity, fees and registration window may change."""

    model_config = ConfigDict(extra="forbid")

    # `X | None` keeps a refusal's place plain (`fees.guest`); _not_null refuses null where ActivityCreate would.
    title: Title | None = Field(default=None, json_schema_extra=_not_nullable)
    format: ActivityFormat | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = Field(default=None, json_schema_extra=_not_nullable)
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    location: Location = None
    available_until: Instant | None = Field(default=None, description="enduring material leaves the catalog then")
    capacity: Capacity | None = None
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    fees: Fees | None = Field(default=None, json_schema_extra=_not_nullable)
    credit_designations: Designations | None = Field(default=None, json_schema_extra=_not_nullable)
    claim_window_days: ClaimWindowDays | None = Field(default=None, json_schema_extra=_not_nullable)
    moc_boards: MocBoards | None = Field(default=None, json_schema_extra=_not_nullable)
    requires_event_code: bool | None = Field(default=None, json_schema_extra=_not_nullable)

    @model_validator(mode="after")
    def _not_null(self) -> ActivityUpdate:
        cleared = tuple(
            name
            for name in type(self).model_fields  # in the form's order
            if name in _NEVER_NULL and name in self.model_fields_set and getattr(self, name) is None
        )
        if cleared:
            raise FieldInvalid(cleared, "must not be null; leave it out to keep it as it is")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the edit sets, with their new values."""
        return self.model_dump(exclude_unset=True)


class CatalogQuery(BaseModel):
    """The public catalog's search: every filter given must hold; the total matching is in X-Total-Count."""

    q: Annotated[Line | None, BeforeValidator(_blank_is_none)] = Field(
        default=None,
        description='words matched in the title, description and location (web search syntax: "a phrase", or, -word)',
    )
    format: list[ActivityFormat] = Field(default_factory=list, max_length=7, description="any of these formats")
    credit_type: list[CreditType] = Field(
        default_factory=list, max_length=20, description="activities designating any of these credit types"
    )
    from_: Day | None = Field(
        default=None, alias="from", description="a UTC day: activities whose dates (undated: availability) reach it"
    )
    to: Day | None = Field(
        default=None, description="a UTC day: activities whose dates (undated: availability) start by its end"
    )
    past: bool = Field(default=False, description="past activities only, most recent first")
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)

    @model_validator(mode="after")
    def _range(self) -> CatalogQuery:
        if self.from_ and self.to and self.to < self.from_:
            raise FieldInvalid("to", "must not be before from")
        return self


class OfficeActivitiesQuery(BaseModel):
    """The coordinator's list: every activity, drafts included, most recently created first; the total matching is in
    X-Total-Count."""

    status: ActivityStatus | None = Field(default=None, description="one status only; every one when absent")
    q: Annotated[Line | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, description="part of the title, in any case"
    )
    limit: int = Field(default=50, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class DesignationOut(BaseModel):
    credit_type: str
    max_credits: Decimal
    statement: str


class Activity(BaseModel):
    id: uuid.UUID
    title: str
    format: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    location: str | None
    available_until: datetime | None
    capacity: int | None
    seats_left: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    fees: dict[str, int]
    credit_designations: list[DesignationOut]
    claim_window_days: int
    moc_boards: list[str]
    requires_event_code: bool
    status: ActivityStatus
    cancelled_at: datetime | None = Field(default=None, description="when staff cancelled it (status cancelled)")
    cancellation_reason: str | None = Field(default=None, description="why, as staff gave it (status cancelled)")
    unpublished_at: datetime | None = Field(default=None, description="when staff last took it back to a draft")
    unpublish_reason: str | None = Field(default=None, description="why, as staff gave it")


class ActivityUnpublishing(BaseModel):
    """Why a published activity goes back to a draft (kept with the draft)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(examples=["Published by mistake: the faculty disclosures are not in yet."])


class ActivityCancellation(BaseModel):
    """Why the activity is cancelled: every registrant's email and their list of registrations say it."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(examples=["The course director is ill; we will announce a new date."])


class RegistrationCancellationRequest(BaseModel):
    """Staff cancelling someone's registration say why (kept with it, shown to the learner); a learner need not."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, examples=["Asked by phone: cannot attend (ticket 4711)"])


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendee_category: CategoryName = "physician"


class Registration(BaseModel):
    id: uuid.UUID
    number: str
    activity_id: uuid.UUID
    activity_title: str
    attendee_category: str
    fee_cents: int
    payment_status: str
    status: str
    created_at: datetime
    cancelled_at: datetime | None = None
    activity_status: ActivityStatus = "published"
    cancellation_reason: str | None = Field(
        default=None, description="why, when the registration was cancelled because its activity was cancelled"
    )


class RosterEntry(BaseModel):
    """One registration as the coordinator's roster lists it."""

    registration_id: uuid.UUID
    number: str
    learner_id: uuid.UUID
    name: str | None = Field(description="from the learner's newest profile; null until one has reached the catalog")
    degree: str | None
    email: str = Field(description="the address the learner registered with")
    attendee_category: str
    fee_cents: int
    payment_status: str
    status: str
    registered_at: datetime
    cancelled_at: datetime | None


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    starts_at: Instant
    ends_at: Instant
    code_valid_days: int = Field(default=30, ge=1, le=365, description="the code works from the start for this long")

    @model_validator(mode="after")
    def _ordered(self) -> SessionCreate:
        if self.ends_at <= self.starts_at:
            raise FieldInvalid("ends_at", "must be after starts_at")
        return self


class Session(BaseModel):
    id: uuid.UUID
    activity_id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    event_code: str
    code_valid_from: datetime
    code_valid_until: datetime


class StaffSession(BaseModel):
    """A session as staff see it: with its event code, read back at any time; learners never see codes."""

    id: uuid.UUID
    activity_id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    event_code: str | None = Field(description="null only for a session made without a code")
    code_valid_from: datetime | None
    code_valid_until: datetime | None
    uses: int = Field(description="how many times the code was entered, accepted or refused (too early, expired)")
    accepted_uses: int = Field(description="how many of those entries were accepted")


def _typed_code(value: Any) -> Any:
    """As a learner types a code read off a slide: surrounding spaces and lower case do not matter."""
    return value.strip(" ").upper() if isinstance(value, str) else value


class EventCodeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,20}$"), BeforeValidator(_typed_code)] = Field(
        description="4 to 20 letters and digits, any case", examples=["K7MQ2XPR"]
    )


class Attendance(BaseModel):
    activity_id: uuid.UUID
    session_id: uuid.UUID
    session_title: str
    recorded_at: datetime


def _email(raw: str) -> str:
    """Normalised as identity stores addresses, then checked to be an address at all (no DNS lookups)."""
    bad = next((c for c in raw if unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS), None)
    if bad is not None:
        raise ValueError(f"not a valid email address: it holds a control character (U+{ord(bad):04X})")
    normalised = normalise_email(raw)
    try:
        validate_email(normalised, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
    return normalised


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]


class AttendanceByEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: list[Email] = Field(
        min_length=1, max_length=500, description="attendees' addresses, e.g. from a sign-in sheet or a webinar report"
    )


class EmailAttendanceResult(BaseModel):
    email: str = Field(description="the address as normalised (lower case, trimmed, NFKC)")
    status: Literal["recorded", "already_recorded", "pending"]


class EmailAttendanceResults(BaseModel):
    session_id: uuid.UUID
    results: list[EmailAttendanceResult]


class RecordedAttendance(BaseModel):
    learner_id: uuid.UUID
    name: str | None = Field(description="from the learner's newest profile; null until one has reached the catalog")
    degree: str | None
    email: str | None = Field(description="the learner's newest verified address; null until one is known")
    method: str = Field(description="event_code (entered by the learner) or staff (recorded by the CME office)")
    recorded_at: datetime


class FiledAttendance(BaseModel):
    email: str
    recorded_by: uuid.UUID
    recorded_at: datetime
    attached_to: uuid.UUID | None = Field(description="the learner it was recorded for once the address was verified")
    attached_at: datetime | None


class SessionAttendance(BaseModel):
    session_id: uuid.UUID
    recorded: list[RecordedAttendance]
    pending: list[FiledAttendance] = Field(description="addresses no learner has verified yet")
    attached: list[FiledAttendance] = Field(description="addresses filed pending, recorded once verified")


class RegistrationsRow(BaseModel):
    period: date = Field(description="the bucket's first UTC day")
    category: str = Field(description="the attendee category")
    confirmed: int = Field(description="registrations made in the bucket and still confirmed")
    cancelled: int = Field(description="registrations made in the bucket and cancelled since")
    fees_cents: int = Field(description="the fees of the confirmed ones, in cents")


class RegistrationsReport(BaseModel):
    """Registrations by when they were made; buckets and categories with none are left out."""

    bucket: str
    rows: list[RegistrationsRow]


class AttendanceRow(BaseModel):
    period: date = Field(description="the bucket's first UTC day")
    activity_id: uuid.UUID
    activity_title: str
    session_id: uuid.UUID
    session_title: str
    session_starts_at: datetime
    attended: int = Field(description="attendance recorded at the session in the bucket")


class AttendanceReport(BaseModel):
    """Attendance by when it was recorded, per session; buckets and sessions with none are left out."""

    bucket: str
    rows: list[AttendanceRow]
