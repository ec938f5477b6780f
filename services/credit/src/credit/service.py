"""Credit use cases: each one transaction, state change and event together."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from credit import claim_events, domain, merges, repository, schemas
from credit.config import SERVICE
from opencme_kit import outbox
from opencme_kit.auth import Principal
from opencme_kit.problems import Problem, not_found


def utcnow() -> datetime:
    return datetime.now(UTC)


def claimable_activity(row: asyncpg.Record) -> domain.ClaimableActivity:
    return domain.ClaimableActivity(
        format=row["format"],
        ends_at=row["ends_at"],
        claim_window_days=row["claim_window_days"],
        designations={d["credit_type"]: (Decimal(d["max_credits"]), d["statement"]) for d in row["designations"]},
        moc_boards=frozenset(row["moc_boards"]),
        requires_event_code=row["requires_event_code"],
        available_until=row["available_until"],
    )


def to_participation(row: asyncpg.Record) -> domain.Participation:
    return domain.Participation(
        registered=row["registered"], attended_on=row["attended_on"], extension_until=row["extension_until"]
    )


def to_claim(row: asyncpg.Record) -> schemas.Claim:
    return schemas.Claim(
        id=row["id"],
        activity_id=row["activity_id"],
        activity_title=row["activity_title"],
        activity_format=row["activity_format"],
        completed_on=row["completed_on"],
        claimed_at=row["claimed_at"],
        moc_boards=list(row["moc_boards"]),
        credits=[schemas.ClaimedCredit(**c) for c in row["credits"]],
    )


async def claim_credit(*, conn: asyncpg.Connection, learner: Principal, request: schemas.ClaimRequest) -> schemas.Claim:
    async with conn.transaction():
        activity = await repository.get_activity(conn, request.activity_id)
        if activity is None:
            raise not_found("activity")
        # A merged account's access token outlives the merge by a few minutes: its claim is the survivor's.
        learner_id = await merges.owner_of(conn, learner.id)
        participation = await repository.participation(conn, learner_id, request.activity_id)
        now = utcnow()
        try:
            completed_on, credits = domain.decide_claim(
                claimable_activity(activity),
                to_participation(participation),
                requested=request.credits,
                moc_boards=set(request.moc_boards),
                share_permission=request.share_permission,
                today=now.date(),
            )
        except domain.ClaimRefused as refused:
            raise Problem(
                refused.status,
                "Claim refused",
                f"{refused.field}: {refused.reason}",
                errors=[{"field": refused.field, "reason": refused.reason}],
            ) from refused
        claim_id = uuid.uuid4()
        stored = [c.stored() for c in credits]
        if not await repository.insert_claim(
            conn,
            claim_id=claim_id,
            learner_id=learner_id,
            activity_id=request.activity_id,
            credits=stored,
            evaluation=request.evaluation.model_dump(),
            completed_on=completed_on,
            claimed_at=now,
            moc_boards=sorted(request.moc_boards),
            share_permission=request.share_permission,
        ):
            raise Problem(
                409,
                "Already claimed",
                "you have already claimed credit for this activity; support can correct a claim",
                errors=[{"field": "activity_id", "reason": "already claimed"}],
            )
        await outbox.emit(
            conn,
            claim_events.claimed(
                claim_id=claim_id,
                learner_id=learner_id,
                activity=activity,
                credits=stored,
                completed_on=completed_on,
                claimed_at=now,
                moc_boards=sorted(request.moc_boards),
                share_permission=request.share_permission,
            ),
            producer=SERVICE,
            subject=learner_id,
        )
    return schemas.Claim(
        id=claim_id,
        activity_id=activity["id"],
        activity_title=activity["title"],
        activity_format=activity["format"],
        completed_on=completed_on,
        claimed_at=now,
        moc_boards=sorted(request.moc_boards),
        credits=[schemas.ClaimedCredit(**c) for c in stored],
    )


async def transcript(
    *, conn: asyncpg.Connection, learner_id: uuid.UUID, date_from: date | None, date_to: date | None
) -> schemas.Transcript:
    learner_id = await merges.reader_of(conn, learner_id)
    rows = await repository.claims_of(conn, learner_id, date_from=date_from, date_to=date_to)
    claims = [to_claim(r) for r in rows]
    totals = domain.totals([{c.credit_type: c.amount for c in claim.credits} for claim in claims])
    return schemas.Transcript(date_from=date_from, date_to=date_to, claims=claims, totals=totals)


async def claimable(*, conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[schemas.Claimable]:
    today = utcnow().date()
    learner_id = await merges.reader_of(conn, learner_id)
    result = []
    for row in await repository.claimable_candidates(conn, learner_id):
        activity = claimable_activity(row)
        participation = to_participation(await repository.participation(conn, learner_id, row["id"]))
        completed_on = domain.completion_date(activity, participation, today)
        closes = domain.window_closes(activity, completed_on, participation.extension_until)
        if completed_on <= today <= closes:
            result.append(
                schemas.Claimable(
                    activity_id=row["id"],
                    title=row["title"],
                    format=row["format"],
                    completed_on=completed_on,
                    window_closes=closes,
                    window_extended=closes != domain.window_closes(activity, completed_on, None),
                    designations={k: v[0] for k, v in activity.designations.items()},
                    moc_boards=sorted(activity.moc_boards),
                )
            )
    return result
