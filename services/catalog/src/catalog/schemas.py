"""HTTP request and response models of the catalog."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from catalog.domain import normalise_email
from opencme_contracts.events import ActivityFormat

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
CategoryName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]


class Designation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_type: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,30}$")] = Field(
        examples=["AMA_PRA_1", "ANCC", "MOC_ABIM"]
    )
    # pydantic types multiple_of as a float; it checks a Decimal against a Decimal exactly.
    max_credits: Decimal = Field(gt=0, le=100, multiple_of=Decimal("0.25"))  # type: ignore[call-overload]


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text
    format: ActivityFormat
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: Annotated[str, StringConstraints(max_length=300)] | None = None
    available_until: AwareDatetime | None = Field(default=None, description="enduring material leaves the catalog then")
    capacity: int | None = Field(default=None, gt=0, le=100000)
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    fees: dict[CategoryName, int] = Field(default_factory=dict, description="fee in cents per attendee category")
    credit_designations: list[Designation] = Field(min_length=1, max_length=12)
    claim_window_days: int = Field(default=30, ge=1, le=3650)
    moc_boards: list[Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]] = Field(
        default_factory=list, max_length=20
    )
    requires_event_code: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> ActivityCreate:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValueError("ends_at must not be before starts_at")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at < self.registration_opens_at
        ):
            raise ValueError("registration_closes_at must not be before registration_opens_at")
        if any(fee < 0 for fee in self.fees.values()):
            raise ValueError("fees must not be negative")
        if len({d.credit_type for d in self.credit_designations}) != len(self.credit_designations):
            raise ValueError("each credit type may be designated once")
        return self


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
    status: Literal["draft", "published"]


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


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    code_valid_days: int = Field(default=30, ge=1, le=365, description="the code works from the start for this long")

    @model_validator(mode="after")
    def _ordered(self) -> SessionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
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


class EventCodeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=4, max_length=20)]


class Attendance(BaseModel):
    activity_id: uuid.UUID
    session_id: uuid.UUID
    session_title: str
    recorded_at: datetime


def _email(raw: str) -> str:
    """Normalised as identity stores addresses, then checked to be an address at all (no DNS lookups)."""
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
    method: str
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
