"""Certificate use cases: issuing (frozen content and PDF, one transaction with `certificate.issued`), revoking, what
moves when two accounts merge, and reading.

Everything recorded for a learner is recorded for the account holding their records now (`merges.owner_of`), under
that account's lock: issuing, profile versions, replacements and revocations of one learner take turns, and a merge
waits for them (or they for it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from certificates import domain, issue_queue, render_pool, repository, schemas
from certificates.config import SERVICE
from certificates.content import CertificateContent
from certificates.rendering import CertificateCredit, CertificateDocument
from opencme_contracts import events
from opencme_kit import db, errors, logs, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.messaging import Rejected
from opencme_kit.roles import Role


def document_of(content: CertificateContent) -> CertificateDocument:
    """What the renderer prints: the content, word for word."""
    return CertificateDocument(
        certificate_number=content.certificate_number,
        verification_code=content.verification_code,
        verification_url=content.verification_url,
        learner_name=content.learner_name,
        learner_degree=content.learner_degree,
        activity_title=content.activity_title,
        activity_format=content.activity_format,
        activity_dates=content.activity_dates,
        activity_location=content.activity_location,
        credits=tuple(
            CertificateCredit(credit_type_label=c.label, amount=c.amount, statement=c.statement)
            for c in content.credits
        ),
        provider_name=content.provider_name,
        provider_address=content.provider_address,
        issued_on=content.issued_on,
        participation=content.participation,
    )


async def render(content: CertificateContent, claim_id: uuid.UUID) -> bytes:
    """The certificate's PDF, rendered in the worker's render pool (a process per core: render_pool.py)."""
    try:
        return await render_pool.shared.render(document_of(content))
    except ValueError as exc:  # e.g. CertificateDoesNotFit, or an amount off the 0.25 step: retrying cannot help
        raise Rejected(f"certificate for claim {claim_id} cannot be rendered: {exc}") from exc


async def store_and_announce(conn: db.Connection, certificate: domain.Certificate, pdf: bytes) -> None:
    """Store the certificate and publish `certificate.issued` in the same transaction; a claim that already has a
    current certificate (redelivery) gets nothing new."""
    if await repository.insert_certificate(conn, certificate, pdf):
        await outbox.emit(conn, certificate.issued_event(), producer=SERVICE, subject=certificate.owner_id)


async def name_for_claim(
    conn: db.Connection, *, claimant: uuid.UUID, owner: uuid.UUID, claimed_at: datetime
) -> tuple[domain.NameVersion | None, uuid.UUID]:
    """The name a claim's certificate prints (domain.name_for_claim: the claimant's own version in effect at claim time,
    else the survivor's when the claimant's account was merged), and whose profile it comes from."""
    own = await repository.name_versions(conn, claimant)
    survivor = await repository.name_versions(conn, owner) if owner != claimant else []
    name = domain.name_for_claim(own, survivor, claimed_at)
    return name, claimant if name in own else owner


async def revoke_claim(conn: db.Connection, revocation: events.CreditRevoked) -> None:
    """The claim's current certificate (a replacement, if it was replaced) no longer verifies as valid; a claim
    revoked before its certificate was issued (still queued, or held for a name) gets none."""
    # The same lock as replacing and issuing: a replacement or a certificate committing meanwhile cannot escape it.
    await merges.owner_of(conn, revocation.learner_id)
    await repository.revoke(conn, revocation.claim_id, revocation.revoked_at, revocation.reason)
    await issue_queue.remove(conn, revocation.claim_id)
    await repository.drop_pending_claim(conn, revocation.claim_id)


async def release_pending(conn: db.Connection, owner: uuid.UUID) -> None:
    """A name arrived for a learner whose records `owner` holds (locked by the caller): queue the claims held for it
    again (they may be a merged account's, waiting for its own name or the survivor's); the issuer issues them, and
    holds again those still without a name."""
    for claim in await repository.take_pending_claims(conn, owner):
        await issue_queue.add(conn, claim, logs.correlation_id.get())


async def merge_accounts(conn: db.Connection, merge: events.AccountMerged) -> None:
    """Hand the merged account's certificates and held claims to the survivor.

    Issued certificates only change owner: content and PDF stay frozen with the name they were issued under. Held
    claims are issued now if a name applies (the merged account's own, else the survivor's), else they wait for one."""
    recorded = await merges.record_merge(
        conn, merged_id=merge.merged_user_id, surviving_id=merge.surviving_user_id, merged_at=merge.merged_at
    )
    if recorded.repeated:
        return  # moved when it was first recorded; whatever came for the merged account since went to the survivor
    await repository.move_learner(conn, recorded.merged_id, recorded.surviving_id)
    await release_pending(conn, recorded.surviving_id)


def may_see(principal: Principal, owner: uuid.UUID) -> bool:
    return principal.id == owner or principal.has_any(Role.SUPPORT, Role.ADMIN)


async def my_certificates(conn: db.Connection, learner: Principal) -> list[schemas.Certificate]:
    return [schemas.Certificate.of(c) for c in await repository.certificates_of(conn, learner.id)]


async def certificate_for(conn: db.Connection, principal: Principal, certificate_id: uuid.UUID) -> schemas.Certificate:
    certificate = await repository.get_certificate(conn, certificate_id)
    # Someone else's certificate answers exactly like a missing one: ids reveal nothing.
    if certificate is None or not may_see(principal, certificate.owner_id):
        raise errors.NotFound(None, "certificate not found")
    return schemas.Certificate.of(certificate)


async def pdf_for(conn: db.Connection, principal: Principal, certificate_id: uuid.UUID) -> tuple[str, bytes]:
    found = await repository.with_pdfs(conn, [certificate_id])
    if certificate_id not in found or not may_see(principal, found[certificate_id][0].owner_id):
        raise errors.NotFound(None, "certificate not found")
    certificate, pdf = found[certificate_id]
    return certificate.number, pdf


async def verify(conn: db.Connection, code: str) -> schemas.Verification:
    """What the public verification page shows, as the certificate printed it; `code` as a person typed it."""
    found = await repository.by_code(conn, domain.normal_code(code))
    if found is None:
        raise errors.NotFound(None, "no certificate has this verification code")
    certificate, current_number, replaced_number = found
    content = certificate.content
    return schemas.Verification(
        valid=certificate.status == "valid",
        status=certificate.status,
        superseded_by_number=current_number,
        replaces_certificate_number=replaced_number,
        certificate_number=certificate.number,
        verification_code=certificate.verification_code,
        learner_name=content.learner_name,
        learner_degree=content.learner_degree,
        activity_title=content.activity_title,
        activity_format=content.activity_format,
        activity_dates=content.activity_dates,
        activity_location=content.activity_location,
        credits=[schemas.CreditLine.of(c) for c in content.credits],
        provider_name=content.provider_name,
        issued_at=certificate.issued_at,
        issued_on=content.issued_on,
        revoked=certificate.revoked_at is not None,
    )
