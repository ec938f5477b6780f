"""HTTP request and response models of the help desk's and admins' routes (staff_api.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from identity.schemas import Phone
from opencme_kit.roles import Role
from opencme_kit.text import Line, PostalAddress, Reason

BrandColour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$", to_lower=True)]


class OrganisationUpdate(BaseModel):
    """The organisation's settings, all of them, as the admin's form sends them."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(examples=["Example Medical Center CME"])
    address: PostalAddress = Field(
        description="the postal address: up to 5 lines separated by a line break",
        examples=["9500 Euclid Avenue\nCleveland, OH 44195"],
    )
    phone: Phone = Field(examples=["+1 216 444 2200"])
    support_email: EmailStr
    brand_colour: BrandColour = Field(description="#rrggbb", examples=["#1f5f8b"])


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


class MergePreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surviving_user_id: uuid.UUID
    merged_user_id: uuid.UUID


class MovingEmail(BaseModel):
    email: str
    verified: bool


class MergePreview(BaseModel):
    """What a merge would do to the identity records; each other service's records move with the account too."""

    surviving_user_id: uuid.UUID
    merged_user_id: uuid.UUID
    filled: list[str] = Field(description="profile fields the survivor lacks and takes from the merged account")
    conflicts: dict[str, dict[str, Any]] = Field(
        description="fields both accounts have with different values: the survivor's is kept, the other dropped"
    )
    boards_added: list[str] = Field(description="boards whose ID the survivor gains")
    board_id_conflicts: dict[str, dict[str, str]]
    moving_emails: list[MovingEmail] = Field(description="the merged account's addresses, which the survivor gains")
    roles_not_carried_over: list[str] = Field(description="roles of the merged account the survivor does not get")
    sessions_to_end: int = Field(description="the merged account's signed-in sessions, ended by the merge")


class Merge(BaseModel):
    id: uuid.UUID
    surviving_user_id: uuid.UUID
    surviving_name: str = Field(description="the surviving account's name now")
    merged_user_id: uuid.UUID
    merged_name: str = Field(description="the merged-away account's name as it was left")
    actor_id: uuid.UUID
    actor_name: str = Field(description="who merged them")
    reason: str
    detail: dict[str, Any]
    merged_at: datetime


class AuditEvent(BaseModel):
    id: int
    kind: str
    user_id: uuid.UUID | None
    user_name: str | None = Field(default=None, description="the account's name now (null without an account)")
    user_email: str | None = Field(default=None, description="the account's sign-in email now")
    actor_id: uuid.UUID | None
    actor_name: str | None = Field(default=None, description="who did it, when another account did (staff, admin)")
    email: str | None = Field(description="the address the event was about, as recorded (e.g. a failed sign-in's)")
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
