"""HTTP request and response models of the certificates service (the stored content is `content.py`'s)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from certificates import domain
from certificates.content import IssuedCredit


class CreditLine(BaseModel):
    credit_type: str
    label: str = Field(description='The credit type\'s singular label, "AMA PRA Category 1 Credit™".')
    amount: str = Field(description='As claimed, "1.00".')
    printed_label: str = Field(description='The label for this amount, as printed: "AMA PRA Category 1 Credits™".')
    printed: str = Field(description='As printed: "1 AMA PRA Category 1 Credit™", "1.75 AMA PRA Category 1 Credits™".')

    @classmethod
    def of(cls, credit: IssuedCredit) -> CreditLine:
        return cls(
            credit_type=credit.credit_type,
            label=credit.label,
            amount=str(credit.amount),
            **as_printed(credit.label, credit.amount),
        )


def as_printed(label: str, amount: Decimal) -> dict[str, str]:
    """`printed_label` and `printed`: an amount of credit in the words certificates and transcripts print."""
    return {"printed_label": domain.amount_label(label, amount), "printed": domain.printed_credit(label, amount)}


class Certificate(BaseModel):
    id: uuid.UUID
    number: str
    verification_code: str
    claim_id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    learner_name: str
    credits: list[CreditLine]
    issued_at: datetime
    revoked: bool
    superseded: bool = Field(
        description="Replaced by a certificate showing the name in effect at claim time; this "
        "one stays as issued, as history."
    )
    superseded_by: uuid.UUID | None = Field(description="The certificate that replaced this one.")
    replaces_certificate_id: uuid.UUID | None = Field(description="The certificate this one replaced.")

    @classmethod
    def of(cls, certificate: domain.Certificate) -> Certificate:
        return cls(
            id=certificate.id,
            number=certificate.number,
            verification_code=certificate.verification_code,
            claim_id=certificate.claim_id,
            activity_id=certificate.activity_id,
            activity_title=certificate.content.activity_title,
            learner_name=certificate.content.learner_name,
            credits=[CreditLine.of(c) for c in certificate.content.credits],
            issued_at=certificate.issued_at,
            revoked=certificate.revoked_at is not None,
            superseded=certificate.superseded_by is not None,
            superseded_by=certificate.superseded_by,
            replaces_certificate_id=certificate.replaces,
        )


class Verification(BaseModel):
    """What the portal's public verification page shows a person: enough to confirm a certificate, nothing more.
    Every text is as printed on the certificate."""

    valid: bool
    certificate_number: str
    verification_code: str
    learner_name: str
    learner_degree: str | None
    activity_title: str
    activity_format: str = Field(description='As printed: "Live course", "Webcast", "Enduring material" ...')
    activity_dates: str = Field(description='As printed: "March 3–4, 2026"; enduring material: "Completed ...".')
    activity_location: str | None
    credits: list[CreditLine]
    provider_name: str
    issued_at: datetime
    issued_on: date = Field(description="The date of issue printed on the certificate.")
    revoked: bool
    status: Literal["valid", "revoked", "superseded"] = Field(
        description="superseded: the claim's certificate was reissued (a late name change); see superseded_by_number."
    )
    superseded_by_number: str | None = Field(description="Superseded: the number of the claim's current certificate.")
    replaces_certificate_number: str | None = Field(description="The number of the certificate this one replaced.")


class BundleRequest(BaseModel):
    ids: list[uuid.UUID] = Field(
        min_length=1, max_length=100, description="Certificate ids, 1 to 100 and each once; the PDF keeps this order."
    )

    @field_validator("ids")
    @classmethod
    def _each_once(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        repeated = sorted({str(i) for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"each certificate may be listed once; repeated: {', '.join(repeated)}")
        return ids


class CreditTotal(BaseModel):
    credit_type: str
    label: str  # singular, like CreditLine.label
    amount: str  # two decimals, "4.50"
    printed_label: str  # like CreditLine's
    printed: str  # "4.5 AMA PRA Category 1 Credits™"


class TranscriptRow(BaseModel):
    certificate_id: uuid.UUID
    certificate_number: str
    activity_title: str
    activity_format: str | None
    completed_on: date
    credits: list[CreditLine]


class Transcript(BaseModel):
    """A learner's valid certificates completed in the period, oldest first, with totals per credit type."""

    learner_id: uuid.UUID
    learner_name: str | None
    learner_degree: str | None
    provider_name: str
    period_from: date | None
    period_to: date | None
    printed_on: date
    rows: list[TranscriptRow]
    totals: list[CreditTotal]
