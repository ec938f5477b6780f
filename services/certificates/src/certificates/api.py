"""Certificates HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from certificates import schemas, service, transcripts
from certificates.deps import ConnDep, CurrentUser, SettingsDep

router = APIRouter()

PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}
LearnerParam = Annotated[uuid.UUID | None, Query(description="Support and admin: the learner acted for.")]
FromParam = Annotated[date | None, Query(alias="from", description="First completion date included (YYYY-MM-DD).")]
ToParam = Annotated[date | None, Query(alias="to", description="Last completion date included (YYYY-MM-DD).")]
# An identifier, so an anchored pattern of what it may hold: it refuses every control character, NUL and overlong input.
CodeParam = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9 -]{1,40}$",
        description="As printed (7KQ2-M9XD-4TPA) or as typed: any case, dashes or spaces optional.",
    ),
]


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@router.get("/certificates/mine", response_model=list[schemas.Certificate])
async def my_certificates(conn: ConnDep, learner: CurrentUser) -> list[schemas.Certificate]:
    """The signed-in learner's current certificates, newest first (a superseded one only through its replacement)."""
    return await service.my_certificates(conn, learner)


@router.post("/certificates/bundle", response_class=Response, responses=PDF)
async def certificates_bundle(
    body: schemas.BundleRequest, conn: ConnDep, user: CurrentUser, learner_id: LearnerParam = None
) -> Response:
    """One PDF joining the chosen certificates' PDFs, unchanged and in the order given (1 to 100 ids, each once).

    Every id must be a certificate of the signed-in learner (support and admin: of the learner named by
    `learner_id`); otherwise 404 for the whole request, whichever id it was. A revoked or superseded certificate is
    refused with 409 naming it: it must not be printed as valid."""
    owner = await transcripts.learner_for(conn, user, learner_id)
    return _pdf(await transcripts.bundle(conn, owner, body.ids), "certificates.pdf")


@router.get("/transcript", response_model=schemas.Transcript)
async def transcript(
    conn: ConnDep,
    settings: SettingsDep,
    user: CurrentUser,
    since: FromParam = None,
    until: ToParam = None,
    learner_id: LearnerParam = None,
) -> schemas.Transcript:
    """The learner's valid (not revoked, not superseded) certificates completed between `from` and `to` (both
    optional, inclusive), oldest first, with totals per credit type. Support and admin may name another learner
    with `learner_id`."""
    owner = await transcripts.learner_for(conn, user, learner_id)
    return await transcripts.transcript(conn, owner, since, until, settings)


@router.get("/transcript.pdf", response_class=Response, responses=PDF)
async def transcript_pdf(
    conn: ConnDep,
    settings: SettingsDep,
    user: CurrentUser,
    since: FromParam = None,
    until: ToParam = None,
    learner_id: LearnerParam = None,
) -> Response:
    """The transcript (same content as `GET /transcript`) as a printable PDF, dated the day it is printed."""
    owner = await transcripts.learner_for(conn, user, learner_id)
    content = await transcripts.transcript(conn, owner, since, until, settings)
    return _pdf(await transcripts.transcript_pdf(conn, content), f"transcript-{content.printed_on.isoformat()}.pdf")


@router.get("/certificates/{certificate_id}", response_model=schemas.Certificate)
async def certificate(certificate_id: uuid.UUID, conn: ConnDep, user: CurrentUser) -> schemas.Certificate:
    """One certificate: its owner's, or any for support."""
    return await service.certificate_for(conn, user, certificate_id)


@router.get("/certificates/{certificate_id}/pdf", response_class=Response, responses=PDF)
async def certificate_pdf(certificate_id: uuid.UUID, conn: ConnDep, user: CurrentUser) -> Response:
    """The certificate's PDF exactly as issued (a superseded certificate's too: it is history)."""
    number, pdf = await service.pdf_for(conn, user, certificate_id)
    return _pdf(pdf, f"certificate-{number}.pdf")


@router.get("/verify/{code}", response_model=schemas.Verification)
async def verify(code: CodeParam, conn: ConnDep) -> schemas.Verification:
    """Public: confirm a certificate by the verification code printed on it, with what it says (the portal's page
    `/verify/<code>` shows it); a superseded one names the claim's current certificate (`superseded_by_number`)."""
    return await service.verify(conn, code)
