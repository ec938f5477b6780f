"""SQL of claims: one standing claim per learner and activity; revoked ones stay for audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from credit import domain
from opencme_kit import db


@dataclass(frozen=True)
class ListedClaim:
    """A claim as a list shows it: with its activity's title and format, and the claim that corrected it, if any."""

    claim: domain.Claim
    activity_title: str
    activity_format: str
    corrected_by_claim_id: uuid.UUID | None = None


def to_claim(row: asyncpg.Record) -> domain.Claim:
    return domain.Claim(
        id=row["id"],
        learner_id=row["learner_id"],
        activity_id=row["activity_id"],
        credits=tuple(
            domain.DecidedCredit(c["credit_type"], Decimal(c["amount"]), c["statement"]) for c in row["credits"]
        ),
        evaluation=row["evaluation"],
        completed_on=row["completed_on"],
        claimed_at=row["claimed_at"],
        moc_boards=tuple(row["moc_boards"]),
        share_permission=row["share_permission"],
        corrects_claim_id=row["corrects_claim_id"],
        corrected_by=row["corrected_by"],
        revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
    )


def _listed(row: asyncpg.Record) -> ListedClaim:
    return ListedClaim(to_claim(row), row["activity_title"], row["activity_format"], row.get("corrected_by_claim_id"))


_INSERT_CLAIM = """INSERT INTO claims (id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at,
        moc_boards, share_permission, corrects_claim_id, corrected_by)
    VALUES ($1, {learner}, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (learner_id, activity_id) WHERE revoked_at IS NULL DO NOTHING RETURNING true"""
# Returns a row unless the learner already has a standing claim for the activity; its parameters are claim_values'.
# Inside the transaction that took the learner's lock (merges.owner_of, repository.claim_context).
INSERT_CLAIM = _INSERT_CLAIM.format(learner="$2")
# The same, as a transaction of its own: it takes the learner's lock itself and fails with serialization_failure
# (asyncpg.SerializationError) if the learner was merged since the claim was decided (unmerged_learner, migration 008).
INSERT_CLAIM_ALONE = _INSERT_CLAIM.format(learner="unmerged_learner($2)")


def claim_values(claim: domain.Claim) -> tuple[Any, ...]:
    return (
        claim.id,
        claim.learner_id,
        claim.activity_id,
        [c.stored() for c in claim.credits],
        claim.evaluation,
        claim.completed_on,
        claim.claimed_at,
        list(claim.moc_boards),
        claim.share_permission,
        claim.corrects_claim_id,
        claim.corrected_by,
    )


async def insert_claim(conn: db.Connection, claim: domain.Claim) -> bool:
    """False when the learner already has a standing claim for the activity."""
    return bool(await conn.fetchval(INSERT_CLAIM, *claim_values(claim)))


async def get_claim(conn: db.Connection, claim_id: uuid.UUID, *, for_update: bool = False) -> domain.Claim | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT * FROM claims WHERE id = $1{lock}", claim_id)
    return to_claim(row) if row is not None else None


async def revoke_claim(
    conn: db.Connection, claim_id: uuid.UUID, *, reason: str, revoked_at: datetime
) -> domain.Claim | None:
    """The claim as revoked now; None if it was revoked already."""
    row = await conn.fetchrow(
        """UPDATE claims SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL
           RETURNING *""",
        claim_id,
        revoked_at,
        reason,
    )
    return to_claim(row) if row is not None else None


async def claims_of(
    conn: db.Connection, learner_id: uuid.UUID, *, date_from: date | None = None, date_to: date | None = None
) -> list[ListedClaim]:
    """A learner's standing claims, newest first."""
    rows = await conn.fetch(
        """SELECT c.*, a.title AS activity_title, a.format AS activity_format FROM claims c
           JOIN activities a ON a.id = c.activity_id
           WHERE c.learner_id = $1 AND c.revoked_at IS NULL AND ($2::date IS NULL OR c.completed_on >= $2)
             AND ($3::date IS NULL OR c.completed_on <= $3)
           ORDER BY c.completed_on DESC, c.claimed_at DESC""",
        learner_id,
        date_from,
        date_to,
    )
    return [_listed(row) for row in rows]


async def claims_for_support(conn: db.Connection, learner_id: uuid.UUID, *, include_revoked: bool) -> list[ListedClaim]:
    """A learner's claims with their correction links both ways, newest first; revoked ones only if asked."""
    rows = await conn.fetch(
        """SELECT c.*, a.title AS activity_title, a.format AS activity_format, n.id AS corrected_by_claim_id
           FROM claims c
           JOIN activities a ON a.id = c.activity_id
           LEFT JOIN claims n ON n.corrects_claim_id = c.id
           WHERE c.learner_id = $1 AND ($2 OR c.revoked_at IS NULL)
           ORDER BY c.completed_on DESC, c.claimed_at DESC""",
        learner_id,
        include_revoked,
    )
    return [_listed(row) for row in rows]
