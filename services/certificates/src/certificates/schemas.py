"""HTTP response models of the certificates service, and the frozen content stored with each certificate."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from certificates.rendering import CertificateDocument
from opencme_contracts import events


class CreditLine(BaseModel):
    credit_type: str
    label: str
    amount: str


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


class Verification(BaseModel):
    """What the public verification page shows: enough to confirm a certificate, nothing more."""

    valid: bool
    certificate_number: str
    learner_name: str
    activity_title: str
    activity_dates: str
    credits: list[CreditLine]
    provider_name: str
    issued_at: datetime
    revoked: bool


def content_of(document: CertificateDocument, claim: events.CreditClaimed) -> dict[str, Any]:
    """The certificate's words as issued; kept beside the PDF so that neither changes later."""
    content = asdict(document)
    content["issued_on"] = document.issued_on.isoformat()
    content["credits"] = [
        {"credit_type": c.credit_type, "label": d.credit_type_label, "amount": str(c.amount), "statement": c.statement}
        for c, d in zip(claim.credits, document.credits, strict=True)]
    return content
