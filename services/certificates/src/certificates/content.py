"""A certificate's words as issued: one frozen model, stored as it is in `certificates.content` (jsonb) beside the PDF
and read back wherever a certificate is shown, verified, listed on a transcript or replaced. Neither ever changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class IssuedCredit(BaseModel):
    model_config = ConfigDict(frozen=True)

    credit_type: str  # e.g. "AMA_PRA_1"
    # Singular ("AMA PRA Category 1 Credit™"): the renderer and the transcript make it plural. Stored as `label`; the
    # renderer's name for it, `credit_type_label`, is read too.
    label: str = Field(validation_alias=AliasChoices("label", "credit_type_label"))
    amount: Decimal  # stored as a string ("1.75"), exactly as claimed
    statement: str  # the designation statement printed on the certificate


class CertificateContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_number: str  # "OC-2026-000123"
    verification_code: str  # "7KQ2-M9XD-4TPA"
    verification_url: str  # printed and encoded in the QR code
    learner_name: str  # the full name in effect when the credit was claimed
    learner_degree: str | None = None
    activity_title: str
    activity_format: str  # the human label, "Grand rounds (regularly scheduled series)"
    activity_dates: str  # already worded, "March 3–4, 2026"
    # "completed" enduring and online material, "participated in" a live activity. Rows stored before it was kept
    # printed "participated in" whatever the format, and read back as they printed.
    participation: Literal["completed", "participated in"] = "participated in"
    activity_location: str | None = None
    credits: tuple[IssuedCredit, ...]
    provider_name: str
    provider_address: str | None = None
    issued_on: date

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> CertificateContent:
        """Read a `content` column back (rows of every version so far)."""
        return cls.model_validate(value)

    def to_stored(self) -> dict[str, Any]:
        """What the `content` column holds: JSON types only (amounts as strings, the date as YYYY-MM-DD)."""
        return self.model_dump(mode="json")

    def reissued(
        self, *, learner_name: str, learner_degree: str | None, number: str, code: str, url: str, issued_on: date
    ) -> CertificateContent:
        """The same certificate under another name (a replacement): only the name and degree, the number, the code and
        the date of issue change; activity, credits and statements are carried over as issued."""
        return self.model_copy(
            update={
                "certificate_number": number,
                "verification_code": code,
                "verification_url": url,
                "learner_name": learner_name,
                "learner_degree": learner_degree,
                "issued_on": issued_on,
            }
        )
