"""Support corrects a claim (rule 7: one claim per learner per activity, support can correct it).

A claim is never edited: the old claim is revoked (kept for audit, like a merge's duplicate) and a new claim with the
corrected credits takes its place, linked by `corrects_claim_id` and recording who corrected it. The outbox gets
`credit.revoked` for the old claim, then `credit.claimed` for the new one, so certificates and board reporting withdraw
what they made of the old claim and act on the new one as on any claim. Correcting the correction makes a chain.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg

from credit import claim_events, domain, merges, repository, schemas
from credit.config import SERVICE
from credit.service import claimable_activity, to_claim, utcnow
from opencme_kit import outbox
from opencme_kit.auth import Principal
from opencme_kit.problems import Problem, not_found


def to_support_claim(row: asyncpg.Record | dict) -> schemas.SupportClaim:
    return schemas.SupportClaim(
        **to_claim(row).model_dump(),
        learner_id=row["learner_id"],
        share_permission=row["share_permission"],
        revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
        corrects_claim_id=row["corrects_claim_id"],
        corrected_by_claim_id=row.get("corrected_by_claim_id"),
        corrected_by=row["corrected_by"],
    )


async def correct_claim(
    *, conn: asyncpg.Connection, claim_id: uuid.UUID, request: schemas.CorrectionRequest, support: Principal
) -> schemas.SupportClaim:
    async with conn.transaction():
        found = await repository.get_claim(conn, claim_id)
        if found is None:
            raise not_found("claim")
        # Serialise with a merge of the claim's learner (see merges.owner_of); the row lock with another correction.
        await merges.owner_of(conn, found["learner_id"])
        old = await repository.get_claim(conn, claim_id, for_update=True)
        if old["revoked_at"] is not None:
            raise Problem(
                409,
                "Claim revoked",
                f"claim_id: this claim was revoked ({old['revoked_reason']}); only a standing claim can be corrected",
                errors=[{"field": "claim_id", "reason": "the claim is revoked"}],
            )
        activity = await repository.get_activity(conn, old["activity_id"])
        moc_boards = sorted(set(old["moc_boards"] if request.moc_boards is None else request.moc_boards))
        try:
            credits = domain.decide_correction(
                claimable_activity(activity),
                current={c["credit_type"]: Decimal(c["amount"]) for c in old["credits"]},
                current_boards=set(old["moc_boards"]),
                requested=request.credits,
                moc_boards=set(moc_boards),
                share_permission=old["share_permission"],
            )
        except domain.ClaimRefused as refused:
            raise Problem(
                refused.status,
                "Correction refused",
                f"{refused.field}: {refused.reason}",
                errors=[{"field": refused.field, "reason": refused.reason}],
            ) from refused
        now, new_id = utcnow(), uuid.uuid4()
        revoked = await repository.revoke_claim(
            conn,
            claim_id,
            revoked_at=now,
            reason=f"corrected by support: {request.reason} (replaced by claim {new_id})",
        )
        stored = [c.stored() for c in credits]
        learner_id = old["learner_id"]
        # Cannot conflict: the old claim was the learner's standing claim for this activity and is revoked now.
        await repository.insert_claim(
            conn,
            claim_id=new_id,
            learner_id=learner_id,
            activity_id=old["activity_id"],
            credits=stored,
            evaluation=old["evaluation"],
            completed_on=old["completed_on"],
            claimed_at=now,
            moc_boards=moc_boards,
            share_permission=old["share_permission"],
            corrects_claim_id=claim_id,
            corrected_by=support.id,
        )
        await outbox.emit(
            conn, claim_events.revoked(revoked, learner_id=learner_id), producer=SERVICE, subject=learner_id
        )
        await outbox.emit(
            conn,
            claim_events.claimed(
                claim_id=new_id,
                learner_id=learner_id,
                activity=activity,
                credits=stored,
                completed_on=old["completed_on"],
                claimed_at=now,
                moc_boards=moc_boards,
                share_permission=old["share_permission"],
            ),
            producer=SERVICE,
            subject=learner_id,
        )
        row = await repository.get_claim(conn, new_id)
    return to_support_claim(dict(row, activity_title=activity["title"], activity_format=activity["format"]))


async def list_claims(
    *, conn: asyncpg.Connection, learner_id: uuid.UUID, include_revoked: bool
) -> list[schemas.SupportClaim]:
    learner_id = await merges.reader_of(conn, learner_id)
    rows = await repository.claims_for_support(conn, learner_id, include_revoked=include_revoked)
    return [to_support_claim(r) for r in rows]
