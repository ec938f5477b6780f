"""SQL of the certificates service; every function takes the connection it runs on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from certificates.domain import NameVersion


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


async def next_number(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT nextval('certificate_numbers')")


async def insert_certificate(conn: asyncpg.Connection, *, certificate_id: uuid.UUID, number: str, code: str,
                             claim_id: uuid.UUID, learner_id: uuid.UUID, activity_id: uuid.UUID,
                             content: dict[str, Any], pdf: bytes, issued_at: datetime) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO certificates (id, number, verification_code, claim_id, learner_id, activity_id, content, pdf,
               issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (claim_id) DO NOTHING
           RETURNING true""",
        certificate_id, number, code, claim_id, learner_id, activity_id, content, pdf, issued_at)
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
