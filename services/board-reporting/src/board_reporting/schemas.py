"""HTTP response models of board reporting."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from board_reporting.domain import ReportStatus
from opencme_kit.text import Description, Line


class Board(BaseModel):
    code: str
    name: str
    mode: Literal["report", "self_report"] = Field(
        description="report: we send the completion to the board; self_report: the learner reports it"
    )
    deadline_days: int | None = Field(description="we report within this many days of the claim")
    self_report_instructions: str | None


BoardMode = Literal["report", "self_report"]
DeadlineDays = Annotated[int, Field(ge=1, le=3650, description="we report within this many days of the claim")]


class BoardCreate(BaseModel):
    """A board to add to the registry: `report` needs `deadline_days`, `self_report` needs the instructions."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")] = Field(
        description="as credit types and profiles spell it (MOC_<code>): a capital, then letters or hyphens",
        examples=["ABPMR"],
    )
    name: Line = Field(examples=["American Board of Physical Medicine and Rehabilitation"])
    mode: BoardMode
    deadline_days: DeadlineDays | None = None
    self_report_instructions: Description | None = None


class BoardUpdate(BaseModel):
    """The fields to change; the board as changed must hold as a new one must. `null` clears the deadline or the
    instructions."""

    model_config = ConfigDict(extra="forbid")

    name: Line | None = None
    mode: BoardMode | None = None
    deadline_days: DeadlineDays | None = None
    self_report_instructions: Description | None = None


class BoardChange(BaseModel):
    """One change of the registry, as recorded: who made it, when, and the board before (null: added) and after."""

    board_code: str
    changed_by: uuid.UUID
    changed_by_name: str | None = Field(description="Their name from their profile; null when we have none")
    changed_at: datetime
    before: Board | None
    after: Board


class Report(BaseModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    board_code: str
    board_name: str
    activity_id: uuid.UUID
    activity_title: str
    completed_on: date
    credit_type: str | None = Field(description="the claim's credit reported as MOC points: MOC_<BOARD> or AMA_PRA_1")
    credits: Decimal | None
    status: ReportStatus = Field(description="withdrawn: the claim was revoked before the board recorded it")
    reason: str | None = Field(description="why it is held, rejected or failed; self-report instructions")
    due_by: date | None
    attempts: int
    updated_at: datetime
    revoked_at: datetime | None = Field(description="when the claim was revoked; the report is not (or no longer) due")
    revoked_reason: str | None


class SupportReport(Report):
    """What the help desk sees besides: the last technical error, the board's own id of the report, the account a
    merge moved it from, and whether the board holds a revoked claim's report that must be corrected there."""

    learner_id: uuid.UUID
    merged_from: uuid.UUID | None
    needs_board_correction: bool = Field(
        description="the claim was revoked after the board had (or may have had) the report: correct it at the board"
    )
    last_error: str | None
    next_attempt_at: datetime | None
    board_report_id: str | None


class BoardReportsRow(BaseModel):
    board_code: str
    board_name: str
    status: ReportStatus
    reports: int = Field(description="reports of claims made in the period at this status now")


class BoardReportsReport(BaseModel):
    """Board reports of the claims made in the period, per board and status; pairs with none are left out."""

    rows: list[BoardReportsRow]
