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


async def add_profile_version(conn: asyncpg.Connection, *, learner_id: uuid.UUID, version: int,
                              effective_at: datetime, profile: Any) -> None:
    await conn.execute(
        """INSERT INTO profile_versions (learner_id, version, effective_at, first_name, middle_name, last_name, suffix,
               degree) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
        learner_id, version, effective_at, profile.first_name, profile.middle_name, profile.last_name,
        profile.suffix, profile.degree)


async def name_versions(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[NameVersion]:
    rows = await conn.fetch(
        """SELECT version, effective_at, first_name, middle_name, last_name, suffix, degree FROM profile_versions
           WHERE learner_id = $1 ORDER BY version""", learner_id)
    return [NameVersion(**dict(r)) for r in rows]


async def hold_claim(conn: asyncpg.Connection, claim_id: uuid.UUID, learner_id: uuid.UUID, claim: str) -> None:
    await conn.execute("INSERT INTO pending_claims (claim_id, learner_id, claim) VALUES ($1, $2, $3::text::jsonb) "
                       "ON CONFLICT DO NOTHING", claim_id, learner_id, claim)


async def take_pending_claims(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("DELETE FROM pending_claims WHERE learner_id = $1 RETURNING claim", learner_id)
    return [r["claim"] for r in rows]


async def lock_merges(conn: asyncpg.Connection, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"SELECT {function}($1)", MERGE_LOCK)


async def survivor_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account holding `learner_id`'s records now: itself unless merged (one lookup: the table is kept flat)."""
    return await conn.fetchval(
        "SELECT coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = $1), $1::uuid)", learner_id)


async def record_merge(conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID,
                       merged_at: datetime) -> uuid.UUID:
    """Map the merged account to its survivor; returns the survivor on record (a redelivery keeps the first mapping).

    Accounts merged earlier into `merged_id` now point at the survivor too, so the table stays flat."""
    await conn.execute("INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3) "
                       "ON CONFLICT (merged_id) DO NOTHING", merged_id, surviving_id, merged_at)
    survivor = await conn.fetchval("SELECT surviving_id FROM merged_accounts WHERE merged_id = $1", merged_id)
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, survivor)
    return survivor


async def move_learner(conn: asyncpg.Connection, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Certificates and held claims change owner; content, PDF and profile versions stay as they are."""
    await conn.execute("UPDATE certificates SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)
    await conn.execute("UPDATE pending_claims SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)


async def next_number(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT nextval('certificate_numbers')")


async def insert_certificate(conn: asyncpg.Connection, *, certificate_id: uuid.UUID, number: str, code: str,
                             claim_id: uuid.UUID, learner_id: uuid.UUID, activity_id: uuid.UUID,
                             content: dict[str, Any], pdf: bytes, issued_at: datetime, completed_on: date) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO certificates (id, number, verification_code, claim_id, learner_id, activity_id, content, pdf,
               issued_at, completed_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (claim_id) DO NOTHING RETURNING true""",
        certificate_id, number, code, claim_id, learner_id, activity_id, content, pdf, issued_at, completed_on)
    return bool(inserted)


async def revoke(conn: asyncpg.Connection, claim_id: uuid.UUID, at: datetime, reason: str) -> None:
    await conn.execute("UPDATE certificates SET revoked_at = $2, revoked_reason = $3 WHERE claim_id = $1 "
                       "AND revoked_at IS NULL", claim_id, at, reason)


SUMMARY = "id, number, verification_code, claim_id, learner_id, activity_id, content, issued_at, revoked_at"


async def certificates_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {SUMMARY} FROM certificates WHERE learner_id = $1 ORDER BY issued_at DESC",
                            learner_id)


async def get_certificate(conn: asyncpg.Connection, certificate_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {SUMMARY} FROM certificates WHERE id = $1", certificate_id)


async def get_pdf(conn: asyncpg.Connection, certificate_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT learner_id, number, pdf FROM certificates WHERE id = $1", certificate_id)


async def by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {SUMMARY} FROM certificates WHERE verification_code = $1", code)


async def pdfs_by_id(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    rows = await conn.fetch("SELECT id, learner_id, number, pdf, revoked_at FROM certificates WHERE id = ANY($1)", ids)
    return {r["id"]: r for r in rows}


async def transcript_rows(conn: asyncpg.Connection, learner_id: uuid.UUID, since: date | None,
                          until: date | None) -> list[asyncpg.Record]:
    """The learner's valid certificates completed in [since, until] (either end open), oldest first."""
    return await conn.fetch(
        """SELECT id, number, content, completed_on FROM certificates
           WHERE learner_id = $1 AND revoked_at IS NULL
             AND ($2::date IS NULL OR completed_on >= $2) AND ($3::date IS NULL OR completed_on <= $3)
           ORDER BY completed_on, number""", learner_id, since, until)


async def newest_certificate_content(conn: asyncpg.Connection, learner_id: uuid.UUID) -> dict[str, Any] | None:
    return await conn.fetchval("SELECT content FROM certificates WHERE learner_id = $1 "
                               "ORDER BY issued_at DESC LIMIT 1", learner_id)
