"""SQL of the catalog itself: activities, their sessions and event codes; every function takes the connection it
runs on. Registrations and attendance have their own (registrations_repository.py, attendance_repository.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from opencme_kit import db

ACTIVITY_COLUMNS = """a.id, a.title, a.format, a.description, a.starts_at, a.ends_at, a.location, a.available_until,
    a.capacity, a.registration_opens_at, a.registration_closes_at, a.fees, a.credit_designations,
    a.claim_window_days, a.moc_boards, a.requires_event_code, a.status, a.published_at, a.cancelled_at,
    a.cancellation_reason, a.unpublished_at, a.unpublish_reason,
    (SELECT count(*) FROM registrations r WHERE r.activity_id = a.id AND r.status = 'confirmed') AS taken_seats"""


# The columns an activity is created with and edited in, as ActivityCreate holds them.
ACTIVITY_FIELDS = (
    "title",
    "format",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "available_until",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "fees",
    "credit_designations",
    "claim_window_days",
    "moc_boards",
    "requires_event_code",
)


async def insert_activity(
    conn: db.Connection, activity_id: uuid.UUID, created_by: uuid.UUID, fields: dict[str, Any]
) -> None:
    columns = ", ".join(ACTIVITY_FIELDS)
    values = ", ".join(f"${n}" for n in range(3, len(ACTIVITY_FIELDS) + 3))
    await conn.execute(
        f"INSERT INTO activities (id, created_by, {columns}) VALUES ($1, $2, {values})",
        activity_id,
        created_by,
        *(fields[name] for name in ACTIVITY_FIELDS),
    )


async def update_activity(conn: db.Connection, activity_id: uuid.UUID, fields: dict[str, Any]) -> None:
    """Sets every field an activity is created with (insert_activity's `fields`)."""
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(ACTIVITY_FIELDS, start=2))
    await conn.execute(
        f"UPDATE activities SET {assignments} WHERE id = $1",
        activity_id,
        *(fields[name] for name in ACTIVITY_FIELDS),
    )


async def get_activity(
    conn: db.Connection, activity_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        # Serialises registrations of one activity so capacity cannot be oversold.
        await conn.execute("SELECT 1 FROM activities WHERE id = $1 FOR UPDATE", activity_id)
    return await conn.fetchrow(f"SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE a.id = $1", activity_id)


@dataclass(frozen=True)
class CatalogFilter:
    """What a catalog search asks for; None or empty means no filter of that kind."""

    now: datetime
    past: bool = False
    words: str | None = None
    formats: Sequence[str] = ()
    credit_types: Sequence[str] = ()
    overlapping_from: datetime | None = None  # the period reaches this instant
    overlapping_before: datetime | None = None  # the period starts before this instant


# Current and upcoming: dated ones by their start, then undated material leaving soonest first (domain.py).
_SOONEST_FIRST = "a.starts_at IS NULL, a.starts_at, a.available_until NULLS LAST, a.title, a.id"
_MOST_RECENT_FIRST = "a.period_end DESC, a.title, a.id"


def catalog_query(search: CatalogFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (over `activities a`) and its arguments: only the filters asked for, each one indexable."""
    args: list[Any] = [search.now]
    where = ["a.status = 'published'"]
    where.append("a.period_end < $1" if search.past else "(a.period_end IS NULL OR a.period_end >= $1)")

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if search.words is not None:
        where.append(f"a.search @@ websearch_to_tsquery('english', {arg(search.words)})")
    if search.formats:
        where.append(f"a.format = ANY({arg(list(search.formats))}::text[])")
    if search.credit_types:
        where.append(f"a.credit_types ?| {arg(list(search.credit_types))}::text[]")
    if search.overlapping_from is not None:
        where.append(f"(a.period_end IS NULL OR a.period_end >= {arg(search.overlapping_from)})")
    if search.overlapping_before is not None:
        where.append(f"a.period_start < {arg(search.overlapping_before)}")
    return " AND ".join(where), args


async def search_published(
    conn: db.Connection, search: CatalogFilter, *, limit: int, offset: int
) -> tuple[int, list[asyncpg.Record]]:
    """How many published activities match, and one page of them in the listing's order."""
    where, args = catalog_query(search)
    order = _MOST_RECENT_FIRST if search.past else _SOONEST_FIRST
    n = len(args)
    async with conn.transaction(isolation="repeatable_read", readonly=True):  # the count and the page agree
        total: int = await conn.fetchval(f"SELECT count(*) FROM activities a WHERE {where}", *args)
        rows = await conn.fetch(
            f"""SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE {where}
                ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}""",
            *args,
            limit,
            offset,
        )
    return total, rows


async def list_all(
    conn: db.Connection, *, status: str | None, title_part: str | None, limit: int, offset: int
) -> tuple[int, list[asyncpg.Record]]:
    """The coordinator's list: how many activities, drafts included, have the status and a title holding the words
    (any case; None: any), and one page of them, most recently created first."""
    # LIKE's escape character is the backslash: escaped, a % or _ typed in the search is itself.
    pattern = None if title_part is None else "%" + re.sub(r"([\\%_])", r"\\\1", title_part) + "%"
    where = "($1::text IS NULL OR a.status = $1) AND ($2::text IS NULL OR a.title ILIKE $2)"
    async with conn.transaction(isolation="repeatable_read", readonly=True):  # the count and the page agree
        total: int = await conn.fetchval(f"SELECT count(*) FROM activities a WHERE {where}", status, pattern)
        rows = await conn.fetch(
            f"""SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE {where}
                ORDER BY a.created_at DESC, a.id LIMIT $3 OFFSET $4""",
            status,
            pattern,
            limit,
            offset,
        )
    return total, rows


async def mark_published(conn: db.Connection, activity_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("UPDATE activities SET status = 'published', published_at = $2 WHERE id = $1", activity_id, at)


async def mark_unpublished(
    conn: db.Connection, activity_id: uuid.UUID, *, by: uuid.UUID, at: datetime, reason: str
) -> None:
    await conn.execute(
        """UPDATE activities SET status = 'draft', published_at = NULL, unpublished_at = $3, unpublished_by = $2,
                                 unpublish_reason = $4
           WHERE id = $1""",
        activity_id,
        by,
        at,
        reason,
    )


async def mark_cancelled(
    conn: db.Connection, activity_id: uuid.UUID, *, by: uuid.UUID, at: datetime, reason: str
) -> None:
    await conn.execute(
        """UPDATE activities SET status = 'cancelled', cancelled_at = $3, cancelled_by = $2, cancellation_reason = $4
           WHERE id = $1""",
        activity_id,
        by,
        at,
        reason,
    )


async def attendance_count(conn: db.Connection, activity_id: uuid.UUID) -> int:
    """How many attendances are recorded at the activity's sessions."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM attendance t JOIN sessions s ON s.id = t.session_id WHERE s.activity_id = $1",
        activity_id,
    )
    return count


async def insert_session(
    conn: db.Connection,
    *,
    session_id: uuid.UUID,
    activity_id: uuid.UUID,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, activity_id, title, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)",
        session_id,
        activity_id,
        title,
        starts_at,
        ends_at,
    )


async def get_session(conn: db.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT id AS session_id, activity_id, title AS session_title, starts_at FROM sessions WHERE id = $1""",
        session_id,
    )


async def insert_event_code(
    conn: db.Connection,
    *,
    code: str,
    session_id: uuid.UUID,
    valid_from: datetime,
    valid_until: datetime,
    created_by: uuid.UUID,
) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO event_codes (code, session_id, valid_from, valid_until, created_by)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING true""",
        code,
        session_id,
        valid_from,
        valid_until,
        created_by,
    )
    return bool(inserted)


async def find_event_code(conn: db.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT c.code, c.valid_from, c.valid_until, s.id AS session_id, s.title AS session_title, s.starts_at,
                  s.activity_id, a.status AS activity_status
           FROM event_codes c JOIN sessions s ON s.id = c.session_id JOIN activities a ON a.id = s.activity_id
           WHERE c.code = $1 AND c.retired_at IS NULL""",
        code,
    )


async def lock_session_code(conn: db.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    """The session (locked, so its code is renewed once at a time) with its live code's validity, if it has one, and
    its activity's status."""
    return await conn.fetchrow(
        """SELECT s.id, c.code, c.valid_from, c.valid_until, a.status AS activity_status
           FROM sessions s JOIN activities a ON a.id = s.activity_id
           LEFT JOIN event_codes c ON c.session_id = s.id AND c.retired_at IS NULL
           WHERE s.id = $1 FOR UPDATE OF s""",
        session_id,
    )


async def retire_event_code(conn: db.Connection, session_id: uuid.UUID, at: datetime) -> None:
    """The session's live code is refused from `at` as if no session had it; its row and uses stay for the help desk."""
    await conn.execute(
        "UPDATE event_codes SET retired_at = $2 WHERE session_id = $1 AND retired_at IS NULL", session_id, at
    )


# Sessions with their live code and how many times that code was entered (a retired code's uses are not counted).
_SESSIONS_WITH_CODES = """SELECT s.id, s.activity_id, s.title, s.starts_at, s.ends_at, c.code AS event_code,
           c.valid_from AS code_valid_from, c.valid_until AS code_valid_until,
           count(u.id) AS uses, count(u.id) FILTER (WHERE u.accepted) AS accepted_uses
    FROM sessions s
    LEFT JOIN event_codes c ON c.session_id = s.id AND c.retired_at IS NULL
    LEFT JOIN event_code_uses u ON u.code = c.code"""


async def sessions_of(conn: db.Connection, activity_id: uuid.UUID) -> list[asyncpg.Record]:
    """The activity's sessions, earliest first, each with its code and how many times the code was entered."""
    return await conn.fetch(
        f"{_SESSIONS_WITH_CODES} WHERE s.activity_id = $1 GROUP BY s.id, c.code ORDER BY s.starts_at, s.id",
        activity_id,
    )


async def session_with_code(conn: db.Connection, session_id: uuid.UUID) -> asyncpg.Record | None:
    """One session as sessions_of lists it."""
    return await conn.fetchrow(f"{_SESSIONS_WITH_CODES} WHERE s.id = $1 GROUP BY s.id, c.code", session_id)
