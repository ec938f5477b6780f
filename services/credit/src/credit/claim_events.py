"""The events a claim produces, built in one place so a claim, a correction and a merge announce them alike."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from opencme_contracts import events


def claimed(
    *,
    claim_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity: asyncpg.Record,
    credits: list[dict[str, str]],
    completed_on: date,
    claimed_at: datetime,
    moc_boards: list[str],
    share_permission: bool,
) -> events.CreditClaimed:
    """`credits` as stored on the claim row: credit_type, amount, statement."""
    return events.CreditClaimed(
        claim_id=claim_id,
        learner_id=learner_id,
        activity=events.ActivitySummary(
            activity_id=activity["id"],
            title=activity["title"],
            format=activity["format"],
            starts_at=activity["starts_at"],
            ends_at=activity["ends_at"],
            location=activity["location"],
        ),
        provider_name=activity["provider_name"],
        credits=tuple(
            events.ClaimedCredit(credit_type=c["credit_type"], amount=Decimal(c["amount"]), statement=c["statement"])
            for c in credits
        ),
        completed_on=completed_on,
        claimed_at=claimed_at,
        moc_boards=tuple(moc_boards),
        share_permission=share_permission,
    )


def revoked(claim: asyncpg.Record, *, learner_id: uuid.UUID) -> events.CreditRevoked:
    """`claim` is a revoked claim row (id, activity_id, revoked_at, revoked_reason)."""
    return events.CreditRevoked(
        claim_id=claim["id"],
        learner_id=learner_id,
        activity_id=claim["activity_id"],
        revoked_at=claim["revoked_at"],
        reason=claim["revoked_reason"],
    )
