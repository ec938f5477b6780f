"""Event payloads, one class per (event type, version). Within a version only add optional fields."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from opencme_contracts.envelope import EventPayload, register

__all__ = [
    "AccountMerged",
    "ActivityCancelled",
    "ActivityPublished",
    "ActivitySummary",
    "ActivityUnpublished",
    "AttendanceRecorded",
    "BoardReportStatusChanged",
    "BoardUpdated",
    "CancelledRegistration",
    "CertificateIssued",
    "ClaimedCredit",
    "CreditClaimed",
    "CreditDesignation",
    "CreditRevoked",
    "EmailVerificationRequested",
    "EmailVerified",
    "LearnerProfile",
    "OrganisationUpdated",
    "PasswordResetRequested",
    "ProfileUpdated",
    "RegistrationCancelled",
    "RegistrationConfirmed",
    "UserRegistered",
]

ActivityFormat = Literal[
    "live_course", "grand_rounds", "text_based", "journal_based", "webcast", "board_review", "enduring"
]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# --- identity -------------------------------------------------------------------------------------


class LearnerProfile(_Part):
    """The learner's whole current profile, as identity publishes it."""

    first_name: str
    middle_name: str | None = None
    last_name: str
    suffix: str | None = None
    degree: str | None = None
    profession: str | None = None
    specialty: str | None = None
    npi: str | None = None
    board_ids: dict[str, str] = Field(default_factory=dict, description="certifying board code -> diplomate id")
    birth_month: int | None = Field(default=None, ge=1, le=12)
    birth_day: int | None = Field(default=None, ge=1, le=31)
    primary_email: str
    verified_emails: tuple[str, ...] = ()


@register
class UserRegistered(EventPayload):
    event_type = "user.registered"

    user_id: uuid.UUID
    profile: LearnerProfile
    profile_version: int = Field(ge=1)
    registered_at: AwareDatetime
    verify_email_url: str | None = None


@register
class ProfileUpdated(EventPayload):
    event_type = "profile.updated"

    user_id: uuid.UUID
    profile: LearnerProfile
    version: int = Field(ge=1, description="grows with every change; a consumer keeps the highest it has seen")
    effective_at: AwareDatetime


@register
class EmailVerificationRequested(EventPayload):
    """A link that proves `email` belongs to the learner: for an address they added, or a new link for any unverified
    address of theirs. The sign-up address's first link travels in user.registered."""

    event_type = "email.verification_requested"

    user_id: uuid.UUID
    email: str
    verify_url: str
    expires_at: AwareDatetime
    requested_at: AwareDatetime


@register
class EmailVerified(EventPayload):
    event_type = "email.verified"

    user_id: uuid.UUID
    email: str
    verified_at: AwareDatetime


@register
class AccountMerged(EventPayload):
    event_type = "account.merged"

    surviving_user_id: uuid.UUID
    merged_user_id: uuid.UUID
    merged_at: AwareDatetime
    reason: str


@register
class PasswordResetRequested(EventPayload):
    """Someone asked for a reset of `email`; `reset_url` is absent when no account has that address."""

    event_type = "password_reset.requested"

    email: str
    user_id: uuid.UUID | None = None
    reset_url: str | None = None
    expires_at: AwareDatetime | None = None
    requested_at: AwareDatetime


@register
class OrganisationUpdated(EventPayload):
    """An admin changed the organisation's settings: the whole current set, as shown in the portal and in emails."""

    event_type = "organisation.updated"

    name: str
    address: str = Field(description="postal address, lines separated by a line break")
    phone: str
    support_email: str
    brand_colour: str = Field(
        pattern=r"^#[0-9a-fA-F]{6}$", description="the brand colour as #rrggbb", examples=["#1f5f8b"]
    )
    updated_at: AwareDatetime
    revision: int = Field(ge=1, description="grows with every change; a consumer keeps the highest it has seen")


# --- catalog --------------------------------------------------------------------------------------


class CreditDesignation(_Part):
    credit_type: str = Field(description="e.g. AMA_PRA_1, ANCC, ACPE, AAPA, MOC_ABIM")
    max_credits: Decimal = Field(gt=0, decimal_places=2)
    statement: str


class ActivitySummary(_Part):
    activity_id: uuid.UUID
    title: str
    format: ActivityFormat
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: str | None = None


@register
class ActivityPublished(EventPayload):
    event_type = "activity.published"

    activity: ActivitySummary
    provider_name: str
    credit_designations: tuple[CreditDesignation, ...]
    claim_window_days: int = Field(ge=1)
    available_until: AwareDatetime | None = None
    moc_boards: tuple[str, ...] = ()
    requires_event_code: bool = False
    published_at: AwareDatetime


@register
class ActivityUnpublished(EventPayload):
    """Staff took a published activity that nobody had registered for or attended back to a draft: it left the
    catalog and is no longer claimable until it is published again (a new activity.published)."""

    event_type = "activity.unpublished"

    activity_id: uuid.UUID
    unpublished_at: AwareDatetime
    reason: str | None = Field(default=None, description="why, as staff gave it")


class CancelledRegistration(_Part):
    """A registration the activity's cancellation cancelled, with what the registrant's email needs."""

    registration_id: uuid.UUID
    registration_number: str
    learner_id: uuid.UUID
    email: str = Field(description="the address the registration was confirmed to")


@register
class ActivityCancelled(EventPayload):
    """Staff cancelled a published activity, giving a reason: it left the catalog, and every registration still live
    was cancelled with it (listed here; no registration.cancelled is published for them). Credit can be claimed only
    for participation recorded before (see the catalog's README).

    An annual meeting's registrations do not fit one Kafka message (1 MB by default): the cancellation is announced
    in `parts` events, committed together and in order on the activity's key, each with the activity, the reason and
    the time, and its share of the registrations (each registration in exactly one part, at most 1,000 in one)."""

    event_type = "activity.cancelled"
    REGISTRATIONS_PER_EVENT: ClassVar[int] = 1000  # ~200 bytes each, ~400 with the longest address: ~0.4 MB at most

    activity: ActivitySummary
    reason: str
    registrations: tuple[CancelledRegistration, ...] = ()
    cancelled_at: AwareDatetime
    part: int = Field(default=1, ge=1, description="which of the cancellation's events this is, from 1")
    parts: int = Field(default=1, ge=1, description="how many events announce the cancellation")


@register
class RegistrationConfirmed(EventPayload):
    event_type = "registration.confirmed"

    registration_id: uuid.UUID
    registration_number: str
    learner_id: uuid.UUID
    email: str
    activity: ActivitySummary
    attendee_category: str
    fee_cents: int = Field(ge=0)
    currency: str = "USD"
    payment_status: Literal["not_required", "pending", "paid"]
    confirmed_at: AwareDatetime


@register
class RegistrationCancelled(EventPayload):
    event_type = "registration.cancelled"

    registration_id: uuid.UUID
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    cancelled_at: AwareDatetime


@register
class AttendanceRecorded(EventPayload):
    event_type = "attendance.recorded"

    learner_id: uuid.UUID
    activity_id: uuid.UUID
    session_id: uuid.UUID | None = None
    method: Literal["event_code", "staff", "online_completion"]
    attended_on: date
    recorded_at: AwareDatetime


# --- credit ---------------------------------------------------------------------------------------


class ClaimedCredit(_Part):
    credit_type: str
    amount: Decimal = Field(gt=0, decimal_places=2)
    statement: str


@register
class CreditClaimed(EventPayload):
    event_type = "credit.claimed"

    claim_id: uuid.UUID
    learner_id: uuid.UUID
    activity: ActivitySummary
    provider_name: str
    credits: tuple[ClaimedCredit, ...]
    completed_on: date
    claimed_at: AwareDatetime
    moc_boards: tuple[str, ...] = Field(default=(), description="boards the learner allowed us to report to")
    share_permission: bool = False


@register
class CreditRevoked(EventPayload):
    event_type = "credit.revoked"

    claim_id: uuid.UUID
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    revoked_at: AwareDatetime
    reason: str


# --- certificates ---------------------------------------------------------------------------------


@register
class CertificateIssued(EventPayload):
    event_type = "certificate.issued"

    certificate_id: uuid.UUID
    certificate_number: str
    verification_code: str
    claim_id: uuid.UUID
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    issued_at: AwareDatetime


# --- board reporting ------------------------------------------------------------------------------

BoardReportStatus = Literal["held", "queued", "submitted", "accepted", "rejected", "self_report", "failed"]


@register
class BoardReportStatusChanged(EventPayload):
    event_type = "board_report.status_changed"

    report_id: uuid.UUID
    learner_id: uuid.UUID
    claim_id: uuid.UUID
    board_code: str
    status: BoardReportStatus
    reason: str | None = None
    attempts: int = Field(ge=0)
    due_by: date | None = None
    changed_at: AwareDatetime


@register
class BoardUpdated(EventPayload):
    """An admin added a certifying board to the registry or changed one: the board as it is now. Services that name
    boards or tell learners how to self-report keep the newest (by `updated_at`)."""

    event_type = "board.updated"

    code: str = Field(description="as credit types spell it after MOC_, e.g. ABPMR")
    name: str
    mode: Literal["report", "self_report"]
    deadline_days: int | None = Field(default=None, ge=1, description="report mode: within how many days of a claim")
    self_report_instructions: str | None = Field(default=None, description="self_report mode: what the learner does")
    updated_at: AwareDatetime
