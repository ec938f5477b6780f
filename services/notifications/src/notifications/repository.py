"""SQL of notifications' delivery log and what it keeps from events to write it: recipients, certificate claims, the
organisation and registrations. Every function takes the connection it runs on; claiming and recording deliveries is
sender_repository.py's, the reminder projection reminder_repository.py's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from notifications import domain
from opencme_kit import db

# NOTIFY on this channel (delivered at commit) wakes the sender as soon as a message is queued.
QUEUED_CHANNEL = "notifications_queued"

_MESSAGE_COLUMNS = (
    "id, cause_event_id, resend_of, requested_by, kind, learner_id, to_address, subject, facts, "
    "status, attempts, next_attempt_at, last_error, smtp_reply, created_at, sent_at"
)


async def upsert_recipient(
    conn: db.Connection, *, learner_id: uuid.UUID, first_name: str, email: str, version: int
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


async def get_recipient(conn: db.Connection, learner_id: uuid.UUID) -> domain.Recipient | None:
    """The learner's own name and address, as identity last told us (a merged account keeps its own)."""
    row = await conn.fetchrow("SELECT learner_id, first_name, email FROM recipients WHERE learner_id = $1", learner_id)
    return domain.Recipient(row["learner_id"], row["first_name"], row["email"]) if row else None


async def upsert_claim(
    conn: db.Connection,
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


async def get_claim(conn: db.Connection, claim_id: uuid.UUID) -> domain.ClaimInfo | None:
    row = await conn.fetchrow("SELECT activity_title, certificate_id FROM claims WHERE claim_id = $1", claim_id)
    return domain.ClaimInfo(row["activity_title"], row["certificate_id"]) if row else None


# --- the organisation ---------------------------------------------------------------------------------------------

ORGANISATION_COLUMNS = ("name", "address", "phone", "support_email", "brand_colour")


async def save_organisation(
    conn: db.Connection, values: dict[str, Any], *, revision: int, updated_at: datetime
) -> bool:
    """Stores the organisation unless a revision at least as new is stored; True when it changed."""
    columns = ", ".join(ORGANISATION_COLUMNS)
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(ORGANISATION_COLUMNS)))
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in ORGANISATION_COLUMNS)
    changed = await conn.fetchval(
        f"""INSERT INTO organisation (revision, updated_at, {columns}) VALUES ($1, $2, {placeholders})
            ON CONFLICT (id) DO UPDATE SET {sets}, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
                WHERE organisation.revision < EXCLUDED.revision
            RETURNING true""",
        revision,
        updated_at,
        *(values[c] for c in ORGANISATION_COLUMNS),
    )
    return bool(changed)


async def get_organisation(conn: db.Connection) -> asyncpg.Record | None:
    """The organisation as identity last published it; None until it has."""
    return await conn.fetchrow("SELECT * FROM organisation")


# --- registrations -----------------------------------------------------------------------------------------------


async def record_confirmation(
    conn: db.Connection,
    *,
    registration_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    email: str,
    facts: dict[str, Any],
    event_id: uuid.UUID,
) -> asyncpg.Record:
    """Stores what a confirmation said (the latest one wins); returns the registration, cancellation included."""
    [registration] = await conn.fetch(
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
    return registration


async def record_cancellation(
    conn: db.Connection,
    *,
    registration_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    cancelled_at: datetime,
    event_id: uuid.UUID,
    reason: str | None = None,
) -> asyncpg.Record:
    """Marks the registration cancelled (the first cancellation counts, even before its confirmation arrives); `reason`
    when its activity was cancelled."""
    [registration] = await conn.fetch(
        """INSERT INTO registrations (registration_id, learner_id, activity_id, cancelled_event_id, cancelled_at,
               cancellation_reason)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (registration_id) DO UPDATE
               SET cancelled_event_id = coalesce(registrations.cancelled_event_id, EXCLUDED.cancelled_event_id),
                   cancelled_at = coalesce(registrations.cancelled_at, EXCLUDED.cancelled_at),
                   cancellation_reason = CASE WHEN registrations.cancelled_event_id IS NULL
                                              THEN EXCLUDED.cancellation_reason
                                              ELSE registrations.cancellation_reason END
           RETURNING *""",
        registration_id,
        learner_id,
        activity_id,
        event_id,
        cancelled_at,
        reason,
    )
    return registration


async def get_registration(conn: db.Connection, registration_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM registrations WHERE registration_id = $1", registration_id)


async def message_caused_by(conn: db.Connection, event_id: uuid.UUID, kind: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE cause_event_id = $1 AND kind = $2", event_id, kind
    )


async def cancel_unsent(conn: db.Connection, message_ids: list[uuid.UUID], *, reason: str) -> int:
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
    conn: db.Connection,
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


async def waiting_messages(conn: db.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, kind, facts, expires_at FROM messages WHERE learner_id = $1 AND status = 'waiting_for_recipient' "
        "ORDER BY created_at FOR UPDATE",
        learner_id,
    )


async def release_message(
    conn: db.Connection,
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


async def get_message(conn: db.Connection, message_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = $1", message_id)


async def list_messages(
    conn: db.Connection, *, learner_id: uuid.UUID | None = None, to: str | None = None, limit: int = 100
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_MESSAGE_COLUMNS} FROM messages
            WHERE ($1::uuid IS NULL OR learner_id = $1) AND ($2::text IS NULL OR lower(to_address) = lower($2))
            ORDER BY created_at DESC, id LIMIT $3""",
        learner_id,
        to,
        limit,
    )


async def upsert_board(
    conn: db.Connection, *, code: str, name: str, self_report_instructions: str | None, updated_at: datetime
) -> None:
    """Keeps the newest announcement of the board: an older one arriving late changes nothing."""
    await conn.execute(
        """INSERT INTO boards (code, name, self_report_instructions, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
               self_report_instructions = EXCLUDED.self_report_instructions, updated_at = EXCLUDED.updated_at
           WHERE boards.updated_at < EXCLUDED.updated_at""",
        code,
        name,
        self_report_instructions,
        updated_at,
    )


async def get_board(conn: db.Connection, code: str) -> asyncpg.Record | None:
    """The board as announced, its code matched in any case (credit types spell it upper case)."""
    return await conn.fetchrow("SELECT * FROM boards WHERE upper(code) = upper($1)", code)
