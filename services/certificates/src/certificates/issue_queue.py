"""SQL of the issue queue (migration 005): claims accepted for issuing and not issued yet. Every function takes the
connection it runs on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from opencme_contracts import events
from opencme_kit import db

CHANNEL = "issue_queue"  # NOTIFY on every queued claim (delivered at commit): the issuer wakes at once


@dataclass(frozen=True)
class Queued:
    claim: events.CreditClaimed
    attempts: int  # takes so far, this one included
    correlation_id: str | None


async def add(conn: db.Connection, claim: events.CreditClaimed, correlation_id: str | None) -> None:
    """Queue `claim` and wake the issuers, unless it has a current certificate already (its event published again
    under a new id) or is queued already (it stays as it is); call inside the transaction that accepts it. One
    statement: the check, the insert and the NOTIFY (delivered at commit) were three round trips."""
    await conn.execute(
        f"""WITH queued AS (
                INSERT INTO issue_queue (claim_id, claim, correlation_id)
                SELECT $1, $2::text::jsonb, $3
                WHERE NOT EXISTS (SELECT FROM certificates WHERE claim_id = $1 AND superseded_by IS NULL)
                ON CONFLICT DO NOTHING
                RETURNING true)
            SELECT pg_notify('{CHANNEL}', '') FROM queued""",
        claim.claim_id,
        claim.model_dump_json(),
        correlation_id,
    )


async def take(conn: db.Connection, limit: int, lease_seconds: float) -> list[Queued]:
    """Up to `limit` claims ready to issue, oldest first, leased to the caller for `lease_seconds`; issuers running
    side by side never take the same row while its lease runs."""
    rows = await conn.fetch(
        """UPDATE issue_queue SET leased_until = clock_timestamp() + make_interval(secs => $2),
                  attempts = attempts + 1
           WHERE claim_id IN (SELECT claim_id FROM issue_queue
                              WHERE failed_at IS NULL AND leased_until <= clock_timestamp()
                              ORDER BY queued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING claim, attempts, correlation_id""",
        limit,
        lease_seconds,
    )
    queued = [Queued(events.CreditClaimed.model_validate(r["claim"]), r["attempts"], r["correlation_id"]) for r in rows]
    return sorted(queued, key=lambda q: q.claim.claimed_at)


async def seconds_until_next(conn: db.Connection) -> float | None:
    """Seconds until the next waiting claim's lease or retry wait runs out (0 when one is ready now), or None when no
    claim waits. A claim never taken has the lease '-infinity', which PostgreSQL cannot subtract from: it counts as
    now."""
    # greatest() skips a NULL: over an empty queue min() is NULL and greatest(NULL, now) is now, "due now", which
    # made an idle issuer look again ten times a second. Hence the CASE.
    seconds: float | None = await conn.fetchval(
        """WITH now AS (SELECT clock_timestamp() AS at)
           SELECT CASE WHEN min(leased_until) IS NULL THEN NULL
                       ELSE extract(epoch FROM greatest(min(leased_until), (SELECT at FROM now))
                                              - (SELECT at FROM now))::float8 END
           FROM issue_queue WHERE failed_at IS NULL"""
    )
    return seconds


async def any_waiting(conn: db.Connection) -> bool:
    """Whether any claim waits to be issued (ready, leased to an issuer or waiting for a retry)."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT FROM issue_queue WHERE failed_at IS NULL)"))


async def lock(conn: db.Connection, claim_id: uuid.UUID) -> bool:
    """Lock the claim's row until the transaction ends; False if it is no longer waiting (issued by another issuer,
    dropped by a revocation, or dead-lettered)."""
    return bool(
        await conn.fetchval(
            "SELECT true FROM issue_queue WHERE claim_id = $1 AND failed_at IS NULL FOR UPDATE", claim_id
        )
    )


async def remove(conn: db.Connection, claim_id: uuid.UUID) -> bool:
    """Done with the claim (issued, held for a name, or revoked); False if it was not queued."""
    return bool(await conn.fetchval("DELETE FROM issue_queue WHERE claim_id = $1 RETURNING true", claim_id))


async def give_back(conn: db.Connection, claim_ids: list[uuid.UUID]) -> int:
    """Claims an issuer took and was stopped before issuing, ready again at once (the attempt not counted), and every
    issuer woken: a graceful stop (a rolling restart) need not leave them to their lease. Returns how many."""
    given = await conn.fetchval(
        """WITH given AS (UPDATE issue_queue SET leased_until = clock_timestamp(), attempts = greatest(attempts - 1, 0)
                          WHERE claim_id = ANY($1::uuid[]) AND failed_at IS NULL RETURNING 1)
           SELECT count(*) FROM given""",
        claim_ids,
    )
    await conn.execute(f"NOTIFY {CHANNEL}")
    return int(given)


async def retry_later(conn: db.Connection, claim_id: uuid.UUID, delay_seconds: float, error: str) -> None:
    await conn.execute(
        "UPDATE issue_queue SET leased_until = clock_timestamp() + make_interval(secs => $2), error = $3 "
        "WHERE claim_id = $1",
        claim_id,
        delay_seconds,
        error,
    )


async def dead_letter(conn: db.Connection, claim_id: uuid.UUID, error: str) -> None:
    """Stop trying: the row stays, with the error, until someone re-queues it
    (`UPDATE issue_queue SET failed_at = NULL, attempts = 0 WHERE claim_id = ...`: taken at the next poll)."""
    await conn.execute(
        "UPDATE issue_queue SET failed_at = clock_timestamp(), error = $2, leased_until = '-infinity' "
        "WHERE claim_id = $1",
        claim_id,
        error,
    )


async def failed(conn: db.Connection) -> list[tuple[uuid.UUID, str]]:
    """The dead-lettered claims and their errors, oldest first."""
    rows = await conn.fetch("SELECT claim_id, error FROM issue_queue WHERE failed_at IS NOT NULL ORDER BY queued_at")
    return [(r["claim_id"], r["error"]) for r in rows]
