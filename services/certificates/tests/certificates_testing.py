"""The tests' token mint, event factories and outbox readers shared by the certificates tests."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pypdf

from certificates.issuing import Issuer
from certificates.rendering import CertificateCredit, CertificateDocument, render_certificate_pdf
from devstack.testing import TokenMint
from opencme_contracts import Envelope, events, new_envelope
from opencme_kit.messaging import InboxConsumer

MINT = TokenMint()  # the `service` fixture's API trusts it

AMA_STATEMENT = (
    "Example University School of Medicine is accredited by the Accreditation Council for Continuing Medical "
    "Education (ACCME) to provide continuing medical education for physicians. Example University School of Medicine "
    "designates this live activity for a maximum of 2.00 AMA PRA Category 1 Credits™. Physicians should claim only "
    "the credit commensurate with the extent of their participation in the activity."
)
MOC_STATEMENT = (
    "Successful completion of this CME activity, which includes participation in the evaluation component, enables "
    "the participant to earn up to 2.00 Medical Knowledge MOC points in the American Board of Internal Medicine's "
    "(ABIM) Maintenance of Certification (MOC) program."
)


def make_credit(
    label: str = "AMA PRA Category 1 Credit™", amount: str = "1.75", statement: str = AMA_STATEMENT
) -> CertificateCredit:
    return CertificateCredit(credit_type_label=label, amount=Decimal(amount), statement=statement)


TextRun = tuple[str, float, float, float]  # text, x, y (PDF points from the bottom left, to 0.01), font size


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every run of text a one-page PDF draws, its forms' included, with where it starts, in the order it is drawn."""
    found: list[TextRun] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            a, b, c, d, e, f = cm
            x, y = a * tm[4] + c * tm[5] + e, b * tm[4] + d * tm[5] + f
            found.append((text, round(x, 2), round(y, 2), round(size * tm[0] * a, 2)))

    (page,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
    page.extract_text(visitor_text=visit)
    return found


def make_document(**changes: object) -> CertificateDocument:
    doc = CertificateDocument(
        certificate_number="OC-2026-000123",
        verification_code="7KQ2-M9XD-4TPA",
        verification_url="https://cme.example.org/verify/7KQ2-M9XD-4TPA",
        learner_name="Jane Q. Doe",
        learner_degree="MD",
        activity_title="Updates in Hospital Medicine 2026",
        activity_format="Live course",
        participation="participated in",
        activity_dates="March 3–4, 2026",
        activity_location="Boston, MA",
        credits=(make_credit(),),
        provider_name="Example University School of Medicine",
        provider_address="100 Main Street, Boston, MA 02115",
        issued_on=date(2026, 3, 20),
    )
    return dataclasses.replace(doc, **changes)


class Worker:
    """The worker's two halves as the tests drive them: `deliver` applies an event through the real inbox handler,
    then lets the issuer issue every claim that is queued (the worker's issuer does it in the background, woken by
    the queue's NOTIFY), so that a test reads the outcome right after it."""

    def __init__(self, consumer: InboxConsumer, issuer: Issuer) -> None:
        self.consumer = consumer
        self.issuer = issuer

    async def deliver(self, envelope: Envelope[Any]) -> None:
        await self.consumer.deliver(envelope)
        await self.issuer.drain()


def profile(last_name: str = "Doe", first_name: str = "Jane") -> events.LearnerProfile:
    return events.LearnerProfile(first_name=first_name, last_name=last_name, degree="MD", primary_email="j@example.org")


def registered(learner: uuid.UUID, at: datetime, last_name: str = "Doe") -> Envelope[Any]:
    return new_envelope(
        events.UserRegistered(user_id=learner, profile=profile(last_name), profile_version=1, registered_at=at),
        producer="identity",
        subject=learner,
    )


def renamed(learner: uuid.UUID, version: int, at: datetime, last_name: str) -> Envelope[Any]:
    return new_envelope(
        events.ProfileUpdated(user_id=learner, profile=profile(last_name), version=version, effective_at=at),
        producer="identity",
        subject=learner,
    )


def claimed(
    learner: uuid.UUID,
    at: datetime,
    *,
    activity_id: uuid.UUID | None = None,
    title: str = "Sepsis Grand Rounds",
    credits: dict[str, str] | None = None,
    activity_format: str = "grand_rounds",
) -> Envelope[Any]:
    """A claim completed on `at`'s day; `credits` maps credit types to amounts (default one AMA PRA Category 1)."""
    activity = events.ActivitySummary(
        activity_id=activity_id or uuid.uuid4(),
        title=title,
        format=activity_format,
        starts_at=at - timedelta(days=1),
        ends_at=at - timedelta(days=1),
        location="Auditorium A",
    )
    return new_envelope(
        events.CreditClaimed(
            claim_id=uuid.uuid4(),
            learner_id=learner,
            activity=activity,
            provider_name="Acme Clinic",
            credits=tuple(
                events.ClaimedCredit(
                    credit_type=kind,
                    amount=Decimal(amount),
                    statement=f"Acme Clinic designates this live activity for a maximum of {amount} {kind}.",
                )
                for kind, amount in (credits or {"AMA_PRA_1": "1.00"}).items()
            ),
            completed_on=at.date(),
            claimed_at=at,
        ),
        producer="credit",
        subject=learner,
    )


def revoked(claim: Envelope[Any], reason: str = "duplicate claim after an account merge") -> Envelope[Any]:
    return new_envelope(
        events.CreditRevoked(
            claim_id=claim.data.claim_id,
            learner_id=claim.data.learner_id,
            activity_id=claim.data.activity.activity_id,
            revoked_at=datetime.now(UTC),
            reason=reason,
        ),
        producer="credit",
        subject=claim.data.learner_id,
    )


def merged(merged_id: uuid.UUID, surviving_id: uuid.UUID) -> Envelope[Any]:
    return new_envelope(
        events.AccountMerged(
            surviving_user_id=surviving_id,
            merged_user_id=merged_id,
            merged_at=datetime.now(UTC),
            reason="duplicate account, ticket 4711",
        ),
        producer="identity",
        subject=surviving_id,
    )


async def issued_events(pool: asyncpg.Pool, claim: Envelope[Any]) -> list[dict[str, Any]]:
    """The certificate.issued envelopes in the outbox for this claim, with the key each is sent under."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT message_key, payload FROM outbox WHERE topic = 'certificate.issued' "
            "AND payload::jsonb -> 'data' ->> 'claim_id' = $1 ORDER BY id",
            str(claim.data.claim_id),
        )
    return [{"key": r["message_key"], **json.loads(r["payload"])} for r in rows]


def crash_once(marker: str, document: CertificateDocument) -> bytes:
    """A render (run in a render process) that kills its process the first time, as an out-of-memory kill would,
    and renders from then on; `marker` is a file path that remembers the first time across processes."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return render_certificate_pdf(document)
    os._exit(9)


def niceness_and_pdf(document: CertificateDocument) -> bytes:
    """A render that reports its process's niceness, then the real PDF."""
    return f"{os.nice(0)}\n".encode() + render_certificate_pdf(document)


def crash_always(document: CertificateDocument) -> bytes:
    os._exit(9)
