"""SQL behind the help desk: finding learners, the audit log, merges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from opencme_kit import db


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching anywhere, with its own %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_users(
    conn: db.Connection, *, query: str, email_query: str, limit: int, offset: int
) -> list[asyncpg.Record]:
    """Active accounts whose NPI or a board ID equals the query, an email contains it, or whose name contains every
    word of it; sorted by last and first name. Each row carries the total count of matches."""
    words = [_like(word) for word in query.split()]
    return await conn.fetch(
        """SELECT u.id, u.first_name, u.middle_name, u.last_name, u.suffix, u.degree, u.npi, u.board_ids, u.roles,
                  p.email AS primary_email,
                  ARRAY(SELECT email FROM user_emails WHERE user_id = u.id ORDER BY added_at, email) AS emails,
                  count(*) OVER () AS total
           FROM users u LEFT JOIN user_emails p ON p.user_id = u.id AND p.is_primary
           WHERE u.disabled_at IS NULL AND (
                 u.npi = $1
              OR EXISTS (SELECT 1 FROM jsonb_each_text(u.board_ids) b WHERE lower(b.value) = lower($1))
              OR EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND e.email LIKE $2)
              OR (SELECT bool_and(concat_ws(' ', u.first_name, u.middle_name, u.last_name, u.suffix) ILIKE w)
                  FROM unnest($3::text[]) AS w))
           ORDER BY lower(u.last_name), lower(u.first_name), u.id
           LIMIT $4 OFFSET $5""",
        query,
        _like(email_query),
        words,
        limit,
        offset,
    )


async def audit_events(
    conn: db.Connection,
    *,
    user_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Newest first. An account's events include those of the accounts merged into it: their history is its history."""
    return await conn.fetch(
        """SELECT e.id, e.kind, e.user_id, e.actor_id, e.email, e.client_ip, e.detail, e.at,
                  CASE WHEN u.id IS NOT NULL THEN u.first_name || ' ' || u.last_name END AS user_name,
                  (SELECT m.email FROM user_emails m WHERE m.user_id = e.user_id AND m.is_primary) AS user_email,
                  CASE WHEN a.id IS NOT NULL THEN a.first_name || ' ' || a.last_name END AS actor_name
           FROM security_events e
                LEFT JOIN users u ON u.id = e.user_id
                LEFT JOIN users a ON a.id = e.actor_id
           WHERE ($1::uuid IS NULL OR e.user_id = $1 OR e.user_id IN (SELECT id FROM users WHERE merged_into = $1))
             AND ($2::uuid IS NULL OR e.actor_id = $2)
             AND ($3::text IS NULL OR e.kind = $3)
             AND ($4::bigint IS NULL OR e.id < $4)
           ORDER BY e.id DESC LIMIT $5""",
        user_id,
        actor_id,
        kind,
        before_id,
        limit,
    )


async def insert_merge(
    conn: db.Connection,
    *,
    merge_id: uuid.UUID,
    surviving_user_id: uuid.UUID,
    merged_user_id: uuid.UUID,
    actor_id: uuid.UUID,
    reason: str,
    detail: dict[str, Any],
    at: datetime,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        """INSERT INTO account_merges (id, surviving_user_id, merged_user_id, actor_id, reason, detail, merged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        merge_id,
        surviving_user_id,
        merged_user_id,
        actor_id,
        reason,
        detail,
        at,
    )
    assert row is not None, "INSERT ... RETURNING answers the row"
    return row


# A merge with the names of both accounts and of who merged them.
_MERGES = """SELECT m.*, a.first_name || ' ' || a.last_name AS actor_name,
                    s.first_name || ' ' || s.last_name AS surviving_name,
                    d.first_name || ' ' || d.last_name AS merged_name
             FROM account_merges m
                  JOIN users a ON a.id = m.actor_id
                  JOIN users s ON s.id = m.surviving_user_id
                  JOIN users d ON d.id = m.merged_user_id"""


async def merge(conn: db.Connection, merge_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(f"{_MERGES} WHERE m.id = $1", merge_id)
    assert row is not None, merge_id  # the caller has just recorded it
    return row


async def merges_of(conn: db.Connection, user_id: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""{_MERGES}
           WHERE $1::uuid IS NULL OR m.surviving_user_id = $1 OR m.merged_user_id = $1
           ORDER BY m.merged_at DESC LIMIT $2""",
        user_id,
        limit,
    )
