"""HTTP request and response models of identity for learners: sign-up, profile, sessions, passwords, emails. (The
help desk's and admins' are in staff_schemas.py.)"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from identity import domain

# For path and query parameters: no control characters (PostgreSQL text cannot hold NUL), so a malformed value is a
# 422, never a 500.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


def _storable(value: str) -> str:
    """PostgreSQL text holds neither NUL nor lone surrogates; control characters have no place in these fields."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


Storable = AfterValidator(_storable)


def trimmed(max_length: int, min_length: int = 1) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Name = Annotated[str, trimmed(100), Storable]
ShortText = Annotated[str, trimmed(100), Storable]
Suffix = Annotated[str, trimmed(20), Storable]
Organisation = Annotated[str, trimmed(200), Storable]
Region = Annotated[str, trimmed(50), Storable]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]
BoardId = Annotated[str, trimmed(40), Storable]
Password = Annotated[str, StringConstraints(max_length=256), Storable]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ().\-]{5,24}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class ProfileFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name
    middle_name: Name | None = None
    last_name: Name
    suffix: Suffix | None = Field(default=None, examples=["Jr.", "III"])
    degree: ShortText | None = Field(
        default=None,
        description="degree or credentials",
        examples=["MD", "DO", "PhD", "RN", "NP", "PA-C", "PharmD", "MD, PhD"],
    )
    profession: ShortText | None = None
    specialty: ShortText | None = None
    organisation: Organisation | None = None
    phone: Phone | None = Field(default=None, examples=["+1 216 444 9990"])
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2", examples=["US"])
    state: Region | None = Field(default=None, description="for the US, the USPS code", examples=["OH"])
    npi: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = Field(
        default=None, description="US National Provider Identifier, with its check digit"
    )
    board_ids: dict[BoardCode, BoardId] = Field(
        default_factory=dict, max_length=20, description="certifying board code -> diplomate id"
    )
    birth_month: int | None = Field(default=None, ge=1, le=12, description="for board matching; never the year")
    birth_day: int | None = Field(default=None, ge=1, le=31)

    @field_validator("npi")
    @classmethod
    def _npi(cls, value: str | None) -> str | None:
        if value and not domain.npi_is_valid(value):
            raise ValueError("not a valid NPI (10 digits with a correct check digit)")
        return value or None

    @model_validator(mode="after")
    def _consistent(self) -> ProfileFields:
        if (self.birth_month is None) != (self.birth_day is None):
            raise ValueError("give both birth_month and birth_day, or neither")
        if self.birth_month and self.birth_day and not domain.day_exists(self.birth_month, self.birth_day):
            raise ValueError("birth_day does not exist in that month")
        if self.country == "US" and self.state is not None and self.state.upper() not in domain.US_STATES:
            raise ValueError("state: give the two-letter USPS code for a US address")
        if self.country == "US" and self.state is not None:
            self.state = self.state.upper()
        return self


class SignUp(ProfileFields):
    email: EmailStr
    password: Password


class ProfileUpdate(ProfileFields):
    """The whole profile, as the learner's edit form sends it."""


class EmailInfo(BaseModel):
    email: str
    primary: bool
    verified: bool
    verified_at: datetime | None = None
    added_at: datetime


class Profile(BaseModel):
    """An account as its owner and the help desk see it (no validation: stored data is shown as stored)."""

    id: uuid.UUID
    email: str | None = Field(description="the primary email; none once the account was merged into another")
    emails: list[str]
    email_addresses: list[EmailInfo] = []
    roles: list[str]
    profile_version: int
    status: Literal["active", "merged"] = "active"
    merged_into: uuid.UUID | None = None
    first_name: str
    middle_name: str | None = None
    last_name: str
    suffix: str | None = None
    degree: str | None = None
    profession: str | None = None
    specialty: str | None = None
    organisation: str | None = None
    phone: str | None = None
    country: str | None = None
    state: str | None = None
    npi: str | None = None
    board_ids: dict[str, str] = {}
    birth_month: int | None = None
    birth_day: int | None = None


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(max_length=320), AfterValidator(_storable)]
    password: Password


class SessionTokens(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str = Field(description="single use: exchange it at POST /sessions/refresh for a new pair")
    refresh_expires_in: int


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_storable)]


class SessionInfo(BaseModel):
    id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    last_refreshed_at: datetime
    client_ip: str | None
    current: bool


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class ResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=10, max_length=200), AfterValidator(_storable)]
    new_password: Password


class EmailAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Accepted(BaseModel):
    detail: str
