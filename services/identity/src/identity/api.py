"""Identity HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from identity import schemas, service, tokens
from identity.config import Settings
from identity.kit.auth import CurrentUser, Principal, require_roles
from identity.kit.problems import Problem
from identity.kit.service import ConnDep

router = APIRouter()

AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _client_ip(request: Request) -> str | None:
    return service.client_ip_of(request.headers, request.client.host if request.client else None)


@router.get("/.well-known/jwks.json")
async def jwks(conn: ConnDep) -> dict[str, Any]:
    """Public keys that verify access tokens."""
    return await tokens.jwks(conn)


@router.post("/users", status_code=201, response_model=schemas.Profile)
async def sign_up(body: schemas.SignUp, conn: ConnDep, request: Request) -> schemas.Profile:
    """Create a learner account; a verification link goes to the email."""
    return await service.sign_up(conn=conn, request=body, settings=_settings(request), client_ip=_client_ip(request))


@router.post("/sessions", response_model=schemas.AccessToken)
async def sign_in(body: schemas.SignIn, conn: ConnDep, request: Request) -> schemas.AccessToken:
    """Sign in with any verified email and the password; answers a short-lived access token."""
    return await service.sign_in(conn=conn, request=body, settings=_settings(request), client_ip=_client_ip(request))


@router.get("/me", response_model=schemas.Profile)
async def my_profile(conn: ConnDep, user: CurrentUser) -> schemas.Profile:
    """The signed-in user's profile."""
    return await service.get_profile(conn=conn, user_id=user.id)


@router.put("/me", response_model=schemas.Profile)
async def edit_profile(body: schemas.ProfileUpdate, conn: ConnDep, user: CurrentUser) -> schemas.Profile:
    """Replace the signed-in user's profile; future certificates show the new name."""
    return await service.update_profile(conn=conn, user_id=user.id, request=body)


@router.get("/users/{user_id}", response_model=schemas.Profile)
async def profile_of(user_id: uuid.UUID, conn: ConnDep, user: CurrentUser) -> schemas.Profile:
    """A profile: one's own, or anyone's for support and admins."""
    if user.id != user_id and not user.has_any("support", "admin"):
        raise Problem(403, "Forbidden", "you may only see your own profile")
    return await service.get_profile(conn=conn, user_id=user_id)


@router.post("/password-resets", status_code=202, response_model=schemas.Accepted)
async def request_reset(body: schemas.ResetRequest, conn: ConnDep, request: Request) -> schemas.Accepted:
    """Ask for a password reset link; the answer is the same whether or not the email has an account."""
    await service.request_password_reset(conn=conn, request=body, settings=_settings(request),
                                         client_ip=_client_ip(request))
    return schemas.Accepted(detail="If the address can receive email, instructions are on their way to it.")


@router.post("/password-resets/confirm", status_code=204)
async def confirm_reset(body: schemas.ResetConfirm, conn: ConnDep, request: Request) -> None:
    """Set a new password with the single-use link's token."""
    await service.confirm_password_reset(conn=conn, request=body, client_ip=_client_ip(request))


@router.post("/email-verifications/{token}", status_code=204)
async def verify_email(token: str, conn: ConnDep) -> None:
    """Confirm an email address with the link's token."""
    await service.verify_email(conn=conn, token=token)


@router.post("/users/{user_id}/roles", response_model=schemas.Profile)
async def grant_role(user_id: uuid.UUID, body: schemas.RoleGrant, conn: ConnDep, admin: AdminOnly) -> schemas.Profile:
    """Grant a role (admin)."""
    return await service.grant_role(conn=conn, admin_id=admin.id, user_id=user_id, role=body.role, grant=True)


@router.delete("/users/{user_id}/roles/{role}", response_model=schemas.Profile)
async def remove_role(user_id: uuid.UUID, role: schemas.Role, conn: ConnDep, admin: AdminOnly) -> schemas.Profile:
    """Remove a role (admin)."""
    if role == "learner":
        raise Problem(422, "Invalid request", "every account keeps the learner role",
                      errors=[{"field": "role", "reason": "learner cannot be removed"}])
    return await service.grant_role(conn=conn, admin_id=admin.id, user_id=user_id, role=role, grant=False)
