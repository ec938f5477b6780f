"""Certificate use cases: issuing (frozen content and PDF, one transaction with `certificate.issued`), revoking, what
moves when two accounts merge, and reading.

Everything recorded for a learner is recorded for the account holding their records now (`merges.owner_of`), under
that account's lock: issuing, profile versions, replacements and revocations of one learner take turns, and a merge
waits for them (or they for it)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from certificates import domain, repository, schemas
from certificates.config import SERVICE, Settings
from certificates.content import CertificateContent
from certificates.rendering import CertificateCredit, CertificateDocument, render_certificate_pdf
from opencme_contracts import events
from opencme_kit import db, errors, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow
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
    try:
        # CPU-bound: keep the event loop free.
        return await asyncio.to_thread(lambda: render_certificate_pdf(document_of(content)))
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


async def issue_or_hold(conn: db.Connection, claim: events.CreditClaimed, settings: Settings) -> None:
    """Issue the claim's certificate, or hold the claim until a name for it is known.

    The certificate belongs to the account that holds the claimant's records now: the survivor if the claimant's
    account was merged, even when the claim arrives after the merge."""
    owner = await merges.owner_of(conn, claim.learner_id)
    await issue_or_hold_for(conn, claim, owner, settings)


async def issue_or_hold_for(
    conn: db.Connection, claim: events.CreditClaimed, owner: uuid.UUID, settings: Settings
) -> None:
    """issue_or_hold for a caller that holds `owner`, the claimant's current account, locked already."""
    name, source = await name_for_claim(conn, claimant=claim.learner_id, owner=owner, claimed_at=claim.claimed_at)
    if name is None:
        await repository.hold_claim(conn, claim, owner)
        return
    number = domain.certificate_number(claim.claimed_at.year, await repository.next_number(conn))
    code = domain.new_verification_code()
    issued_at = utcnow()
    content = domain.issued_content(
        claim,
        name,
        number=number,
        code=code,
        public_base_url=settings.public_base_url,
        provider_address=settings.provider_address,
        issued_on=issued_at.date(),
    )
    certificate = domain.Certificate(
        id=uuid.uuid4(),
        number=number,
        verification_code=code,
        claim_id=claim.claim_id,
        owner_id=owner,
        activity_id=claim.activity.activity_id,
        content=content,
        issued_at=issued_at,
        completed_on=claim.completed_on,
        basis=domain.Basis(claim.learner_id, claim.claimed_at, source, name.version),
    )
    await store_and_announce(conn, certificate, await render(content, claim.claim_id))


async def revoke_claim(conn: db.Connection, revocation: events.CreditRevoked) -> None:
    """The claim's current certificate (a replacement, if it was replaced) no longer verifies as valid."""
    # The same lock as replacing: a replacement committing meanwhile cannot escape the revocation.
    await merges.owner_of(conn, revocation.learner_id)
    await repository.revoke(conn, revocation.claim_id, revocation.revoked_at, revocation.reason)


async def release_pending(conn: db.Connection, owner: uuid.UUID, settings: Settings) -> None:
    """A name arrived for a learner whose records `owner` holds (locked by the caller): retry the claims held for it
    (they may be a merged account's, waiting for its own name or the survivor's); those still without a name wait
    again."""
    for claim in await repository.take_pending_claims(conn, owner):
        # Not owner_of(claim.learner_id): that would lock a merged claimant after its survivor, against the kit's order.
        await issue_or_hold_for(conn, claim, owner, settings)


async def merge_accounts(conn: db.Connection, merge: events.AccountMerged, settings: Settings) -> None:
    """Hand the merged account's certificates and held claims to the survivor.

    Issued certificates only change owner: content and PDF stay frozen with the name they were issued under. Held
    claims are issued now if a name applies (the merged account's own, else the survivor's), else they wait for one."""
    recorded = await merges.record_merge(
        conn, merged_id=merge.merged_user_id, surviving_id=merge.surviving_user_id, merged_at=merge.merged_at
    )
    if recorded.repeated:
        return  # moved when it was first recorded; whatever came for the merged account since went to the survivor
    await repository.move_learner(conn, recorded.merged_id, recorded.surviving_id)
    await release_pending(conn, recorded.surviving_id, settings)


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
