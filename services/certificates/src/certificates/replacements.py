"""Late name changes (BRIEF rule 9): a profile version that took effect by a claim's time but arrived after that
claim's certificate was issued gets a replacement certificate; the issued one is never changed, only marked
superseded."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from certificates import domain, repository, service
from certificates.config import Settings
from certificates.rendering import CertificateCredit, CertificateDocument


async def record_profile_version(
    conn: asyncpg.Connection,
    *,
    learner_id: uuid.UUID,
    version: int,
    effective_at: datetime,
    profile: Any,
    settings: Settings,
) -> None:
    """Keep the version, issue the claims that waited for a name, and replace the certificates it should have named.

    Takes the same locks as issuing, so a claim issued meanwhile either sees this version or is seen by it."""
    await repository.lock_merges(conn, exclusive=False)
    await repository.lock_owner(conn, await repository.survivor_of(conn, learner_id))
    await repository.add_profile_version(
        conn, learner_id=learner_id, version=version, effective_at=effective_at, profile=profile
    )
    await service.release_pending(conn, learner_id, settings)
    await replace_outdated(conn, learner_id, effective_at, settings)


async def replace_outdated(
    conn: asyncpg.Connection, learner_id: uuid.UUID, effective_at: datetime, settings: Settings
) -> None:
    """Each current certificate claimed at or after `effective_at` whose name could come from `learner_id` is checked
    against the name the issuing rule picks now; if what it prints differs, a replacement is issued.

    Idempotent: a redelivered version picks the version the current certificate was rendered from (nothing to do),
    and a version that prints the same name and degree as the current certificate issues nothing."""
    for row in await repository.replaceable(conn, learner_id, effective_at):
        name, source = await service.name_for_claim(
            conn, claimant=row["claimant_id"], owner=row["learner_id"], claimed_at=row["claimed_at"]
        )
        if name is None or (source, name.version) == (row["profile_learner_id"], row["profile_version"]):
            continue
        if not domain.prints_differently(row["content"], name):
            continue
        await issue_replacement(conn, row, name, source, settings)


def replacement_document(
    content: dict[str, Any],
    name: domain.NameVersion,
    *,
    number: str,
    code: str,
    settings: Settings,
    issued_at: datetime,
) -> CertificateDocument:
    """The certificate as frozen in `content`, with the right name and degree and its own number, code and date."""
    frozen = CertificateDocument(
        certificate_number=content["certificate_number"],
        verification_code=content["verification_code"],
        verification_url=content["verification_url"],
        learner_name=content["learner_name"],
        learner_degree=content["learner_degree"],
        activity_title=content["activity_title"],
        activity_format=content["activity_format"],
        activity_dates=content["activity_dates"],
        activity_location=content["activity_location"],
        credits=tuple(
            CertificateCredit(credit_type_label=c["label"], amount=Decimal(c["amount"]), statement=c["statement"])
            for c in content["credits"]
        ),
        provider_name=content["provider_name"],
        provider_address=content["provider_address"],
        issued_on=issued_at.date(),
    )
    return replace(
        frozen,
        certificate_number=number,
        verification_code=code,
        verification_url=f"{settings.public_base_url}/api/certificates/verify/{code}",
        learner_name=name.full_name,
        learner_degree=name.degree,
    )


async def issue_replacement(
    conn: asyncpg.Connection, row: asyncpg.Record, name: domain.NameVersion, source: uuid.UUID, settings: Settings
) -> None:
    number = domain.certificate_number(row["claimed_at"].year, await repository.next_number(conn))
    code = domain.new_verification_code()
    issued_at = service.utcnow()
    document = replacement_document(
        row["content"], name, number=number, code=code, settings=settings, issued_at=issued_at
    )
    pdf = await service.render(document, row["claim_id"])
    # Only the words rendered differently change; credit types and statements are carried over as issued.
    content = {
        **row["content"],
        "certificate_number": number,
        "verification_code": code,
        "verification_url": document.verification_url,
        "learner_name": document.learner_name,
        "learner_degree": document.learner_degree,
        "issued_on": document.issued_on.isoformat(),
    }
    certificate_id = uuid.uuid4()
    # Mark first: one current certificate per claim (the foreign key is checked at commit).
    await repository.mark_superseded(conn, row["id"], certificate_id)
    await service.store_and_announce(
        conn,
        document=document,
        content=content,
        pdf=pdf,
        certificate_id=certificate_id,
        claim_id=row["claim_id"],
        owner=row["learner_id"],
        activity_id=row["activity_id"],
        completed_on=row["completed_on"],
        claimant_id=row["claimant_id"],
        claimed_at=row["claimed_at"],
        profile_learner_id=source,
        profile_version=name.version,
        issued_at=issued_at,
        replaces=row["id"],
    )
