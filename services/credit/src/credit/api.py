"""Credit HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from credit import corrections, extensions, reports, schemas, service
from credit.deps import ConnDep, CurrentUser, StaffOnly, SupportOnly
from opencme_kit import idempotency
from opencme_kit.idempotency import IdempotencyKey
from opencme_kit.periods import REPORT_RESPONSES, ReportQuery

router = APIRouter()

# The caller comes before the connection in each route: a token is checked before a database connection is taken from
# the pool, so a refused one takes none and a request holds its connection only for its SQL.


@router.post("/claims", status_code=201, response_model=schemas.Claim)
async def claim_credit(
    body: schemas.ClaimRequest, learner: CurrentUser, conn: ConnDep, key: IdempotencyKey = None
) -> Response:
    """Claim credit for an activity, with its evaluation. Sent again with the same Idempotency-Key, the claim answers
    as it did the first time (it is made once)."""
    claim = await idempotency.once(
        conn,
        key,
        caller=learner.id,
        operation="POST /claims",
        request=body,
        answer=schemas.Claim,
        run=lambda: service.claim_credit(conn=conn, learner=learner, request=body),
    )
    # The surge's hot path: the claim is a schemas.Claim already, so it is written as JSON once. Returned as a model,
    # FastAPI would dump it, validate the dump against the response model, dump that and encode it (the same JSON).
    return Response(claim.model_dump_json(), status_code=201, media_type="application/json")


@router.get("/claimable", response_model=list[schemas.Claimable])
async def claimable(learner: CurrentUser, conn: ConnDep) -> list[schemas.Claimable]:
    """Activities the signed-in learner can claim credit for now."""
    return await service.claimable(conn=conn, learner_id=learner.id)


@router.get("/transcript", response_model=schemas.Transcript)
async def transcript(
    learner: CurrentUser, conn: ConnDep, date_from: date | None = None, date_to: date | None = None
) -> schemas.Transcript:
    """All the signed-in learner's claims, past years included, with totals per credit type."""
    return await service.transcript(conn=conn, learner_id=learner.id, date_from=date_from, date_to=date_to)


@router.put("/learners/{learner_id}/extensions/{activity_id}", response_model=schemas.Extension)
async def grant_extension(
    learner_id: uuid.UUID, activity_id: uuid.UUID, body: schemas.ExtensionRequest, support: SupportOnly, conn: ConnDep
) -> schemas.Extension:
    """Support: extend one learner's claim window for one activity, with a reason; replaces an earlier extension."""
    return await extensions.grant_extension(
        conn=conn, learner_id=learner_id, activity_id=activity_id, request=body, support=support
    )


@router.get("/learners/{learner_id}/extensions", response_model=list[schemas.Extension])
async def learner_extensions(learner_id: uuid.UUID, _: SupportOnly, conn: ConnDep) -> list[schemas.Extension]:
    """Support: the claim-window extensions in force for one learner."""
    return await extensions.list_extensions(conn=conn, learner_id=learner_id)


@router.get("/learners/{learner_id}/extensions/history", response_model=list[schemas.ExtensionChange])
async def learner_extension_history(
    learner_id: uuid.UUID, _: SupportOnly, conn: ConnDep, activity_id: uuid.UUID | None = None
) -> list[schemas.ExtensionChange]:
    """Support: every grant and withdrawal of the learner's claim-window extensions, newest first, with who made it,
    when and why (`activity_id`: one activity's only)."""
    return await extensions.extension_history(conn=conn, learner_id=learner_id, activity_id=activity_id)


@router.delete("/learners/{learner_id}/extensions/{activity_id}", status_code=204, response_class=Response)
async def withdraw_extension(
    learner_id: uuid.UUID, activity_id: uuid.UUID, support: SupportOnly, conn: ConnDep
) -> Response:
    """Support: withdraw one learner's claim-window extension for one activity."""
    await extensions.withdraw_extension(conn=conn, learner_id=learner_id, activity_id=activity_id, support=support)
    return Response(status_code=204)


@router.post("/claims/{claim_id}/correction", status_code=201, response_model=schemas.SupportClaim)
async def correct_claim(
    claim_id: uuid.UUID, body: schemas.CorrectionRequest, support: SupportOnly, conn: ConnDep
) -> schemas.SupportClaim:
    """Support: correct a claim's credits or MOC boards, with a reason; revokes it and returns its replacement."""
    return await corrections.correct_claim(conn=conn, claim_id=claim_id, request=body, support=support)


@router.get("/learners/{learner_id}/claims", response_model=list[schemas.SupportClaim])
async def learner_claims(
    learner_id: uuid.UUID, _: SupportOnly, conn: ConnDep, include_revoked: bool = False
) -> list[schemas.SupportClaim]:
    """Support: one learner's claims with their correction links; revoked and corrected ones too if asked."""
    return await corrections.list_claims(conn=conn, learner_id=learner_id, include_revoked=include_revoked)


@router.get("/office/reports/credits", response_model=schemas.CreditsReport, responses=REPORT_RESPONSES)
async def credits_report(
    query: Annotated[ReportQuery, Query()], staff: StaffOnly, conn: ConnDep
) -> schemas.CreditsReport:
    """Staff: standing claims made in the period, per bucket and credit type: how many, and the credit claimed."""
    return await reports.credits_report(conn=conn, query=query)


@router.get("/office/reports/evaluations", response_model=schemas.EvaluationsReport, responses=REPORT_RESPONSES)
async def evaluations_report(
    query: Annotated[schemas.EvaluationsQuery, Query()], staff: StaffOnly, conn: ConnDep
) -> schemas.EvaluationsReport:
    """Staff: an activity's evaluations from claims made in the period: ratings, yes/no answers, comments by day."""
    return await reports.evaluations_report(conn=conn, query=query)
