"""The events a claim produces, built in one place so a claim, a correction and a merge announce them alike."""

from __future__ import annotations

from credit import domain
from opencme_contracts import events


def claimed(claim: domain.Claim, activity: domain.Activity) -> events.CreditClaimed:
    return events.CreditClaimed(
        claim_id=claim.id,
        learner_id=claim.learner_id,
        activity=events.ActivitySummary(
            activity_id=activity.id,
            title=activity.title,
            format=activity.format,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            location=activity.location,
        ),
        provider_name=activity.provider_name,
        credits=tuple(
            events.ClaimedCredit(credit_type=c.credit_type, amount=c.amount, statement=c.statement)
            for c in claim.credits
        ),
        completed_on=claim.completed_on,
        claimed_at=claim.claimed_at,
        moc_boards=claim.moc_boards,
        share_permission=claim.share_permission,
    )


def revoked(claim: domain.Claim) -> events.CreditRevoked:
    """`claim` as revoked, held by the learner it belongs to now (after a merge: the survivor)."""
    assert claim.revoked_at is not None and claim.revoked_reason is not None, "only a revoked claim is announced so"
    return events.CreditRevoked(
        claim_id=claim.id,
        learner_id=claim.learner_id,
        activity_id=claim.activity_id,
        revoked_at=claim.revoked_at,
        reason=claim.revoked_reason,
    )
