"""Certificates HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from certificates import repository, schemas, service
from certificates.kit.auth import CurrentUser
from certificates.kit.service import ConnDep

router = APIRouter()


@router.get("/certificates/mine", response_model=list[schemas.Certificate])
async def my_certificates(conn: ConnDep, learner: CurrentUser) -> list[schemas.Certificate]:
    """The signed-in learner's certificates, newest first."""
    return [service.to_summary(r) for r in await repository.certificates_of(conn, learner.id)]


@router.get("/certificates/{certificate_id}", response_model=schemas.Certificate)
async def certificate(certificate_id: uuid.UUID, conn: ConnDep, user: CurrentUser) -> schemas.Certificate:
    """One certificate: its owner's, or any for support."""
    return await service.certificate_for(conn, user, certificate_id)


@router.get("/certificates/{certificate_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
async def certificate_pdf(certificate_id: uuid.UUID, conn: ConnDep, user: CurrentUser) -> Response:
    """The certificate's PDF exactly as issued."""
    number, pdf = await service.pdf_for(conn, user, certificate_id)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="certificate-{number}.pdf"', "Cache-Control": "private, no-store"})


@router.get("/verify/{code}", response_model=schemas.Verification)
async def verify(code: str, conn: ConnDep) -> schemas.Verification:
    """Public: confirm a certificate by the verification code printed on it."""
    return await service.verify(conn, code[:20])
