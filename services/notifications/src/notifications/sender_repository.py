"""SQL of the sender (sender.py): claiming due messages with a lease and recording how each delivery went.

Queuing a message (repository.insert_message) NOTIFYs `repository.QUEUED_CHANNEL`, which wakes the sender.
"""

from __future__ import annotations

import uuid

import asyncpg

from notifications import domain
from opencme_kit import db


async def claim_due(conn: db.Connection, *, limit: int, lease_seconds: float) -> list[asyncpg.Record]:
    """Takes up to `limit` due messages for this sender: their next attempt moves past the lease, so no other sender
    picks them while this one talks SMTP outside any transaction; after a crash they are due again when it ends."""
    return await conn.fetch(
        """WITH due AS (
               SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= now()
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE messages m SET next_attempt_at = now() + make_interval(secs => $2)
           FROM due WHERE m.id = due.id
           RETURNING m.id, m.to_address, m.content, m.attempts, m.expires_at, m.created_at""",
        limit,
        lease_seconds,
    )


def _forget_secrets(kinds: int, names: int) -> str:
    """SET clauses dropping the content and the secret facts of a message that has left (or never will) when its kind
    carries a secret; `kinds` and `names` are the numbers of the text[] parameters holding domain.SECRET_FACTS."""
    return (
        f"content = CASE WHEN kind = ANY(${kinds}::text[]) THEN NULL ELSE content END, "
        f"facts = CASE WHEN kind = ANY(${kinds}::text[]) THEN facts - ${names}::text[] ELSE facts END"
    )


def _secrets() -> tuple[list[str], list[str]]:
    return list(domain.SECRET_FACTS), sorted({name for names in domain.SECRET_FACTS.values() for name in names})


async def mark_sent(conn: db.Connection, message_id: uuid.UUID, *, reply: str) -> None:
    # A message withdrawn while this sender was handing it over did go out: the log says what happened.
    await conn.execute(
        f"""UPDATE messages SET status = 'sent', sent_at = now(), attempts = attempts + 1, smtp_reply = $2,
                                last_error = CASE WHEN status = 'cancelled' THEN NULL ELSE last_error END,
                                {_forget_secrets(3, 4)}
            WHERE id = $1 AND status IN ('queued', 'cancelled')""",
        message_id,
        reply,
        *_secrets(),
    )


async def mark_retry(conn: db.Connection, message_id: uuid.UUID, *, error: str, delay: float) -> None:
    await conn.execute(
        """UPDATE messages SET attempts = attempts + 1, last_error = $2,
                               next_attempt_at = now() + make_interval(secs => $3)
           WHERE id = $1 AND status = 'queued'""",
        message_id,
        error,
        delay,
    )


async def mark_failed(conn: db.Connection, message_id: uuid.UUID, *, error: str, attempted: bool = True) -> None:
    await conn.execute(
        f"""UPDATE messages SET status = 'failed', last_error = $2, attempts = attempts + $3::int,
                                {_forget_secrets(4, 5)}
            WHERE id = $1 AND status = 'queued'""",
        message_id,
        error,
        1 if attempted else 0,
        *_secrets(),
    )


async def unclaim(conn: db.Connection, message_ids: list[uuid.UUID]) -> None:
    """Hands claimed messages that were not tried back to the queue, due now."""
    await conn.execute(
        "UPDATE messages SET next_attempt_at = now() WHERE id = ANY($1::uuid[]) AND status = 'queued'", message_ids
    )


async def seconds_until_next_due(conn: db.Connection) -> float | None:
    """Seconds until the next queued message falls due (0 when one is due already), or None when none is queued.

    The clamp is in Python: in SQL greatest(0, NULL) is 0, which turned "nothing queued" into "due now" and the
    sender's idle wait into a busy loop."""
    seconds: float | None = await conn.fetchval(
        "SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 FROM messages WHERE status = 'queued'"
    )
    return None if seconds is None else max(0.0, seconds)
