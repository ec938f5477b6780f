"""SQL of the certificates service; every function takes the connection it runs on and answers in domain objects.

Merged accounts (which account holds a learner's records now, and its lock) are the kit's: `opencme_kit.merges`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from asyncpg import Record

from certificates.content import CertificateContent
from certificates.domain import Basis, Certificate, NameVersion
from certificates.transcript_pages import StripSheet
from opencme_contracts import events
from opencme_kit import db


async def add_profile_version(
    conn: db.Connection,
    *,
    learner_id: uuid.UUID,
    version: int,
    effective_at: datetime,
    profile: events.LearnerProfile,
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


async def name_versions(conn: db.Connection, learner_id: uuid.UUID) -> list[NameVersion]:
    rows = await conn.fetch(
        """SELECT version, effective_at, first_name, middle_name, last_name, suffix, degree FROM profile_versions
           WHERE learner_id = $1 ORDER BY version""",
        learner_id,
    )
    return [NameVersion(**dict(r)) for r in rows]


async def hold_claim(conn: db.Connection, claim: events.CreditClaimed, owner: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO pending_claims (claim_id, learner_id, claim) VALUES ($1, $2, $3::text::jsonb) "
        "ON CONFLICT DO NOTHING",
        claim.claim_id,
        owner,
        claim.model_dump_json(),
    )


async def take_pending_claims(conn: db.Connection, owner: uuid.UUID) -> list[events.CreditClaimed]:
    rows = await conn.fetch("DELETE FROM pending_claims WHERE learner_id = $1 RETURNING claim", owner)
    return [events.CreditClaimed.model_validate(r["claim"]) for r in rows]


async def move_learner(conn: db.Connection, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Certificates and held claims change owner; content, PDF and profile versions stay as they are."""
    await conn.execute("UPDATE certificates SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)
    await conn.execute("UPDATE pending_claims SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)
    await conn.execute("DELETE FROM transcript_cache WHERE learner_id = $1", from_id)  # printed under the old account
    # A row's strip is the same whoever's transcript shows it: the survivor's prints use the merged account's.
    await conn.execute("UPDATE transcript_strips SET learner_id = $2 WHERE learner_id = $1", from_id, to_id)


async def has_current_certificate(conn: db.Connection, claim_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval("SELECT true FROM certificates WHERE claim_id = $1 AND superseded_by IS NULL", claim_id)
    )


async def drop_pending_claim(conn: db.Connection, claim_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("DELETE FROM pending_claims WHERE claim_id = $1 RETURNING true", claim_id))


async def next_number(conn: db.Connection) -> int:
    number: int = await conn.fetchval("SELECT nextval('certificate_numbers')")
    return number


async def insert_certificate(conn: db.Connection, certificate: Certificate, pdf: bytes) -> bool:
    """Store a certificate; False if its claim already has a current one (a redelivered claim)."""
    basis = certificate.basis
    inserted = await conn.fetchval(
        """INSERT INTO certificates (id, number, verification_code, claim_id, learner_id, activity_id, content, pdf,
               issued_at, completed_on, claimant_id, claimed_at, profile_learner_id, profile_version,
               replaces_certificate_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (claim_id) WHERE superseded_by IS NULL DO NOTHING RETURNING true""",
        certificate.id,
        certificate.number,
        certificate.verification_code,
        certificate.claim_id,
        certificate.owner_id,
        certificate.activity_id,
        certificate.content.to_stored(),
        pdf,
        certificate.issued_at,
        certificate.completed_on,
        basis.claimant_id if basis else None,
        basis.claimed_at if basis else None,
        basis.profile_learner_id if basis else None,
        basis.profile_version if basis else None,
        certificate.replaces,
    )
    return bool(inserted)


async def mark_superseded(conn: db.Connection, certificate_id: uuid.UUID, by: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE certificates SET superseded_by = $2 WHERE id = $1 AND superseded_by IS NULL", certificate_id, by
    )


async def revoke(conn: db.Connection, claim_id: uuid.UUID, at: datetime, reason: str) -> None:
    """Revoke the claim's current certificate; superseded ones are history and already not valid."""
    await conn.execute(
        "UPDATE certificates SET revoked_at = $2, revoked_reason = $3 WHERE claim_id = $1 "
        "AND revoked_at IS NULL AND superseded_by IS NULL",
        claim_id,
        at,
        reason,
    )


# Everything of a certificate but its PDF: what _certificate reads.
_COLUMNS = (
    "id", "number", "verification_code", "claim_id", "learner_id", "activity_id", "content", "issued_at",
    "completed_on", "claimant_id", "claimed_at", "profile_learner_id", "profile_version", "revoked_at",
    "superseded_by", "replaces_certificate_id",
)  # fmt: skip
COLUMNS = ", ".join(_COLUMNS)
_OF_C = ", ".join(f"c.{column}" for column in _COLUMNS)  # the same, of a table named c


def _certificate(row: Record) -> Certificate:
    basis = None
    if row["claimed_at"] is not None:
        basis = Basis(row["claimant_id"], row["claimed_at"], row["profile_learner_id"], row["profile_version"])
    return Certificate(
        id=row["id"],
        number=row["number"],
        verification_code=row["verification_code"],
        claim_id=row["claim_id"],
        owner_id=row["learner_id"],
        activity_id=row["activity_id"],
        content=CertificateContent.from_stored(row["content"]),
        issued_at=row["issued_at"],
        completed_on=row["completed_on"],
        basis=basis,
        revoked_at=row["revoked_at"],
        superseded_by=row["superseded_by"],
        replaces=row["replaces_certificate_id"],
    )


async def replaceable(conn: db.Connection, learner_id: uuid.UUID, since: datetime) -> list[Certificate]:
    """Current, unrevoked certificates claimed at or after `since` whose name may come from `learner_id`'s profile:
    claimed by them, or held by them (a merged account's claim may borrow the survivor's name)."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM certificates
            WHERE (claimant_id = $1 OR learner_id = $1) AND superseded_by IS NULL AND revoked_at IS NULL
              AND claimed_at >= $2
            ORDER BY claimed_at FOR UPDATE""",
        learner_id,
        since,
    )
    return [_certificate(r) for r in rows]


async def certificates_of(conn: db.Connection, owner: uuid.UUID) -> list[Certificate]:
    """The learner's current certificates (a superseded one is listed through its replacement), newest first."""
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM certificates WHERE learner_id = $1 AND superseded_by IS NULL ORDER BY issued_at DESC",
        owner,
    )
    return [_certificate(r) for r in rows]


async def get_certificate(conn: db.Connection, certificate_id: uuid.UUID) -> Certificate | None:
    row = await conn.fetchrow(f"SELECT {COLUMNS} FROM certificates WHERE id = $1", certificate_id)
    return _certificate(row) if row is not None else None


async def with_pdfs(conn: db.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Certificate, bytes]]:
    """The certificates among `ids` that exist, each with its PDF as issued."""
    rows = await conn.fetch(f"SELECT {COLUMNS}, pdf FROM certificates WHERE id = ANY($1)", ids)
    return {r["id"]: (_certificate(r), r["pdf"]) for r in rows}


async def by_code(conn: db.Connection, code: str) -> tuple[Certificate, str | None, str | None] | None:
    """The certificate with this code; with the number of the claim's current certificate if it was superseded, and
    the number of the certificate it replaced, if any."""
    row = await conn.fetchrow(
        f"""SELECT {_OF_C}, current.number AS current_number, replaced.number AS replaced_number
           FROM certificates c
           LEFT JOIN certificates current ON c.superseded_by IS NOT NULL AND current.claim_id = c.claim_id
                AND current.superseded_by IS NULL
           LEFT JOIN certificates replaced ON replaced.id = c.replaces_certificate_id
           WHERE c.verification_code = $1""",
        code,
    )
    return None if row is None else (_certificate(row), row["current_number"], row["replaced_number"])


async def transcript_certificates(
    conn: db.Connection, owner: uuid.UUID, since: date | None, until: date | None
) -> list[Certificate]:
    """The learner's valid certificates completed in [since, until] (either end open), oldest first."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM certificates
            WHERE learner_id = $1 AND revoked_at IS NULL AND superseded_by IS NULL
              AND ($2::date IS NULL OR completed_on >= $2) AND ($3::date IS NULL OR completed_on <= $3)
            ORDER BY completed_on, number""",
        owner,
        since,
        until,
    )
    return [_certificate(r) for r in rows]


async def newest_content(conn: db.Connection, owner: uuid.UUID) -> CertificateContent | None:
    """The content of the learner's newest current certificate."""
    stored = await conn.fetchval(
        "SELECT content FROM certificates WHERE learner_id = $1 AND superseded_by IS NULL "
        "ORDER BY issued_at DESC LIMIT 1",
        owner,
    )
    return CertificateContent.from_stored(stored) if stored is not None else None


TRANSCRIPTS_KEPT = 8  # per learner: the periods and days they print most recently, as printed


async def cached_transcript(conn: db.Connection, learner_id: uuid.UUID, fingerprint: bytes) -> bytes | None:
    pdf: bytes | None = await conn.fetchval(
        "SELECT pdf FROM transcript_cache WHERE learner_id = $1 AND fingerprint = $2", learner_id, fingerprint
    )
    return pdf


async def cache_transcript(conn: db.Connection, learner_id: uuid.UUID, fingerprint: bytes, pdf: bytes) -> None:
    """Keep the PDF, and only the learner's newest few (two requests that both rendered it store it once)."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO transcript_cache (learner_id, fingerprint, pdf) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            learner_id,
            fingerprint,
            pdf,
        )
        await conn.execute(
            "DELETE FROM transcript_cache WHERE learner_id = $1 AND fingerprint NOT IN ("
            "  SELECT fingerprint FROM transcript_cache WHERE learner_id = $1 ORDER BY rendered_at DESC LIMIT $2)",
            learner_id,
            TRANSCRIPTS_KEPT,
        )


async def strip_sheets(conn: db.Connection, learner_id: uuid.UUID) -> list[StripSheet]:
    """The learner's sheets of transcript strips, oldest first."""
    rows = await conn.fetch(
        "SELECT pdf, rows, heights FROM transcript_strips WHERE learner_id = $1 ORDER BY sheet", learner_id
    )
    return [StripSheet(r["pdf"], tuple(r["rows"]), tuple(r["heights"])) for r in rows]


async def keep_strip_sheet(
    conn: db.Connection, learner_id: uuid.UUID, sheet: StripSheet, *, only: bool = False
) -> None:
    """Keep `sheet` among the learner's; with `only`, instead of every sheet they had (it has all their rows)."""
    async with conn.transaction():
        kept = await conn.fetchval(
            "INSERT INTO transcript_strips (learner_id, rows, heights, pdf) VALUES ($1, $2, $3, $4) RETURNING sheet",
            learner_id,
            list(sheet.rows),
            list(sheet.heights),
            sheet.pdf,
        )
        if only:
            await conn.execute("DELETE FROM transcript_strips WHERE learner_id = $1 AND sheet < $2", learner_id, kept)


@dataclass(frozen=True)
class TranscriptChange:
    learner_id: uuid.UUID
    changed_at: datetime  # the latest change
    wait: float  # seconds until it has been quiet long enough (zero or less: now)


async def oldest_transcript_change(conn: db.Connection, quiet_seconds: float) -> TranscriptChange | None:
    """The learner whose transcript changed longest ago (migration 007's trigger notes every change), or None."""
    row = await conn.fetchrow(
        "SELECT learner_id, changed_at, "
        "       extract(epoch FROM changed_at + make_interval(secs => $1) - clock_timestamp())::float8 AS wait "
        "FROM transcripts_changed ORDER BY changed_at LIMIT 1",
        quiet_seconds,
    )
    return TranscriptChange(row["learner_id"], row["changed_at"], row["wait"]) if row is not None else None


async def forget_small_transcript_changes(conn: db.Connection, quiet_seconds: float, min_rows: int) -> int:
    """Done, in one statement, with every quiet change of a learner whose transcript lists fewer than `min_rows`
    certificates (most learners: nothing to draw ahead); how many. A change noted meanwhile is not quiet: it stays."""
    status = await conn.execute(
        """DELETE FROM transcripts_changed c
           WHERE c.changed_at <= clock_timestamp() - make_interval(secs => $1)
             AND (SELECT count(*) FROM certificates
                  WHERE learner_id = coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = c.learner_id),
                                              c.learner_id)
                    AND revoked_at IS NULL AND superseded_by IS NULL) < $2""",
        quiet_seconds,
        min_rows,
    )
    return int(status.split()[-1])


async def transcript_change_seen(conn: db.Connection, change: TranscriptChange) -> None:
    """Done with `change`; a change noted since stays (its transcript is rendered again)."""
    await conn.execute(
        "DELETE FROM transcripts_changed WHERE learner_id = $1 AND changed_at = $2",
        change.learner_id,
        change.changed_at,
    )
