"""The learner's transcript (rows and totals per credit type, as JSON or PDF) and bundles of their certificate PDFs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from certificates import domain, repository, schemas
from certificates.bundling import combine_pdfs
from certificates.config import Settings
from certificates.transcript_pages import (
    TranscriptCredit,
    TranscriptDocument,
    TranscriptRow,
    missing_rows,
    print_transcript,
    render_strips,
    transcript_fingerprint,
)
from opencme_kit import db, errors, merges
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow
from opencme_kit.problems import Problem
from opencme_kit.roles import Role


async def learner_for(conn: db.Connection, principal: Principal, learner_id: uuid.UUID | None) -> uuid.UUID:
    """Whose records the request is about: the caller's own, or (support and admin only) the learner named.

    Support may name an account that was merged: its records are the survivor's now."""
    if learner_id is None or learner_id == principal.id:
        return principal.id
    if not principal.has_any(Role.SUPPORT, Role.ADMIN):
        raise errors.Forbidden("learner_id", "only support may act for another learner")
    return await merges.survivor_of(conn, learner_id)


async def bundle(conn: db.Connection, owner: uuid.UUID, ids: list[uuid.UUID]) -> bytes:
    """One PDF of the learner's certificates in the order asked, each frozen PDF copied unchanged."""
    found = await repository.with_pdfs(conn, ids)
    # One answer for all that are missing or someone else's: which ids exist is nobody else's business.
    if any(i not in found or found[i][0].owner_id != owner for i in ids):
        raise errors.NotFound(None, "one or more certificates not found")
    for position, certificate_id in enumerate(ids):
        certificate, _ = found[certificate_id]
        if certificate.status != "valid":
            raise _not_printable(f"ids.{position}", certificate)  # dotted, as every problem names a field
    return await asyncio.to_thread(combine_pdfs, [found[i][1] for i in ids])  # CPU-bound: keep the loop free


def _not_printable(field: str, certificate: domain.Certificate) -> Problem:
    """409: a revoked or superseded certificate must not be printed as valid. A Problem rather than an errors.Conflict
    because clients read `certificate_id` (and `superseded_by`) beside `errors`, and the kit's refusals carry no such
    extension members yet."""
    named = f"certificate {certificate.id} ({certificate.number})"
    extra: dict[str, Any] = {}  # the problem's members beside `errors`
    if certificate.status == "revoked":
        reason = f"{named} was revoked and is not valid"
    else:
        reason = f"{named} was replaced by certificate {certificate.superseded_by}; print the replacement"
        extra = {"superseded_by": str(certificate.superseded_by)}
    return Problem(
        409,
        "Conflict",
        f"{field}: {reason}",
        errors=[{"field": field, "reason": reason}],
        certificate_id=str(certificate.id),
        **extra,
    )


def _totals(rows: list[schemas.TranscriptRow]) -> list[schemas.CreditTotal]:
    """Sum per credit type, in the order the types first appear (oldest activity first)."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        for credit in row.credits:
            sums[credit.credit_type] = sums.get(credit.credit_type, Decimal(0)) + Decimal(credit.amount)
    return [
        schemas.CreditTotal(
            credit_type=t,
            label=domain.credit_label(t),
            amount=f"{amount:.2f}",
            **schemas.as_printed(domain.credit_label(t), amount),
        )
        for t, amount in sums.items()
    ]


async def transcript(
    conn: db.Connection, owner: uuid.UUID, since: date | None, until: date | None, settings: Settings
) -> schemas.Transcript:
    domain.check_period(since, until)
    rows = [
        schemas.TranscriptRow(
            certificate_id=c.id,
            certificate_number=c.number,
            activity_title=c.content.activity_title,
            activity_format=c.content.activity_format or None,
            completed_on=c.completed_on,
            credits=[schemas.CreditLine.of(credit) for credit in c.content.credits],
        )
        for c in await repository.transcript_certificates(conn, owner, since, until)
    ]
    newest = await repository.newest_content(conn, owner)
    # The current name: the newest profile version we hold, else the name on the newest certificate.
    versions = await repository.name_versions(conn, owner)
    if versions:
        name, degree = versions[-1].full_name, versions[-1].degree
    elif newest is not None:
        name, degree = newest.learner_name, newest.learner_degree
    else:
        name, degree = None, None
    return schemas.Transcript(
        learner_id=owner,
        learner_name=name,
        learner_degree=degree,
        provider_name=newest.provider_name if newest is not None else settings.provider_name,
        period_from=since,
        period_to=until,
        printed_on=utcnow().date(),
        rows=rows,
        totals=_totals(rows),
    )


def document_of(t: schemas.Transcript) -> TranscriptDocument:
    def credits(lines: list[schemas.CreditLine] | list[schemas.CreditTotal]) -> tuple[TranscriptCredit, ...]:
        return tuple(TranscriptCredit(label=c.label, amount=Decimal(c.amount)) for c in lines)

    return TranscriptDocument(
        learner_name=t.learner_name,
        learner_degree=t.learner_degree,
        provider_name=t.provider_name,
        period_from=t.period_from,
        period_to=t.period_to,
        printed_on=t.printed_on,
        totals=credits(t.totals),
        rows=tuple(
            TranscriptRow(
                certificate_number=r.certificate_number,
                activity_title=r.activity_title,
                activity_format=r.activity_format,
                completed_on=r.completed_on,
                credits=credits(r.credits),
            )
            for r in t.rows
        ),
    )


async def transcript_pdf(conn: db.Connection, t: schemas.Transcript) -> bytes:
    """The PDF of `t`: drawn once, then served from the cache for as long as nothing it shows changes (its fingerprint
    covers every field, the printing day included, and the templates).

    Drawn from the strips of its rows (transcript_pages.py), usually drawn ahead by the worker after the learner's
    certificates changed (transcripts_ahead.py); a row without one is drawn now and its strip kept."""
    document = document_of(t)
    fingerprint = transcript_fingerprint(document)
    pdf = await repository.cached_transcript(conn, t.learner_id, fingerprint)
    if pdf is None:
        sheets = await repository.strip_sheets(conn, t.learner_id)
        missing = missing_rows(document.rows, sheets)
        if missing:
            sheet = await asyncio.to_thread(render_strips, missing)  # CPU-bound: keep the loop free
            await repository.keep_strip_sheet(conn, t.learner_id, sheet)
            sheets.append(sheet)
        pdf = await asyncio.to_thread(print_transcript, document, sheets)
        await repository.cache_transcript(conn, t.learner_id, fingerprint, pdf)
    return pdf
