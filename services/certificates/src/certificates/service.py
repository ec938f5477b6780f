"""Certificate use cases: issuing (frozen content and PDF, one transaction with `certificate.issued`) and reading."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from certificates import domain, repository, schemas
from certificates.config import SERVICE, Settings
from certificates.rendering import CertificateCredit, CertificateDocument, render_certificate_pdf
from opencme_contracts import events
from opencme_kit import outbox
from opencme_kit.auth import Principal
from opencme_kit.messaging import Rejected
from opencme_kit.problems import Problem, not_found


def utcnow() -> datetime:
    return datetime.now(UTC)


def build_document(
    claim: events.CreditClaimed,
    name: domain.NameVersion,
    *,
    number: str,
    code: str,
    settings: Settings,
    issued_at: datetime,
) -> CertificateDocument:
    return CertificateDocument(
        certificate_number=number,
        verification_code=code,
        verification_url=f"{settings.public_base_url}/api/certificates/verify/{code}",
        learner_name=name.full_name,
        learner_degree=name.degree,
        activity_title=claim.activity.title,
        activity_format=domain.format_label(claim.activity.format),
        activity_dates=domain.activity_dates(claim.activity.starts_at, claim.activity.ends_at, claim.completed_on),
        activity_location=claim.activity.location,
        credits=tuple(
            CertificateCredit(
                credit_type_label=domain.credit_label(c.credit_type), amount=c.amount, statement=c.statement
            )
            for c in claim.credits
        ),
        provider_name=claim.provider_name,
        provider_address=settings.provider_address,
        issued_on=issued_at.date(),
    )


async def render(document: CertificateDocument, claim_id: uuid.UUID) -> bytes:
    try:
        return await asyncio.to_thread(render_certificate_pdf, document)  # CPU-bound: keep the event loop free
    except ValueError as exc:  # e.g. CertificateDoesNotFit, or an amount off the 0.25 step: retrying cannot help
        raise Rejected(f"certificate for claim {claim_id} cannot be rendered: {exc}") from exc


async def store_and_announce(
    conn: asyncpg.Connection,
    *,
    document: CertificateDocument,
    content: dict[str, Any],
    pdf: bytes,
    certificate_id: uuid.UUID,
    claim_id: uuid.UUID,
    owner: uuid.UUID,
    activity_id: uuid.UUID,
    completed_on: date,
    claimant_id: uuid.UUID,
    claimed_at: datetime,
    profile_learner_id: uuid.UUID,
    profile_version: int,
    issued_at: datetime,
    replaces: uuid.UUID | None = None,
) -> None:
    """Store the certificate and publish `certificate.issued` in the same transaction; a claim that already has a
    current certificate (redelivery) gets nothing new."""
    if not await repository.insert_certificate(
        conn,
        certificate_id=certificate_id,
        number=document.certificate_number,
        code=document.verification_code,
        claim_id=claim_id,
        learner_id=owner,
        activity_id=activity_id,
        content=content,
        pdf=pdf,
        issued_at=issued_at,
        completed_on=completed_on,
        claimant_id=claimant_id,
        claimed_at=claimed_at,
        profile_learner_id=profile_learner_id,
        profile_version=profile_version,
        replaces=replaces,
    ):
        return
    # Keyed and addressed to the owner, so notifications writes to the account the learner still signs in with.
    await outbox.emit(
        conn,
        events.CertificateIssued(
            certificate_id=certificate_id,
            certificate_number=document.certificate_number,
            verification_code=document.verification_code,
            claim_id=claim_id,
            learner_id=owner,
            activity_id=activity_id,
            activity_title=document.activity_title,
            issued_at=issued_at,
        ),
        producer=SERVICE,
        subject=owner,
    )


async def name_for_claim(
    conn: asyncpg.Connection, *, claimant: uuid.UUID, owner: uuid.UUID, claimed_at: datetime
) -> tuple[domain.NameVersion | None, uuid.UUID]:
    """The name a claim's certificate prints (domain.name_for_claim: the claimant's own version in effect at claim time,
    else the survivor's when the claimant's account was merged), and whose profile it comes from."""
    own = await repository.name_versions(conn, claimant)
    survivor = await repository.name_versions(conn, owner) if owner != claimant else []
    name = domain.name_for_claim(own, survivor, claimed_at)
    return name, claimant if name in own else owner


async def issue_or_hold(conn: asyncpg.Connection, claim: events.CreditClaimed, settings: Settings) -> None:
    """Issue the claim's certificate, or hold the claim until a name for it is known.

    The certificate belongs to the account that holds the claimant's records now: the survivor if the claimant's
    account was merged, even when the claim arrives after the merge."""
    await repository.lock_merges(conn, exclusive=False)
    owner = await repository.survivor_of(conn, claim.learner_id)
    await repository.lock_owner(conn, owner)
    name, source = await name_for_claim(conn, claimant=claim.learner_id, owner=owner, claimed_at=claim.claimed_at)
    if name is None:
        await repository.hold_claim(conn, claim.claim_id, owner, claim.model_dump_json())
        return
    number = domain.certificate_number(claim.claimed_at.year, await repository.next_number(conn))
    code = domain.new_verification_code()
    issued_at = utcnow()
    document = build_document(claim, name, number=number, code=code, settings=settings, issued_at=issued_at)
    pdf = await render(document, claim.claim_id)
    await store_and_announce(
        conn,
        document=document,
        content=schemas.content_of(document, claim),
        pdf=pdf,
        certificate_id=uuid.uuid4(),
        claim_id=claim.claim_id,
        owner=owner,
        activity_id=claim.activity.activity_id,
        completed_on=claim.completed_on,
        claimant_id=claim.learner_id,
        claimed_at=claim.claimed_at,
        profile_learner_id=source,
        profile_version=name.version,
        issued_at=issued_at,
    )


async def revoke_claim(conn: asyncpg.Connection, revocation: events.CreditRevoked) -> None:
    """The claim's current certificate (a replacement, if it was replaced) no longer verifies as valid."""
    await repository.lock_merges(conn, exclusive=False)
    # The same lock as replacing: a replacement committing meanwhile cannot escape the revocation.
    await repository.lock_owner(conn, await repository.survivor_of(conn, revocation.learner_id))
    await repository.revoke(conn, revocation.claim_id, revocation.revoked_at, revocation.reason)


async def release_pending(conn: asyncpg.Connection, learner_id: uuid.UUID, settings: Settings) -> None:
    """A name arrived for `learner_id`: retry the claims held for the account holding its records (they may be a
    merged account's, waiting for its own name or the survivor's); those still without a name wait again."""
    await repository.lock_merges(conn, exclusive=False)
    owner = await repository.survivor_of(conn, learner_id)
    for raw in await repository.take_pending_claims(conn, owner):
        await issue_or_hold(conn, events.CreditClaimed.model_validate(raw), settings)


async def merge_accounts(conn: asyncpg.Connection, merge: events.AccountMerged, settings: Settings) -> None:
    """Hand the merged account's certificates and held claims to the survivor.

    Issued certificates only change owner: content and PDF stay frozen with the name they were issued under. Held
    claims are issued now if a name applies (the merged account's own, else the survivor's), else they wait for one."""
    await repository.lock_merges(conn, exclusive=True)
    merged = merge.merged_user_id
    survivor = await repository.survivor_of(conn, merge.surviving_user_id)
    if survivor == merged:
        raise Rejected(f"account {merged} cannot be merged into itself or into an account merged into it")
    survivor = await repository.record_merge(conn, merged_id=merged, surviving_id=survivor, merged_at=merge.merged_at)
    await repository.move_learner(conn, merged, survivor)
    await release_pending(conn, survivor, settings)


def may_see(principal: Principal, owner: uuid.UUID) -> bool:
    return principal.id == owner or principal.has_any("support", "admin")


def to_summary(row: asyncpg.Record) -> schemas.Certificate:
    content: dict[str, Any] = row["content"]
    return schemas.Certificate(
        id=row["id"],
        number=row["number"],
        verification_code=row["verification_code"],
        claim_id=row["claim_id"],
        activity_id=row["activity_id"],
        activity_title=content["activity_title"],
        learner_name=content["learner_name"],
        credits=content["credits"],
        issued_at=row["issued_at"],
        revoked=row["revoked_at"] is not None,
        superseded=row["superseded_by"] is not None,
        superseded_by=row["superseded_by"],
        replaces_certificate_id=row["replaces_certificate_id"],
    )


async def certificate_for(
    conn: asyncpg.Connection, principal: Principal, certificate_id: uuid.UUID
) -> schemas.Certificate:
    row = await repository.get_certificate(conn, certificate_id)
    # Someone else's certificate answers exactly like a missing one: ids reveal nothing.
    if row is None or not may_see(principal, row["learner_id"]):
        raise not_found("certificate")
    return to_summary(row)


async def pdf_for(conn: asyncpg.Connection, principal: Principal, certificate_id: uuid.UUID) -> tuple[str, bytes]:
    row = await repository.get_pdf(conn, certificate_id)
    if row is None or not may_see(principal, row["learner_id"]):
        raise not_found("certificate")
    return row["number"], row["pdf"]


async def verify(conn: asyncpg.Connection, code: str) -> schemas.Verification:
    row = await repository.by_code(conn, code.strip().upper())
    if row is None:
        raise Problem(404, "Not Found", "no certificate has this verification code")
    content = row["content"]
    revoked, superseded = row["revoked_at"] is not None, row["superseded_by"] is not None
    return schemas.Verification(
        valid=not revoked and not superseded,
        status="revoked" if revoked else "superseded" if superseded else "valid",
        superseded_by_number=row["superseded_by_number"],
        replaces_certificate_number=row["replaces_number"],
        certificate_number=row["number"],
        learner_name=content["learner_name"],
        activity_title=content["activity_title"],
        activity_dates=content["activity_dates"],
        credits=content["credits"],
        provider_name=content["provider_name"],
        issued_at=row["issued_at"],
        revoked=revoked,
    )
