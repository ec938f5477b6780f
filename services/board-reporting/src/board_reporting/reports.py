"""The office's report of board reports: how many of the claims made in a period stand at each status, per board."""

from __future__ import annotations

from board_reporting import reports_repository, schemas
from opencme_kit import db
from opencme_kit.periods import Period


async def board_reports_report(*, conn: db.Connection, query: Period) -> schemas.BoardReportsReport:
    start, end = query.bounds
    rows = await reports_repository.reports_by_board_and_status(
        conn, start=start, end=end, activity_id=query.activity_id
    )
    return schemas.BoardReportsReport(rows=[schemas.BoardReportsRow.model_validate(dict(r)) for r in rows])
