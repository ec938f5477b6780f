"""Credit HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from credit import schemas, service
from credit.kit.auth import CurrentUser
from credit.kit.problems import field_problem
from credit.kit.service import ConnDep

router = APIRouter()


@router.post("/claims", status_code=201, response_model=schemas.Claim)
async def claim_credit(body: schemas.ClaimRequest, conn: ConnDep, learner: CurrentUser) -> schemas.Claim:
    """Claim credit for an activity, with its evaluation."""
    return await service.claim_credit(conn=conn, learner=learner, request=body)


@router.get("/claimable", response_model=list[schemas.Claimable])
async def claimable(conn: ConnDep, learner: CurrentUser) -> list[schemas.Claimable]:
    """Activities the signed-in learner can claim credit for now."""
    return await service.claimable(conn=conn, learner_id=learner.id)


@router.get("/transcript", response_model=schemas.Transcript)
async def transcript(conn: ConnDep, learner: CurrentUser, date_from: date | None = None,
                     date_to: date | None = None) -> schemas.Transcript:
    """All the signed-in learner's claims, past years included, with totals per credit type."""
    if date_from and date_to and date_to < date_from:
        raise field_problem("date_to", "must not be before date_from")
    return await service.transcript(conn=conn, learner_id=learner.id, date_from=date_from, date_to=date_to)
