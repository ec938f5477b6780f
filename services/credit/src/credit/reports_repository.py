"""SQL of the office's reports: standing claims (not revoked) grouped in one query each, never row by row; no query
here returns who claimed, as evaluations are confidential."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from opencme_kit import db

_STANDING_IN_PERIOD = "c.revoked_at IS NULL AND c.claimed_at >= $2 AND c.claimed_at < $3"


async def credits_by_bucket(
    conn: db.Connection, *, bucket: str, start: datetime, end: datetime, activity_id: uuid.UUID | None
) -> list[asyncpg.Record]:
    """Standing claims made in [start, end), per bucket and credit type: how many claims, how much credit."""
    return await conn.fetch(
        f"""SELECT date_trunc($1, c.claimed_at AT TIME ZONE 'UTC')::date AS period,
                   k.credit ->> 'credit_type' AS credit_type,
                   count(*) AS claims,
                   sum((k.credit ->> 'amount')::numeric) AS credits
            FROM claims c CROSS JOIN LATERAL jsonb_array_elements(c.credits) AS k(credit)
            WHERE {_STANDING_IN_PERIOD} AND ($4::uuid IS NULL OR c.activity_id = $4)
            GROUP BY 1, 2
            ORDER BY 1, 2""",
        bucket,
        start,
        end,
        activity_id,
    )


async def ratings(conn: db.Connection, *, activity_id: uuid.UUID, start: datetime, end: datetime) -> dict[int, int]:
    """Overall rating -> how many of the activity's standing claims in [start, end) gave it."""
    rows = await conn.fetch(
        f"""SELECT (c.evaluation ->> 'overall_rating')::int AS rating, count(*) AS answers
            FROM claims c WHERE c.activity_id = $1 AND {_STANDING_IN_PERIOD}
            GROUP BY 1""",
        activity_id,
        start,
        end,
    )
    return {r["rating"]: r["answers"] for r in rows}


async def yes_no_answers(
    conn: db.Connection, *, activity_id: uuid.UUID, start: datetime, end: datetime, questions: tuple[str, ...]
) -> list[asyncpg.Record]:
    """For each yes/no question of the evaluation: how many answered yes, no, or left it unanswered."""
    return await conn.fetch(
        f"""SELECT q.question,
                   count(*) FILTER (WHERE c.evaluation -> q.question = 'true') AS yes,
                   count(*) FILTER (WHERE c.evaluation -> q.question = 'false') AS no,
                   count(*) FILTER (WHERE coalesce(c.evaluation -> q.question, 'null') = 'null') AS unanswered
            FROM claims c CROSS JOIN unnest($4::text[]) WITH ORDINALITY AS q(question, position)
            WHERE c.activity_id = $1 AND {_STANDING_IN_PERIOD}
            GROUP BY q.question, q.position
            ORDER BY q.position""",
        activity_id,
        start,
        end,
        list(questions),
    )


async def comments(
    conn: db.Connection, *, activity_id: uuid.UUID, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """The free-text comments of the activity's standing claims in [start, end), newest first, with the UTC day only."""
    return await conn.fetch(
        f"""SELECT (c.claimed_at AT TIME ZONE 'UTC')::date AS day, c.evaluation ->> 'comments' AS comment
            FROM claims c
            WHERE c.activity_id = $1 AND {_STANDING_IN_PERIOD} AND coalesce(c.evaluation ->> 'comments', '') <> ''
            ORDER BY c.claimed_at DESC""",
        activity_id,
        start,
        end,
    )
