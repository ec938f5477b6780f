"""HTTP request and response models of identity."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator, model_validator

from identity import domain

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]
BoardId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Password = Annotated[str, StringConstraints(max_length=256)]
Role = Literal["learner", "staff", "support", "admin"]


class ProfileFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name
    middle_name: Name | None = None
    last_name: Name
    suffix: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    degree: ShortText | None = Field(default=None, examples=["MD", "DO", "RN", "PharmD"])
    profession: ShortText | None = None
    specialty: ShortText | None = None
    npi: Annotated[str, StringConstraints(strip_whitespace=True)] | None = None
    board_ids: dict[BoardCode, BoardId] = Field(default_factory=dict, max_length=20)
    birth_month: int | None = Field(default=None, ge=1, le=12)
    birth_day: int | None = Field(default=None, ge=1, le=31)

    @field_validator("npi")
    @classmethod
    def _npi(cls, value: str | None) -> str | None:
        if value and not domain.npi_is_valid(value):
            raise ValueError("not a valid NPI (10 digits with a correct check digit)")
        return value or None

    @model_validator(mode="after")
    def _birthday(self) -> ProfileFields:
        if (self.birth_month is None) != (self.birth_day is None):
            raise ValueError("give both birth_month and birth_day, or neither")
        if self.birth_month and self.birth_day and self.birth_day > [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                                                     31][self.birth_month - 1]:
            raise ValueError("birth_day does not exist in that month")
        return self


class SignUp(ProfileFields):
    email: EmailStr
    password: Password


class ProfileUpdate(ProfileFields):
    """The whole profile, as the learner's edit form sends it."""


class Profile(ProfileFields):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    email: str
    emails: list[str]
    roles: list[str]
    profile_version: int


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(max_length=320)]
    password: Password


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class ResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    new_password: Password


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class Accepted(BaseModel):
    detail: str
