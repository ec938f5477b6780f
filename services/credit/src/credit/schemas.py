"""HTTP request and response models of the credit service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from opencme_kit.periods import Period
from opencme_kit.text import Comment, Reason

# Codes: an anchored pattern of the characters they may hold refuses every control character.
CreditType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,30}$")]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]


class Evaluation(BaseModel):
    """The activity evaluation completed with every claim."""

    model_config = ConfigDict(extra="forbid")

    overall_rating: int = Field(ge=1, le=5)
    objectives_met: bool
    free_of_commercial_bias: bool
    will_change_practice: bool | None = None
    comments: Comment = ""


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: uuid.UUID
    credits: dict[CreditType, Decimal] = Field(min_length=1, max_length=12, examples=[{"AMA_PRA_1": "1.75"}])
    evaluation: Evaluation
    moc_boards: list[BoardCode] = Field(default_factory=list, max_length=10)
    share_permission: bool = False
    completed_on: date | None = Field(
        default=None,
        description="enduring and online material: the day you completed it, within its availability and not in the "
        "future (default: today); a live activity completes on the day attended or its last day, which this may "
        "repeat but not change",
    )


class ClaimedCredit(BaseModel):
    credit_type: str
    amount: Decimal
    statement: str


class Claim(BaseModel):
    id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    activity_format: str
    completed_on: date
    claimed_at: datetime
    credits: list[ClaimedCredit]
    moc_boards: list[str]


class Transcript(BaseModel):
    date_from: date | None
    date_to: date | None
    claims: list[Claim]
    totals: dict[str, Decimal]


class CreditDesignation(BaseModel):
    credit_type: str
    max_credits: Decimal = Field(description="claim up to this, in steps of 0.25")
    statement: str = Field(description="the designation statement, as the certificate prints it")


class Claimable(BaseModel):
    """An activity the learner can claim credit for now, with what the claim form needs."""

    activity_id: uuid.UUID
    title: str
    format: str
    completed_on: date = Field(
        description="the completion date the claim records: a live activity's (the day attended, or its last day); "
        "for enduring and online material the latest day the learner may give (today, or the last day it was "
        "available)"
    )
    completed_on_editable: bool = Field(
        description="true for enduring and online material: the claim may give completed_on, from "
        "completed_on_earliest to completed_on"
    )
    completed_on_earliest: date | None = Field(
        description="the earliest completed_on a claim made today accepts (null: no earliest); for a live activity "
        "the same as completed_on"
    )
    window_closes: date = Field(description="the last day to claim, for a completion on completed_on")
    window_extended: bool = Field(description="true when window_closes is a support extension for this learner")
    designations: dict[str, Decimal] = Field(description="the maximum per credit type")
    credit_designations: list[CreditDesignation]
    moc_boards: list[str] = Field(description="the boards the activity reports MOC to, if the learner opts in")
    evaluation_required: bool = Field(description="always true: every claim includes the activity's evaluation")


class ExtensionRequest(BaseModel):
    """A support extension of one learner's claim window for one activity."""

    model_config = ConfigDict(extra="forbid")

    until: date = Field(description="last day the learner may claim; later than the normal window close")
    reason: Reason = Field(examples=["hospitalised during the claim window"])


class Extension(BaseModel):
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    until: date
    reason: str
    granted_by: uuid.UUID
    granted_at: datetime


class ExtensionChange(BaseModel):
    """One grant or withdrawal of a claim-window extension, as support made it."""

    learner_id: uuid.UUID = Field(description="the account it was made under (a merged account's, before the merge)")
    activity_id: uuid.UUID
    activity_title: str
    action: Literal["granted", "withdrawn"]
    until: date = Field(description="the last day the extension gave (for a withdrawal: the one withdrawn)")
    reason: str = Field(description="the grant's reason (a withdrawal repeats the reason it was granted for)")
    acted_by: uuid.UUID
    acted_at: datetime


class CorrectionRequest(BaseModel):
    """Support's correction of a claim: the corrected credits (and MOC boards), with a reason."""

    model_config = ConfigDict(extra="forbid")

    credits: dict[CreditType, Decimal] = Field(min_length=1, max_length=12, examples=[{"AMA_PRA_1": "2.5"}])
    moc_boards: list[BoardCode] | None = Field(
        default=None, max_length=10, description="omit to keep the claim's boards"
    )
    reason: Reason = Field(examples=["learner attended the morning only"])


class SupportClaim(Claim):
    """A claim as support sees it: revoked ones too, linked to the claim it corrects and the one that replaced it."""

    learner_id: uuid.UUID
    share_permission: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    corrects_claim_id: uuid.UUID | None
    corrected_by_claim_id: uuid.UUID | None
    corrected_by: uuid.UUID | None = Field(description="the support user who made this claim as a correction")


class CreditsRow(BaseModel):
    period: date = Field(description="the bucket's first UTC day")
    credit_type: str
    claims: int = Field(description="standing claims made in the bucket with credit of this type")
    credits: Decimal = Field(description="the credit of this type they claimed")


class CreditsReport(BaseModel):
    """Standing (not revoked) claims by when they were made; buckets and types with none are left out."""

    bucket: str
    rows: list[CreditsRow]


class EvaluationsQuery(Period):
    activity_id: uuid.UUID = Field(description="the activity whose evaluations to count")


class RatingCount(BaseModel):
    rating: int = Field(ge=1, le=5)
    answers: int


class YesNoCount(BaseModel):
    question: Literal["objectives_met", "free_of_commercial_bias", "will_change_practice"]
    yes: int
    no: int
    unanswered: int


class EvaluationComment(BaseModel):
    day: date = Field(description="the UTC day it was given (never who gave it: evaluations are confidential)")
    comment: str


class EvaluationsReport(BaseModel):
    """The evaluations of an activity's standing claims made in the period."""

    activity_id: uuid.UUID
    responses: int
    ratings: list[RatingCount] = Field(description="how many gave each overall rating, 1 to 5")
    questions: list[YesNoCount] = Field(
        description="the yes/no questions: objectives met, free of commercial bias, will change practice (optional)"
    )
    comments: list[EvaluationComment] = Field(description="newest first")
