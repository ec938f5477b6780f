"""The learner's transcript (rows and totals per credit type, as JSON or PDF) and bundles of their certificate PDFs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from certificates import domain, repository, schemas
from certificates.config import Settings
from certificates.rendering import (
    TranscriptCredit,
    TranscriptDocument,
    TranscriptRow,
    combine_pdfs,
    render_transcript_pdf,
)
from opencme_kit.auth import Principal
from opencme_kit.problems import Problem, field_problem, not_found


async def learner_for(conn: asyncpg.Connection, principal: Principal, learner_id: uuid.UUID | None) -> uuid.UUID:
    """Whose records the request is about: the caller's own, or (support and admin only) the learner named.

    Support may name an account that was merged: its records are the survivor's now."""
    if learner_id is None or learner_id == principal.id:
        return principal.id
    if not principal.has_any("support", "admin"):
        raise Problem(
            403,
            "Forbidden",
            "learner_id: only support may act for another learner",
            errors=[{"field": "learner_id", "reason": "only support may act for another learner"}],
        )
    return await repository.survivor_of(conn, learner_id)


async def bundle(conn: asyncpg.Connection, learner_id: uuid.UUID, ids: list[uuid.UUID]) -> bytes:
    """One PDF of the learner's certificates in the order asked, each frozen PDF copied unchanged."""
    found = await repository.pdfs_by_id(conn, ids)
    # One answer for all that are missing or someone else's: which ids exist is nobody else's business.
    if any(i not in found or found[i]["learner_id"] != learner_id for i in ids):
        raise not_found("one or more certificates")
    for position, certificate_id in enumerate(ids):
        if found[certificate_id]["revoked_at"] is not None:
            reason = f"certificate {certificate_id} ({found[certificate_id]['number']}) was revoked and is not valid"
            raise Problem(
                409,
                "Conflict",
                f"ids[{position}]: {reason}",
                errors=[{"field": f"ids[{position}]", "reason": reason}],
                certificate_id=str(certificate_id),
            )
        if (replacement := found[certificate_id]["superseded_by"]) is not None:
            reason = (
                f"certificate {certificate_id} ({found[certificate_id]['number']}) was replaced by certificate "
                f"{replacement}; print the replacement"
            )
            raise Problem(
                409,
                "Conflict",
                f"ids[{position}]: {reason}",
                errors=[{"field": f"ids[{position}]", "reason": reason}],
                certificate_id=str(certificate_id),
                superseded_by=str(replacement),
            )
    return await asyncio.to_thread(combine_pdfs, [found[i]["pdf"] for i in ids])  # CPU-bound: keep the loop free


def check_period(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise field_problem("from", f"must not be after 'to' ({until.isoformat()})")


def _credit_lines(content: dict[str, Any]) -> list[schemas.CreditLine]:
    return [
        schemas.CreditLine(credit_type=c["credit_type"], label=c["label"], amount=c["amount"])
        for c in content["credits"]
    ]


def _totals(rows: list[schemas.TranscriptRow]) -> list[schemas.CreditTotal]:
    """Sum per credit type, in the order the types first appear (oldest activity first)."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        for credit in row.credits:
            sums[credit.credit_type] = sums.get(credit.credit_type, Decimal(0)) + Decimal(credit.amount)
    return [
        schemas.CreditTotal(credit_type=t, label=domain.credit_label(t), amount=f"{amount:.2f}")
        for t, amount in sums.items()
    ]


async def transcript(
    conn: asyncpg.Connection, learner_id: uuid.UUID, since: date | None, until: date | None, settings: Settings
) -> schemas.Transcript:
    check_period(since, until)
    records = await repository.transcript_rows(conn, learner_id, since, until)
    rows = [
        schemas.TranscriptRow(
            certificate_id=r["id"],
            certificate_number=r["number"],
            activity_title=r["content"]["activity_title"],
            activity_format=r["content"].get("activity_format") or None,
            completed_on=r["completed_on"],
            credits=_credit_lines(r["content"]),
        )
        for r in records
    ]
    newest = await repository.newest_certificate_content(conn, learner_id)
    # The current name: the newest profile version we hold, else the name on the newest certificate.
    versions = await repository.name_versions(conn, learner_id)
    if versions:
        name, degree = versions[-1].full_name, versions[-1].degree
    elif newest is not None:
        name, degree = newest["learner_name"], newest.get("learner_degree")
    else:
        name, degree = None, None
    return schemas.Transcript(
        learner_id=learner_id,
        learner_name=name,
        learner_degree=degree,
        provider_name=newest["provider_name"] if newest is not None else settings.provider_name,
        period_from=since,
        period_to=until,
        printed_on=datetime.now(UTC).date(),
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


async def transcript_pdf(t: schemas.Transcript) -> bytes:
    return await asyncio.to_thread(render_transcript_pdf, document_of(t))  # CPU-bound: keep the loop free
