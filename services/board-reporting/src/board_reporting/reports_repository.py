"""SQL of the office's report of board reports: counted per board and status in one query."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db


async def reports_by_board_and_status(
    conn: db.Connection, *, start: datetime, end: datetime, activity_id: uuid.UUID | None
) -> list[asyncpg.Record]:
    """The reports of claims made in [start, end), per board and status."""
    return await conn.fetch(
        """SELECT r.board_code, b.name AS board_name, r.status, count(*) AS reports
           FROM reports r JOIN boards b ON b.code = r.board_code
           WHERE r.claimed_at >= $1 AND r.claimed_at < $2 AND ($3::uuid IS NULL OR r.activity_id = $3)
           GROUP BY r.board_code, b.name, r.status
           ORDER BY r.board_code, r.status""",
        start,
        end,
        activity_id,
    )
