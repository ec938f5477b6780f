"""HTTP request and response models of notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["queued", "waiting_for_recipient", "sent", "failed", "cancelled"]


class Message(BaseModel):
    """One email in the delivery log."""

    id: uuid.UUID
    kind: str
    subject: str | None = Field(description="absent while the email waits for the learner's address")
    to: str | None
    status: Status
    attempts: int
    last_error: str | None = Field(
        description="the mail server's answer to the last failed attempt, or why the message was cancelled"
    )
    created_at: datetime
    sent_at: datetime | None
    resend_of: uuid.UUID | None = Field(description="the message this one is a fresh copy of")


class Preferences(BaseModel):
    """What a learner chose about optional email. Transactional mail (confirmations, receipts, resets, certificates,
    board reports) always goes."""

    model_config = ConfigDict(extra="forbid")

    reminders: bool = Field(description="claim-window reminders; true unless the learner opted out")
