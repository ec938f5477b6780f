"""SQL of the certificates service; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
import zlib
from datetime import date, datetime
from typing import Any

import asyncpg

from certificates.domain import NameVersion

# Merges take it exclusively, issuing and releasing claims shared, for the whole transaction: a claim of a learner being
# merged is then attributed either before the merge (and moved by it) or after it (to the survivor), never in between.
MERGE_LOCK = zlib.crc32(b"certificates.merged_accounts")
# Two-key advisory locks (this class, hash of the owner's id): a key space apart from MERGE_LOCK's one-key lock.
OWNER_LOCK_CLASS = zlib.crc32(b"certificates.owner") & 0x7FFFFFFF


async def add_profile_version(
    conn: asyncpg.Connection, *, learner_id: uuid.UUID, version: int, effective_at: datetime, profile: Any
) -> None:
    await conn.execute(
        """INSERT INTO profile_versions (learner_id, version, effective_at, first_name, middle_name, last_name, suffix,
               degree) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
        learner_id,
        version,
        effective_at,
        profile.first_name,
        profile.middle_name,
        profile.last_name,
        profile.suffix,
        profile.degree,
    )


async def name_versions(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[NameVersion]:
    rows = await conn.fetch(
        """SELECT version, effective_at, first_name, middle_name, last_name, suffix, degree FROM profile_versions
           WHERE learner_id = $1 ORDER BY version""",
        learner_id,
    )
    return [NameVersion(**dict(r)) for r in rows]


async def hold_claim(conn: asyncpg.Connection, claim_id: uuid.UUID, learner_id: uuid.UUID, claim: str) -> None:
    await conn.execute(
        "INSERT INTO pending_claims (claim_id, learner_id, claim) VALUES ($1, $2, $3::text::jsonb) "
        "ON CONFLICT DO NOTHING",
        claim_id,
        learner_id,
        claim,
    )


async def take_pending_claims(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("DELETE FROM pending_claims WHERE learner_id = $1 RETURNING claim", learner_id)
    return [r["claim"] for r in rows]


async def lock_merges(conn: asyncpg.Connection, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"SELECT {function}($1)", MERGE_LOCK)


async def survivor_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account holding `learner_id`'s records now: itself unless merged (one lookup: the table is kept flat)."""
    return await conn.fetchval(
        "SELECT coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = $1), $1::uuid)", learner_id
    )


async def record_merge(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> uuid.UUID:
    """Map the merged account to its survivor; returns the survivor on record (a redelivery keeps the first mapping).

    Accounts merged earlier into `merged_id` now point at the survivor too, so the table stays flat."""
    await conn.execute(
        "INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (merged_id) DO NOTHING",
        merged_id,
        surviving_id,
        merged_at,
    )
    survivor = await conn.fetchval("SELECT surviving_id FROM merged_accounts WHERE merged_id = $1", merged_id)
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, survivor)
    return survivor


async def move_learner(conn: asyncpg.Connection, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Certificates and held claims change owner; content, PDF and profile versions stay as they are."""
    await conn.execute("UPDATE certificates SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)
    await conn.execute("UPDATE pending_claims SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)


async def next_number(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT nextval('certificate_numbers')")


async def insert_certificate(
    conn: asyncpg.Connection,
    *,
    certificate_id: uuid.UUID,
    number: str,
    code: str,
    claim_id: uuid.UUID,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    content: dict[str, Any],
    pdf: bytes,
    issued_at: datetime,
    completed_on: date,
    claimant_id: uuid.UUID,
    claimed_at: datetime,
    profile_learner_id: uuid.UUID,
    profile_version: int,
    replaces: uuid.UUID | None = None,
) -> bool:
    """Store a certificate; False if the claim already has a current one (a redelivered claim)."""
    inserted = await conn.fetchval(
        """INSERT INTO certificates (id, number, verification_code, claim_id, learner_id, activity_id, content, pdf,
               issued_at, completed_on, claimant_id, claimed_at, profile_learner_id, profile_version,
               replaces_certificate_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (claim_id) WHERE superseded_by IS NULL DO NOTHING RETURNING true""",
        certificate_id,
        number,
        code,
        claim_id,
        learner_id,
        activity_id,
        content,
        pdf,
        issued_at,
        completed_on,
        claimant_id,
        claimed_at,
        profile_learner_id,
        profile_version,
        replaces,
    )
    return bool(inserted)


async def lock_owner(conn: asyncpg.Connection, owner: uuid.UUID) -> None:
    """Serialise, per account holding the records, issuing, profile versions and revocations (transaction-scoped).

    Without it a claim rendered with the old name could commit beside a profile version that did not yet see it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext(($2::uuid)::text))", OWNER_LOCK_CLASS, owner)


async def replaceable(conn: asyncpg.Connection, learner_id: uuid.UUID, since: datetime) -> list[asyncpg.Record]:
    """Current, unrevoked certificates claimed at or after `since` whose name may come from `learner_id`'s profile:
    claimed by them, or held by them (a merged account's claim may borrow the survivor's name)."""
    return await conn.fetch(
        """SELECT id, claim_id, learner_id, activity_id, claimant_id, claimed_at, completed_on, profile_learner_id,
                  profile_version, content FROM certificates
           WHERE (claimant_id = $1 OR learner_id = $1) AND superseded_by IS NULL AND revoked_at IS NULL
             AND claimed_at >= $2
           ORDER BY claimed_at FOR UPDATE""",
        learner_id,
        since,
    )


async def mark_superseded(conn: asyncpg.Connection, certificate_id: uuid.UUID, by: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE certificates SET superseded_by = $2 WHERE id = $1 AND superseded_by IS NULL", certificate_id, by
    )


async def revoke(conn: asyncpg.Connection, claim_id: uuid.UUID, at: datetime, reason: str) -> None:
    """Revoke the claim's current certificate; superseded ones are history and already not valid."""
    await conn.execute(
        "UPDATE certificates SET revoked_at = $2, revoked_reason = $3 WHERE claim_id = $1 "
        "AND revoked_at IS NULL AND superseded_by IS NULL",
        claim_id,
        at,
        reason,
    )


SUMMARY = (
    "id, number, verification_code, claim_id, learner_id, activity_id, content, issued_at, revoked_at, "
    "superseded_by, replaces_certificate_id"
)


async def certificates_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    """The learner's current certificates (a superseded one is listed through its replacement), newest first."""
    return await conn.fetch(
        f"SELECT {SUMMARY} FROM certificates WHERE learner_id = $1 AND superseded_by IS NULL ORDER BY issued_at DESC",
        learner_id,
    )


async def get_certificate(conn: asyncpg.Connection, certificate_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {SUMMARY} FROM certificates WHERE id = $1", certificate_id)


async def get_pdf(conn: asyncpg.Connection, certificate_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT learner_id, number, pdf FROM certificates WHERE id = $1", certificate_id)


async def by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The certificate with this code, with the number of the claim's current certificate if it was superseded and
    the number of the certificate it replaced, if any."""
    return await conn.fetchrow(
        """SELECT c.number, c.content, c.issued_at, c.revoked_at, c.superseded_by,
                  current.number AS superseded_by_number, replaced.number AS replaces_number
           FROM certificates c
           LEFT JOIN certificates current ON c.superseded_by IS NOT NULL AND current.claim_id = c.claim_id
                AND current.superseded_by IS NULL
           LEFT JOIN certificates replaced ON replaced.id = c.replaces_certificate_id
           WHERE c.verification_code = $1""",
        code,
    )


async def pdfs_by_id(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT id, learner_id, number, pdf, revoked_at, superseded_by FROM certificates WHERE id = ANY($1)", ids
    )
    return {r["id"]: r for r in rows}


async def transcript_rows(
    conn: asyncpg.Connection, learner_id: uuid.UUID, since: date | None, until: date | None
) -> list[asyncpg.Record]:
    """The learner's valid certificates completed in [since, until] (either end open), oldest first."""
    return await conn.fetch(
        """SELECT id, number, content, completed_on FROM certificates
           WHERE learner_id = $1 AND revoked_at IS NULL AND superseded_by IS NULL
             AND ($2::date IS NULL OR completed_on >= $2) AND ($3::date IS NULL OR completed_on <= $3)
           ORDER BY completed_on, number""",
        learner_id,
        since,
        until,
    )


async def newest_certificate_content(conn: asyncpg.Connection, learner_id: uuid.UUID) -> dict[str, Any] | None:
    return await conn.fetchval(
        "SELECT content FROM certificates WHERE learner_id = $1 "
        "AND superseded_by IS NULL ORDER BY issued_at DESC LIMIT 1",
        learner_id,
    )
