"""HTTP request and response models of the help desk's and admins' routes (staff_api.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opencme_kit.roles import Role
from opencme_kit.text import Reason


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class UserSummary(BaseModel):
    id: uuid.UUID
    name: str
    degree: str | None
    primary_email: str | None
    emails: list[str]
    npi: str | None
    board_ids: dict[str, str]
    roles: list[str]


class UserPage(BaseModel):
    items: list[UserSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="pass as offset for the next page; none on the last page")


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surviving_user_id: uuid.UUID
    merged_user_id: uuid.UUID
    reason: Reason = Field(examples=["duplicate account: registered for grand rounds with a work email"])


class Merge(BaseModel):
    id: uuid.UUID
    surviving_user_id: uuid.UUID
    merged_user_id: uuid.UUID
    actor_id: uuid.UUID
    reason: str
    detail: dict[str, Any]
    merged_at: datetime


class AuditEvent(BaseModel):
    id: int
    kind: str
    user_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    email: str | None
    client_ip: str | None
    detail: dict[str, Any]
    at: datetime


class AuditPage(BaseModel):
    items: list[AuditEvent]
    next_before_id: int | None = Field(description="pass as before_id for older events; none at the oldest")


class SigningKey(BaseModel):
    kid: str
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None
    signing: bool = Field(description="this key signs new access tokens now")
