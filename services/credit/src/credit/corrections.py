"""Support corrects a claim (rule 7: one claim per learner per activity, support can correct it).

A claim is never edited: the old claim is revoked (kept for audit, like a merge's duplicate) and a new claim with the
corrected credits takes its place, linked by `corrects_claim_id` and recording who corrected it. The outbox gets
`credit.revoked` for the old claim, then `credit.claimed` for the new one, so certificates and board reporting withdraw
what they made of the old claim and act on the new one as on any claim. Correcting the correction makes a chain.
"""

from __future__ import annotations

import dataclasses
import uuid

from credit import claim_events, claims_repository, domain, repository, schemas
from credit.claims_repository import ListedClaim
from credit.config import SERVICE
from credit.service import to_claim
from opencme_kit import db, errors, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


def to_support_claim(listed: ListedClaim) -> schemas.SupportClaim:
    claim = listed.claim
    return schemas.SupportClaim(
        **to_claim(claim, activity_title=listed.activity_title, activity_format=listed.activity_format).model_dump(),
        learner_id=claim.learner_id,
        share_permission=claim.share_permission,
        revoked_at=claim.revoked_at,
        revoked_reason=claim.revoked_reason,
        corrects_claim_id=claim.corrects_claim_id,
        corrected_by_claim_id=listed.corrected_by_claim_id,
        corrected_by=claim.corrected_by,
    )


async def correct_claim(
    *, conn: db.Connection, claim_id: uuid.UUID, request: schemas.CorrectionRequest, support: Principal
) -> schemas.SupportClaim:
    async with conn.transaction():
        found = await claims_repository.get_claim(conn, claim_id)
        if found is None:
            raise errors.NotFound(None, "claim not found")
        # Serialise with a merge of the claim's learner (see the kit's merges.owner_of), then read the claim again
        # under a row lock, which serialises with another correction: a merge may have moved it meanwhile.
        await merges.owner_of(conn, found.learner_id, shared=True)
        old = await claims_repository.get_claim(conn, claim_id, for_update=True)
        assert old is not None, "a claim is never deleted"
        if old.revoked_at is not None:
            raise domain.ClaimRevoked(old.revoked_reason or "")
        activity = await repository.get_activity(conn, old.activity_id)
        assert activity is not None, "a claim references its activity"
        moc_boards = tuple(sorted(set(old.moc_boards if request.moc_boards is None else request.moc_boards)))
        credits = domain.decide_correction(
            activity,
            current={c.credit_type: c.amount for c in old.credits},
            current_boards=set(old.moc_boards),
            requested=request.credits,
            moc_boards=set(moc_boards),
            share_permission=old.share_permission,
        )
        now = utcnow()
        # The old claim's learner, evaluation, completion date and permission to share stay.
        new = dataclasses.replace(
            old,
            id=uuid.uuid4(),
            credits=tuple(credits),
            claimed_at=now,
            moc_boards=moc_boards,
            corrects_claim_id=old.id,
            corrected_by=support.id,
        )
        revoked = await claims_repository.revoke_claim(
            conn,
            old.id,
            revoked_at=now,
            reason=f"corrected by support: {request.reason} (replaced by claim {new.id})",
        )
        assert revoked is not None, "the row lock keeps the claim standing until now"
        # Cannot conflict: the old claim was the learner's standing claim for this activity and is revoked now.
        await claims_repository.insert_claim(conn, new)
        await outbox.emit(conn, claim_events.revoked(revoked), producer=SERVICE, subject=new.learner_id)
        await outbox.emit(conn, claim_events.claimed(new, activity), producer=SERVICE, subject=new.learner_id)
    return to_support_claim(ListedClaim(new, activity.title, activity.format))


async def list_claims(
    *, conn: db.Connection, learner_id: uuid.UUID, include_revoked: bool
) -> list[schemas.SupportClaim]:
    learner_id = await merges.survivor_of(conn, learner_id)
    listed = await claims_repository.claims_for_support(conn, learner_id, include_revoked=include_revoked)
    return [to_support_claim(item) for item in listed]
