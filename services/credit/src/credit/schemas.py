"""HTTP request and response models of the credit service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CreditType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,30}$")]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]


class Evaluation(BaseModel):
    """The activity evaluation completed with every claim."""

    model_config = ConfigDict(extra="forbid")

    overall_rating: int = Field(ge=1, le=5)
    objectives_met: bool
    free_of_commercial_bias: bool
    will_change_practice: bool | None = None
    comments: Annotated[str, StringConstraints(max_length=4000)] = ""


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: uuid.UUID
    credits: dict[CreditType, Decimal] = Field(min_length=1, max_length=12, examples=[{"AMA_PRA_1": "1.75"}])
    evaluation: Evaluation
    moc_boards: list[BoardCode] = Field(default_factory=list, max_length=10)
    share_permission: bool = False


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


class Claimable(BaseModel):
    activity_id: uuid.UUID
    title: str
    format: str
    completed_on: date
    window_closes: date
    window_extended: bool = Field(description="true when window_closes is a support extension for this learner")
    designations: dict[str, Decimal]
    moc_boards: list[str]


class ExtensionRequest(BaseModel):
    """A support extension of one learner's claim window for one activity."""

    model_config = ConfigDict(extra="forbid")

    until: date = Field(description="last day the learner may claim; later than the normal window close")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        examples=["hospitalised during the claim window"]
    )


class Extension(BaseModel):
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    until: date
    reason: str
    granted_by: uuid.UUID
    granted_at: datetime


class CorrectionRequest(BaseModel):
    """Support's correction of a claim: the corrected credits (and MOC boards), with a reason."""

    model_config = ConfigDict(extra="forbid")

    credits: dict[CreditType, Decimal] = Field(min_length=1, max_length=12, examples=[{"AMA_PRA_1": "2.5"}])
    moc_boards: list[BoardCode] | None = Field(
        default=None, max_length=10, description="omit to keep the claim's boards"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        examples=["learner attended the morning only"]
    )


class SupportClaim(Claim):
    """A claim as support sees it: revoked ones too, linked to the claim it corrects and the one that replaced it."""

    learner_id: uuid.UUID
    share_permission: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    corrects_claim_id: uuid.UUID | None
    corrected_by_claim_id: uuid.UUID | None
    corrected_by: uuid.UUID | None = Field(description="the support user who made this claim as a correction")
