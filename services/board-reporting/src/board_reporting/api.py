"""Board-reporting HTTP routes: the registry, and each report's status for the learner and the help desk."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from board_reporting import schemas, service
from board_reporting.deps import ConnDep, CurrentUser, SupportOnly

router = APIRouter()


@router.get("/boards", response_model=list[schemas.Board])
async def list_boards(conn: ConnDep) -> list[schemas.Board]:
    """The certifying boards we report to, or whose participants report themselves."""
    return await service.list_boards(conn)


@router.get("/reports/mine", response_model=list[schemas.Report])
async def my_reports(conn: ConnDep, learner: CurrentUser) -> list[schemas.Report]:
    """The signed-in learner's board reports, newest claim first."""
    return await service.reports_of(conn, learner.id)


@router.get("/reports", response_model=list[schemas.SupportReport])
async def learner_reports(learner_id: uuid.UUID, conn: ConnDep, support: SupportOnly) -> list[schemas.SupportReport]:
    """One learner's board reports with their technical details (support, admin)."""
    return await service.support_reports_of(conn, learner_id)
