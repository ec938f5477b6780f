"""HTTP request and response models of identity for learners: sign-up, profile, sessions, passwords, emails. (The
help desk's and admins' are in staff_schemas.py.)"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from identity import domain
from opencme_kit.text import Line, Name
from opencme_kit.validation import FieldInvalid

# Identifiers and codes are anchored patterns of the characters they may hold, which refuse every control character
# (NUL included: PostgreSQL text cannot hold it), every bidirectional control and every lone surrogate.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"  # what tokens.new_opaque_token hands out (URL-safe base64)
# C0 and C1 controls, and the bidirectional controls (opencme_kit.text.BIDI_CONTROLS), as a character class's ranges.
_CONTROLS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
EMAIL_PATH_PATTERN = rf"^[^ {_CONTROLS}]{{1,320}}$"  # an address in a path: looked up, never stored
AUDIT_KIND_PATTERN = r"^[a-z][a-z_.]{0,59}$"
KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _password_characters(value: str) -> str:
    """A password is never shown, so it may hold any printable character (bidirectional controls too); it is neither
    trimmed nor normalised, because the stored hashes are of exactly what was typed. Control characters (NUL among
    them) are refused, as no keyboard types them, and lone surrogates, which have no UTF-8 bytes to hash."""
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise ValueError("must not contain control characters")
    return value


OpaqueToken = Annotated[str, StringConstraints(pattern=TOKEN_PATTERN)]
BoardCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z-]{1,15}$")]
BoardId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$")]
Password = Annotated[str, StringConstraints(max_length=256), AfterValidator(_password_characters)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ().\-]{5,24}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
# A US state's USPS code or, elsewhere, a region's name or code: letters (any script), digits, spaces, . ' -
Region = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[^\W_][\w .'-]*$"), BeforeValidator(_nfc)
]
Npi = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(?:[0-9]{10})?$")]
# What someone types to sign in: any one line (it need not be an address: the answer is the same 401 either way).
SignInEmail = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320, pattern=rf"^[^{_CONTROLS}]+$")
]


class ProfileFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name
    middle_name: Name | None = None
    last_name: Name
    suffix: Name | None = Field(default=None, examples=["Jr.", "III"])
    degree: Name | None = Field(
        default=None,
        description="degree or credentials",
        examples=["MD", "DO", "PhD", "RN", "NP", "PA-C", "PharmD", "MD, PhD"],
    )
    profession: Line | None = None
    specialty: Line | None = None
    organisation: Line | None = None
    phone: Phone | None = Field(default=None, examples=["+1 216 444 9990"])
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2", examples=["US"])
    state: Region | None = Field(default=None, description="for the US, the USPS code", examples=["OH"])
    npi: Npi | None = Field(default=None, description="US National Provider Identifier, with its check digit")
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
        # Each rule names the field a form must mark (FieldInvalid), not the whole body.
        if self.birth_month is not None and self.birth_day is None:
            raise FieldInvalid("birth_day", "give the birth day with the month, or neither")
        if self.birth_day is not None and self.birth_month is None:
            raise FieldInvalid("birth_month", "give the birth month with the day, or neither")
        if self.birth_month and self.birth_day and not domain.day_exists(self.birth_month, self.birth_day):
            raise FieldInvalid("birth_day", "does not exist in that month")
        if self.country == "US" and self.state is not None and self.state.upper() not in domain.US_STATES:
            raise FieldInvalid("state", "give the two-letter USPS code for a US address")
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

    email: SignInEmail
    password: Password


class SessionTokens(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str | None = Field(
        description="single use: exchange it at POST /sessions/refresh for a new pair; null when it was set in the "
        "HttpOnly cookie opencme_refresh instead (requests with X-OpenCME-Client: portal)"
    )
    refresh_expires_in: int = Field(description="seconds the refresh token is valid (the cookie's Max-Age)")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: OpaqueToken | None = Field(
        default=None,
        description="required, except from the portal (X-OpenCME-Client: portal), which sends no body: its refresh "
        "token is the HttpOnly cookie opencme_refresh",
    )


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

    token: Annotated[str, StringConstraints(min_length=10, pattern=TOKEN_PATTERN)]
    new_password: Password


class EmailAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Accepted(BaseModel):
    detail: str


class Organisation(BaseModel):
    """Who runs this portal, how to reach its help desk, and its brand colour: as an admin last saved them, or the
    configuration (ORG_NAME, ORG_ADDRESS, ORG_PHONE, ORG_SUPPORT_EMAIL, ORG_BRAND_COLOUR) until one has."""

    name: str
    address: str = Field(description="lines separated by a line break")
    phone: str
    support_email: str
    brand_colour: str = Field(description="#rrggbb", examples=["#1f5f8b"])
    revision: int = Field(description="grows with every saved change; 0 while the configuration answers")
    updated_at: datetime | None = Field(description="when an admin last saved a change; none until one has")
