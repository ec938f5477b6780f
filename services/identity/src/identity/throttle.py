"""Sliding-window throttling kept in PostgreSQL (identity has no other shared store): one row per counted attempt.

An attempt is counted *before* the work it guards (the password check), under a per-key advisory lock, so a burst of
parallel guesses is counted as it arrives instead of after the fact; a sign-in that succeeds takes its row back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from identity import domain
from opencme_kit import db


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: timedelta


class Throttled(Exception):
    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"{scope}: retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


async def count(conn: db.Connection, checks: list[tuple[Limit, str]], *, now: datetime) -> list[int]:
    """Counts one attempt under every (limit, key) and returns the rows' ids; raises Throttled (counting nothing) when
    any limit is reached. Call inside a transaction: the advisory locks last until it ends."""
    for limit, key in sorted(checks, key=lambda c: (c[0].scope, c[1])):  # one lock order: no deadlocks
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{limit.scope}:{key}")
    waits = []
    for limit, key in checks:
        hits = await conn.fetch(
            "SELECT at FROM throttle_hits WHERE scope = $1 AND key = $2 AND at > $3 ORDER BY at",
            limit.scope,
            key,
            now - limit.window,
        )
        wait = domain.retry_after([h["at"] for h in hits], limit=limit.limit, window=limit.window, now=now)
        if wait is not None:
            waits.append((wait, limit.scope))
    if waits:
        wait, scope = max(waits)
        raise Throttled(scope, wait)
    return [
        await conn.fetchval(
            "INSERT INTO throttle_hits (scope, key, at) VALUES ($1, $2, $3) RETURNING id", limit.scope, key, now
        )
        for limit, key in checks
    ]


async def forgive(conn: db.Connection, ids: list[int]) -> None:
    """Takes counted attempts back (a sign-in that turned out right)."""
    await conn.execute("DELETE FROM throttle_hits WHERE id = ANY($1::bigint[])", ids)


async def clear(conn: db.Connection, scope: str, key: str) -> None:
    await conn.execute("DELETE FROM throttle_hits WHERE scope = $1 AND key = $2", scope, key)


async def purge(conn: db.Connection, *, older_than: datetime) -> int:
    deleted = await conn.execute("DELETE FROM throttle_hits WHERE at < $1", older_than)
    return int(deleted.split()[-1])
