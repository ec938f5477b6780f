"""Late name changes (BRIEF rule 9): a profile version that took effect by a claim's time but arrived after that
claim's certificate was issued gets a replacement certificate; the issued one is never changed, only marked
superseded."""

from __future__ import annotations

import uuid
from datetime import datetime

from certificates import domain, repository, service
from certificates.config import Settings
from opencme_contracts import events
from opencme_kit import db, merges
from opencme_kit.clock import utcnow


async def record_profile_version(
    conn: db.Connection,
    *,
    learner_id: uuid.UUID,
    version: int,
    effective_at: datetime,
    profile: events.LearnerProfile,
    settings: Settings,
) -> None:
    """Keep the version, issue the claims that waited for a name, and replace the certificates it should have named.

    Takes the same lock as issuing (the owner's), so a claim issued meanwhile either sees this version or is seen by
    it. The version stays under `learner_id` even after a merge: it is that account's name history."""
    owner = await merges.owner_of(conn, learner_id)
    await repository.add_profile_version(
        conn, learner_id=learner_id, version=version, effective_at=effective_at, profile=profile
    )
    await service.release_pending(conn, owner)
    await replace_outdated(conn, learner_id, effective_at, settings)


async def replace_outdated(
    conn: db.Connection, learner_id: uuid.UUID, effective_at: datetime, settings: Settings
) -> None:
    """Each current certificate claimed at or after `effective_at` whose name could come from `learner_id` is checked
    against the name the issuing rule picks now; if what it prints differs, a replacement is issued.

    Idempotent: a redelivered version picks the version the current certificate was rendered from (nothing to do),
    and a version that prints the same name and degree as the current certificate issues nothing."""
    for current in await repository.replaceable(conn, learner_id, effective_at):
        basis = current.basis
        if basis is None:  # issued before migration 004: its claim time is unknown, so it is never replaced
            continue
        name, source = await service.name_for_claim(
            conn, claimant=basis.claimant_id, owner=current.owner_id, claimed_at=basis.claimed_at
        )
        if name is None or (source, name.version) == (basis.profile_learner_id, basis.profile_version):
            continue
        if not domain.prints_differently(current.content, name):
            continue
        await issue_replacement(conn, current, basis, name, source, settings)


async def issue_replacement(
    conn: db.Connection,
    current: domain.Certificate,
    basis: domain.Basis,
    name: domain.NameVersion,
    source: uuid.UUID,
    settings: Settings,
) -> None:
    replacement = domain.replacement(
        current,
        basis,
        name,
        source,
        certificate_id=uuid.uuid4(),
        number=domain.certificate_number(basis.claimed_at.year, await repository.next_number(conn)),
        code=domain.new_verification_code(),
        public_base_url=settings.public_base_url,
        issued_at=utcnow(),
    )
    pdf = await service.render(replacement.content, current.claim_id)
    # Mark first: one current certificate per claim (the foreign key is checked at commit).
    await repository.mark_superseded(conn, current.id, replacement.id)
    await service.store_and_announce(conn, replacement, pdf)
