"""SQL of notifications; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from notifications import domain

# NOTIFY on this channel (delivered at commit) wakes the sender as soon as a message is queued.
QUEUED_CHANNEL = "notifications_queued"

_MESSAGE_COLUMNS = (
    "id, cause_event_id, resend_of, requested_by, kind, learner_id, to_address, subject, facts, "
    "status, attempts, next_attempt_at, last_error, smtp_reply, created_at, sent_at"
)


async def lock_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> None:
    """Serialises, per learner, the handlers that read or write the recipient and the waiting messages: without it a
    certificate could be parked as waiting while the registration that would release it commits unseen."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"notifications.learner:{learner_id}")


async def current_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account the learner's records live under: the survivor when the help desk merged this account."""
    return await conn.fetchval(
        "SELECT coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = $1), $1)", learner_id
    )


async def lock_current_learner(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """Locks the learner and the account its records live under, and returns the latter.

    Looked up again after each lock: a merge that committed while this waited (merges lock the merged account first,
    then its survivor, the same order as here) must not leave a row behind on an account that no longer holds any."""
    await lock_learner(conn, learner_id)
    locked = learner_id
    while (current := await current_learner(conn, learner_id)) != locked:
        await lock_learner(conn, current)
        locked = current
    return locked


async def upsert_recipient(
    conn: asyncpg.Connection, *, learner_id: uuid.UUID, first_name: str, email: str, version: int
) -> bool:
    """Stores the recipient unless a version at least as new is stored; True when it changed."""
    changed = await conn.fetchval(
        """INSERT INTO recipients (learner_id, first_name, email, profile_version) VALUES ($1, $2, $3, $4)
           ON CONFLICT (learner_id) DO UPDATE
               SET first_name = EXCLUDED.first_name, email = EXCLUDED.email,
                   profile_version = EXCLUDED.profile_version, updated_at = now()
               WHERE recipients.profile_version < EXCLUDED.profile_version
           RETURNING true""",
        learner_id,
        first_name,
        email,
        version,
    )
    return bool(changed)


async def get_recipient(conn: asyncpg.Connection, learner_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT learner_id, first_name, email FROM recipients WHERE learner_id = $1", learner_id)


async def upsert_claim(
    conn: asyncpg.Connection,
    *,
    claim_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_title: str,
    certificate_id: uuid.UUID,
) -> None:
    await conn.execute(
        """INSERT INTO claims (claim_id, learner_id, activity_title, certificate_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (claim_id) DO UPDATE SET activity_title = EXCLUDED.activity_title,
                                                certificate_id = EXCLUDED.certificate_id""",
        claim_id,
        learner_id,
        activity_title,
        certificate_id,
    )


async def get_claim(conn: asyncpg.Connection, claim_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT activity_title, certificate_id FROM claims WHERE claim_id = $1", claim_id)


# --- registrations -----------------------------------------------------------------------------------------------


async def record_confirmation(
    conn: asyncpg.Connection,
    *,
    registration_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    email: str,
    facts: dict[str, Any],
    event_id: uuid.UUID,
) -> asyncpg.Record:
    """Stores what a confirmation said (the latest one wins); returns the registration, cancellation included."""
    return await conn.fetchrow(
        """INSERT INTO registrations (registration_id, learner_id, activity_id, email, facts, confirmed_event_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (registration_id) DO UPDATE
               SET email = EXCLUDED.email, facts = EXCLUDED.facts, confirmed_event_id = EXCLUDED.confirmed_event_id
           RETURNING *""",
        registration_id,
        learner_id,
        activity_id,
        email,
        facts,
        event_id,
    )


async def record_cancellation(
    conn: asyncpg.Connection,
    *,
    registration_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    cancelled_at: datetime,
    event_id: uuid.UUID,
) -> asyncpg.Record:
    """Marks the registration cancelled (the first cancellation counts, even before its confirmation arrives)."""
    return await conn.fetchrow(
        """INSERT INTO registrations (registration_id, learner_id, activity_id, cancelled_event_id, cancelled_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (registration_id) DO UPDATE
               SET cancelled_event_id = coalesce(registrations.cancelled_event_id, EXCLUDED.cancelled_event_id),
                   cancelled_at = coalesce(registrations.cancelled_at, EXCLUDED.cancelled_at)
           RETURNING *""",
        registration_id,
        learner_id,
        activity_id,
        event_id,
        cancelled_at,
    )


async def get_registration(conn: asyncpg.Connection, registration_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM registrations WHERE registration_id = $1", registration_id)


async def message_caused_by(conn: asyncpg.Connection, event_id: uuid.UUID, kind: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE cause_event_id = $1 AND kind = $2", event_id, kind
    )


async def cancel_unsent(conn: asyncpg.Connection, message_ids: list[uuid.UUID], *, reason: str) -> int:
    """Withdraws messages that have not gone out yet; returns how many."""
    result = await conn.execute(
        """UPDATE messages SET status = 'cancelled', last_error = $2
           WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'waiting_for_recipient')""",
        message_ids,
        reason,
    )
    return int(result.split()[-1])


# --- messages ----------------------------------------------------------------------------------------------------


async def insert_message(
    conn: asyncpg.Connection,
    *,
    message_id: uuid.UUID,
    kind: str,
    learner_id: uuid.UUID | None,
    facts: dict[str, Any],
    status: str,
    cause_event_id: uuid.UUID | None = None,
    resend_of: uuid.UUID | None = None,
    requested_by: uuid.UUID | None = None,
    to_address: str | None = None,
    subject: str | None = None,
    content: bytes | None = None,
    expires_at: datetime | None = None,
    last_error: str | None = None,
) -> bool:
    """False when this event already caused an email of this kind."""
    inserted = await conn.fetchval(
        """INSERT INTO messages (id, cause_event_id, resend_of, requested_by, kind, learner_id, to_address, subject,
                                 content, facts, status, expires_at, last_error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (cause_event_id, kind) DO NOTHING RETURNING true""",
        message_id,
        cause_event_id,
        resend_of,
        requested_by,
        kind,
        learner_id,
        to_address,
        subject,
        content,
        facts,
        status,
        expires_at,
        last_error,
    )
    if inserted and status == "queued":
        await conn.execute(f"NOTIFY {QUEUED_CHANNEL}")
    return bool(inserted)


async def waiting_messages(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, kind, facts, expires_at FROM messages WHERE learner_id = $1 AND status = 'waiting_for_recipient' "
        "ORDER BY created_at FOR UPDATE",
        learner_id,
    )


async def release_message(
    conn: asyncpg.Connection,
    message_id: uuid.UUID,
    *,
    to_address: str | None,
    subject: str | None,
    content: bytes | None,
    status: str = "queued",
    last_error: str | None = None,
) -> None:
    await conn.execute(
        """UPDATE messages SET to_address = $2, subject = $3, content = $4, status = $5, last_error = $6,
                               next_attempt_at = now()
           WHERE id = $1""",
        message_id,
        to_address,
        subject,
        content,
        status,
        last_error,
    )
    if status == "queued":
        await conn.execute(f"NOTIFY {QUEUED_CHANNEL}")


async def get_message(conn: asyncpg.Connection, message_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = $1", message_id)


async def list_messages(
    conn: asyncpg.Connection, *, learner_id: uuid.UUID | None = None, to: str | None = None, limit: int = 100
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_MESSAGE_COLUMNS} FROM messages
            WHERE ($1::uuid IS NULL OR learner_id = $1) AND ($2::text IS NULL OR lower(to_address) = lower($2))
            ORDER BY created_at DESC, id LIMIT $3""",
        learner_id,
        to,
        limit,
    )


# --- the send queue ----------------------------------------------------------------------------------------------


async def claim_due(conn: asyncpg.Connection, *, limit: int, lease_seconds: float) -> list[asyncpg.Record]:
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


async def mark_sent(conn: asyncpg.Connection, message_id: uuid.UUID, *, reply: str) -> None:
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


async def mark_retry(conn: asyncpg.Connection, message_id: uuid.UUID, *, error: str, delay: float) -> None:
    await conn.execute(
        """UPDATE messages SET attempts = attempts + 1, last_error = $2,
                               next_attempt_at = now() + make_interval(secs => $3)
           WHERE id = $1 AND status = 'queued'""",
        message_id,
        error,
        delay,
    )


async def mark_failed(conn: asyncpg.Connection, message_id: uuid.UUID, *, error: str, attempted: bool = True) -> None:
    await conn.execute(
        f"""UPDATE messages SET status = 'failed', last_error = $2, attempts = attempts + $3::int,
                                {_forget_secrets(4, 5)}
            WHERE id = $1 AND status = 'queued'""",
        message_id,
        error,
        1 if attempted else 0,
        *_secrets(),
    )


async def unclaim(conn: asyncpg.Connection, message_ids: list[uuid.UUID]) -> None:
    """Hands claimed messages that were not tried back to the queue, due now."""
    await conn.execute(
        "UPDATE messages SET next_attempt_at = now() WHERE id = ANY($1::uuid[]) AND status = 'queued'", message_ids
    )


async def seconds_until_next_due(conn: asyncpg.Connection) -> float | None:
    return await conn.fetchval(
        "SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()))::float8 FROM messages "
        "WHERE status = 'queued'"
    )
