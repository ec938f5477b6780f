"""Announcing a report's new status (board_report.status_changed), in the transaction that changed it."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from board_reporting.config import SERVICE
from opencme_contracts.events import BoardReportStatusChanged
from opencme_kit import db, outbox


async def announce(conn: db.Connection, row: asyncpg.Record, now: datetime) -> None:
    """Adds the report's status, as `row` has it now, to the outbox; keyed by the learner so their events keep order."""
    if row["status"] == "withdrawn":
        # Not a status BoardReportStatusChanged accepts (contracts are not ours to change): shown by the API only.
        return
    await outbox.emit(
        conn,
        BoardReportStatusChanged(
            report_id=row["id"],
            learner_id=row["learner_id"],
            claim_id=row["claim_id"],
            board_code=row["board_code"],
            status=row["status"],
            reason=row["reason"],
            attempts=row["attempts"],
            due_by=row["due_by"],
            changed_at=now,
        ),
        producer=SERVICE,
        subject=row["learner_id"],
    )
