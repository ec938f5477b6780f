"""Credit use cases for learners: claim, transcript, what is claimable. Each write is one transaction, state change and
event together."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from credit import claim_events, claims_repository, domain, repository, schemas
from credit.config import SERVICE
from opencme_kit import db, errors, merges, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


def to_claim(claim: domain.Claim, *, activity_title: str, activity_format: str) -> schemas.Claim:
    return schemas.Claim(
        id=claim.id,
        activity_id=claim.activity_id,
        activity_title=activity_title,
        activity_format=activity_format,
        completed_on=claim.completed_on,
        claimed_at=claim.claimed_at,
        moc_boards=list(claim.moc_boards),
        credits=[
            schemas.ClaimedCredit(credit_type=c.credit_type, amount=c.amount, statement=c.statement)
            for c in claim.credits
        ],
    )


async def claim_credit(*, conn: db.Connection, learner: Principal, request: schemas.ClaimRequest) -> schemas.Claim:
    if not conn.is_in_transaction():
        made = await _claim_alone(conn, learner, request)
        if made is not None:
            return made
    async with conn.transaction():
        # In one round trip, the learner's lock (shared: claims of one learner may run side by side, one standing claim
        # per activity is the table's unique index) and, read under it, who owns the learner's records, the activity
        # and the owner's participation.
        context = await repository.claim_context(conn, learner.id, request.activity_id)
        activity, learner_id, participation = context.activity, context.owner_id, context.participation
        if activity is None:
            raise errors.NotFound(None, "activity not found")
        if learner_id != learner.id:
            # A merged account's access token outlives the merge by a few minutes: its claim is the survivor's, whose
            # lock the kit's owner_of takes too.
            learner_id = await merges.owner_of(conn, learner.id, shared=True)
            participation = await repository.participation(conn, learner_id, activity.id)
        claim = _decide(activity, learner_id, participation, request)
        # The claim and its event in one statement; nothing is announced when the learner has a standing claim.
        if not await _record(conn, claim, activity, alone=False):
            raise domain.AlreadyClaimed()
    return to_claim(claim, activity_title=activity.title, activity_format=activity.format)


async def _claim_alone(conn: db.Connection, learner: Principal, request: schemas.ClaimRequest) -> schemas.Claim | None:
    """The claim of a learner who was not merged, in two round trips rather than four (BEGIN, read, write, COMMIT):
    the read and the write are each a transaction of their own. None when the learner was merged, before the read or
    between the read and the write: the caller then decides the claim again in one transaction, for the survivor.

    Only a merge can change what the claim was decided on between the two without the write noticing: every other
    writer of a learner's records takes the learner's lock shared, as a claim does, so they never excluded each other
    (a registration cancelled while a claim is decided was never held back), and the write's unique index refuses a
    second standing claim either way. The write takes the learner's lock again and checks for a merge under it
    (claims_repository.INSERT_CLAIM_ALONE)."""
    context = await repository.claim_context(conn, learner.id, request.activity_id)
    if context.activity is None:
        raise errors.NotFound(None, "activity not found")
    if context.owner_id != learner.id:
        return None
    claim = _decide(context.activity, learner.id, context.participation, request)
    try:
        inserted = await _record(conn, claim, context.activity, alone=True)
    except asyncpg.SerializationError:
        return None  # merged since the read
    if not inserted:
        raise domain.AlreadyClaimed()
    return to_claim(claim, activity_title=context.activity.title, activity_format=context.activity.format)


def _decide(
    activity: domain.Activity, learner_id: uuid.UUID, participation: domain.Participation, request: schemas.ClaimRequest
) -> domain.Claim:
    """The claim `request` makes for the account `learner_id`, or the refusal the rules give (domain.decide_claim)."""
    now = utcnow()
    completed_on, credits = domain.decide_claim(
        activity,
        participation,
        requested=request.credits,
        moc_boards=set(request.moc_boards),
        share_permission=request.share_permission,
        completed_on=request.completed_on,
        today=now.date(),
    )
    return domain.Claim(
        id=uuid.uuid4(),
        learner_id=learner_id,
        activity_id=activity.id,
        credits=tuple(credits),
        evaluation=request.evaluation.model_dump(),
        completed_on=completed_on,
        claimed_at=now,
        moc_boards=tuple(sorted(request.moc_boards)),
        share_permission=request.share_permission,
    )


async def _record(conn: db.Connection, claim: domain.Claim, activity: domain.Activity, *, alone: bool) -> bool:
    """The claim and its event in one statement (`alone`: as a transaction of its own); False, and nothing announced,
    when the learner has a standing claim for the activity."""
    return await outbox.emit_with(
        conn,
        claims_repository.INSERT_CLAIM_ALONE if alone else claims_repository.INSERT_CLAIM,
        *claims_repository.claim_values(claim),
        payload=claim_events.claimed(claim, activity),
        producer=SERVICE,
        subject=claim.learner_id,
        alone=alone,
    )


async def transcript(
    *, conn: db.Connection, learner_id: uuid.UUID, date_from: date | None, date_to: date | None
) -> schemas.Transcript:
    if date_from and date_to and date_to < date_from:
        raise errors.Invalid("date_to", "must not be before date_from")
    # A merged account's token still shows the survivor's history.
    learner_id = await merges.survivor_of(conn, learner_id)
    listed = await claims_repository.claims_of(conn, learner_id, date_from=date_from, date_to=date_to)
    totals = domain.totals([{c.credit_type: c.amount for c in item.claim.credits} for item in listed])
    return schemas.Transcript(
        date_from=date_from,
        date_to=date_to,
        claims=[
            to_claim(item.claim, activity_title=item.activity_title, activity_format=item.activity_format)
            for item in listed
        ],
        totals=totals,
    )


async def claimable(*, conn: db.Connection, learner_id: uuid.UUID) -> list[schemas.Claimable]:
    today = utcnow().date()
    learner_id = await merges.survivor_of(conn, learner_id)
    result = []
    for activity, participation in await repository.claimable_candidates(conn, learner_id):
        offer = domain.claimable(activity, participation, today=today)
        if offer is not None:
            result.append(
                schemas.Claimable(
                    activity_id=activity.id,
                    title=activity.title,
                    format=activity.format,
                    completed_on=offer.completed_on,
                    completed_on_editable=offer.completed_on_editable,
                    completed_on_earliest=offer.completed_on_earliest,
                    window_closes=offer.window_closes,
                    window_extended=offer.window_extended,
                    designations={k: v[0] for k, v in activity.designations.items()},
                    credit_designations=[
                        schemas.CreditDesignation(credit_type=k, max_credits=maximum, statement=statement)
                        for k, (maximum, statement) in activity.designations.items()
                    ],
                    moc_boards=sorted(activity.moc_boards),
                    evaluation_required=True,  # rule 6: claiming credit includes completing the evaluation
                )
            )
    return result
