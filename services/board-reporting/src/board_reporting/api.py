"""Board-reporting HTTP routes: the registry, and each report's status for the learner and the help desk."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from board_reporting import registry, reports, schemas, service
from board_reporting.deps import AdminOnly, ConnDep, CurrentUser, StaffOnly, SupportOnly
from board_reporting.domain import ReportStatus
from opencme_kit.periods import REPORT_RESPONSES, Period
from opencme_kit.text import Line

router = APIRouter()


@router.get("/boards", response_model=list[schemas.Board])
async def list_boards(conn: ConnDep) -> list[schemas.Board]:
    """The certifying boards we report to, or whose participants report themselves."""
    return await service.list_boards(conn)


_ADMIN: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token (problem+json)"},
    403: {"description": "The caller is not an admin (problem+json)"},
}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "The code is registered already (problem+json)"}}
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown board (problem+json)"}}
_CODE = Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z-]{1,15}$", description="the board's code, in any case")]


@router.post(
    "/boards",
    status_code=201,
    response_model=schemas.Board,
    responses={**_ADMIN, **_CONFLICT},
)
async def add_board(body: schemas.BoardCreate, conn: ConnDep, admin: AdminOnly) -> schemas.Board:
    """Admin: add a board to the registry; claims from now on are reported (or self-reported) by it."""
    return await registry.add_board(conn=conn, admin=admin, request=body)


@router.patch(
    "/boards/{code}",
    response_model=schemas.Board,
    responses={**_ADMIN, **_UNKNOWN},
)
async def edit_board(code: _CODE, body: schemas.BoardUpdate, conn: ConnDep, admin: AdminOnly) -> schemas.Board:
    """Admin: change a board's name, mode, deadline or instructions; applies to claims from now on."""
    return await registry.edit_board(conn=conn, admin=admin, code=code, request=body)


@router.get(
    "/boards/{code}/changes",
    response_model=list[schemas.BoardChange],
    responses={**_ADMIN, **_UNKNOWN},
)
async def board_changes(code: _CODE, conn: ConnDep, admin: AdminOnly) -> list[schemas.BoardChange]:
    """Admin: who changed the board and when, newest first, with the board before and after."""
    return await registry.board_changes(conn=conn, code=code)


@router.get("/reports/mine", response_model=list[schemas.Report])
async def my_reports(conn: ConnDep, learner: CurrentUser) -> list[schemas.Report]:
    """The signed-in learner's board reports, newest claim first."""
    return await service.reports_of(conn, learner.id)


@router.get("/reports/worklist", response_model=list[schemas.SupportReport])
async def report_worklist(
    conn: ConnDep,
    support: SupportOnly,
    board: Annotated[Line | None, Query(description="a board's code, e.g. ABIM")] = None,
    status: Annotated[list[ReportStatus] | None, Query(description="one or more statuses, e.g. failed")] = None,
    due_before: Annotated[date | None, Query(description="reports due on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[schemas.SupportReport]:
    """Support: board reports across learners, the nearest deadline first (those without one last), filtered by
    board, status and deadline."""
    return await service.worklist(
        conn, board=board, statuses=list(status) if status else None, due_before=due_before, limit=limit, offset=offset
    )


@router.post("/reports/{report_id}/retry", response_model=schemas.SupportReport)
async def retry_report(report_id: uuid.UUID, conn: ConnDep, support: SupportOnly) -> schemas.SupportReport:
    """Support: send a failed report again (queued at once, its attempts counted afresh); 409 for any other status."""
    return await service.retry_report(conn, report_id)


@router.get("/reports", response_model=list[schemas.SupportReport])
async def learner_reports(learner_id: uuid.UUID, conn: ConnDep, support: SupportOnly) -> list[schemas.SupportReport]:
    """One learner's board reports with their technical details (support, admin)."""
    return await service.support_reports_of(conn, learner_id)


@router.get("/office/reports/board-reports", response_model=schemas.BoardReportsReport, responses=REPORT_RESPONSES)
async def board_reports_report(
    query: Annotated[Period, Query()], conn: ConnDep, staff: StaffOnly
) -> schemas.BoardReportsReport:
    """Staff: the board reports of claims made in the period, per board and status."""
    return await reports.board_reports_report(conn=conn, query=query)
