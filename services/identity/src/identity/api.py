"""Identity HTTP routes for learners: sign-up, sessions, profile, password, emails. Parse, call one use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from identity import credentials, emails, schemas, service, sessions, signin, tokens
from identity.deps import ClientIp, ConnDep, CurrentAccount, SettingsDep
from identity.schemas import PRINTABLE

router = APIRouter()

EmailPath = Annotated[str, Path(max_length=320, pattern=PRINTABLE)]
_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many attempts (problem+json; Retry-After says when to try again)"}
}


@router.get("/.well-known/jwks.json", tags=["sessions"])
async def jwks(conn: ConnDep) -> dict[str, Any]:
    """Public keys that verify access tokens (every unretired key, a coming one included)."""
    return await tokens.jwks(conn)


@router.post("/users", status_code=201, response_model=schemas.Profile, tags=["accounts"])
async def sign_up(body: schemas.SignUp, conn: ConnDep, settings: SettingsDep, ip: ClientIp) -> schemas.Profile:
    """Create a learner account; a verification link goes to the email."""
    return await service.sign_up(conn=conn, request=body, settings=settings, client_ip=ip)


# --- sessions ---------------------------------------------------------------------------------------------


@router.post("/sessions", response_model=schemas.SessionTokens, responses=_TOO_MANY, tags=["sessions"])
async def sign_in(body: schemas.SignIn, conn: ConnDep, settings: SettingsDep, ip: ClientIp) -> schemas.SessionTokens:
    """Sign in with a verified (or the sign-up) email and the password: an access and a refresh token."""
    return await signin.sign_in(conn=conn, request=body, settings=settings, client_ip=ip)


@router.post("/sessions/refresh", response_model=schemas.SessionTokens, tags=["sessions"])
async def refresh(
    body: schemas.RefreshRequest, conn: ConnDep, settings: SettingsDep, ip: ClientIp
) -> schemas.SessionTokens:
    """Exchange a refresh token for a new pair; a token used twice ends its whole session."""
    return await sessions.refresh(conn=conn, request=body, settings=settings, client_ip=ip)


@router.post("/sessions/revoke", status_code=204, tags=["sessions"])
async def revoke(body: schemas.RefreshRequest, conn: ConnDep, ip: ClientIp) -> None:
    """Sign out the session of a refresh token (answers the same for any token)."""
    await sessions.revoke_refresh_token(conn=conn, request=body, client_ip=ip)


@router.delete("/sessions/current", status_code=204, tags=["sessions"])
async def sign_out(conn: ConnDep, account: CurrentAccount, ip: ClientIp) -> None:
    """Sign out: the session of this access token ends, its refresh token stops working."""
    await sessions.sign_out(conn=conn, user_id=account.id, session_id=account.session_id, client_ip=ip)


@router.delete("/sessions", status_code=204, tags=["sessions"])
async def sign_out_everywhere(conn: ConnDep, account: CurrentAccount, ip: ClientIp) -> None:
    """Sign out everywhere: every session of the account ends."""
    await sessions.sign_out_everywhere(conn=conn, user_id=account.id, client_ip=ip)


@router.get("/me/sessions", response_model=list[schemas.SessionInfo], tags=["sessions"])
async def my_sessions(conn: ConnDep, account: CurrentAccount) -> list[schemas.SessionInfo]:
    """The signed-in user's live sessions."""
    return await sessions.list_sessions(conn=conn, user_id=account.id, current=account.session_id)


@router.delete("/me/sessions/{session_id}", status_code=204, tags=["sessions"])
async def end_my_session(session_id: uuid.UUID, conn: ConnDep, account: CurrentAccount, ip: ClientIp) -> None:
    """End one of the signed-in user's sessions."""
    await sessions.end_session(conn=conn, user_id=account.id, session_id=session_id, client_ip=ip)


# --- profile and password ---------------------------------------------------------------------------------


@router.get("/me", response_model=schemas.Profile, tags=["accounts"])
async def my_profile(conn: ConnDep, account: CurrentAccount) -> schemas.Profile:
    """The signed-in user's profile."""
    return await service.get_profile(conn=conn, user_id=account.id)


@router.put("/me", response_model=schemas.Profile, tags=["accounts"])
async def edit_profile(body: schemas.ProfileUpdate, conn: ConnDep, account: CurrentAccount) -> schemas.Profile:
    """Replace the signed-in user's profile; future certificates show the new name."""
    return await service.update_profile(conn=conn, user_id=account.id, request=body)


@router.get("/users/{user_id}", response_model=schemas.Profile, tags=["accounts"])
async def profile_of(user_id: uuid.UUID, conn: ConnDep, account: CurrentAccount) -> schemas.Profile:
    """A profile: one's own, or anyone's for support and admins."""
    return await service.profile_for(conn=conn, viewer=account, user_id=user_id)


@router.post("/me/password", response_model=schemas.SessionTokens, responses=_TOO_MANY, tags=["accounts"])
async def change_password(
    body: schemas.PasswordChange, conn: ConnDep, account: CurrentAccount, settings: SettingsDep, ip: ClientIp
) -> schemas.SessionTokens:
    """Change the password (the current one is required); every session ends and this one gets new tokens."""
    return await credentials.change_password(
        conn=conn, user_id=account.id, request=body, settings=settings, client_ip=ip
    )


@router.post(
    "/password-resets", status_code=202, response_model=schemas.Accepted, responses=_TOO_MANY, tags=["accounts"]
)
async def request_reset(
    body: schemas.ResetRequest, conn: ConnDep, settings: SettingsDep, ip: ClientIp
) -> schemas.Accepted:
    """Ask for a password reset link; the answer is the same whether or not the email has an account."""
    await credentials.request_password_reset(conn=conn, email=str(body.email), settings=settings, client_ip=ip)
    return schemas.Accepted(detail="If the address can receive email, instructions are on their way to it.")


@router.post("/password-resets/confirm", status_code=204, tags=["accounts"])
async def confirm_reset(body: schemas.ResetConfirm, conn: ConnDep, ip: ClientIp) -> None:
    """Set a new password with the single-use link's token; every session of the account ends."""
    await credentials.confirm_password_reset(conn=conn, request=body, client_ip=ip)


# --- email addresses --------------------------------------------------------------------------------------


@router.post("/email-verifications/{token}", status_code=204, tags=["emails"])
async def verify_email(token: Annotated[str, Path(max_length=200, pattern=PRINTABLE)], conn: ConnDep) -> None:
    """Confirm an email address with the link's token."""
    await service.verify_email(conn=conn, token=token)


@router.get("/me/emails", response_model=list[schemas.EmailInfo], tags=["emails"])
async def my_emails(conn: ConnDep, account: CurrentAccount) -> list[schemas.EmailInfo]:
    """The signed-in user's email addresses."""
    return await emails.list_emails(conn=conn, user_id=account.id)


@router.post("/me/emails", status_code=201, response_model=list[schemas.EmailInfo], tags=["emails"])
async def add_email(
    body: schemas.EmailAdd, conn: ConnDep, account: CurrentAccount, settings: SettingsDep, ip: ClientIp
) -> list[schemas.EmailInfo]:
    """Add an address and email it a verification link; it counts (sign-in, claims recorded under it) once
    verified."""
    return await emails.add_email(conn=conn, user_id=account.id, request=body, settings=settings, client_ip=ip)


@router.post("/me/emails/{email}/verification", status_code=202, response_model=schemas.Accepted, tags=["emails"])
async def resend_verification(
    email: EmailPath, conn: ConnDep, account: CurrentAccount, settings: SettingsDep
) -> schemas.Accepted:
    """Send a new verification link to one of the signed-in user's unverified addresses."""
    await emails.resend_verification(conn=conn, user_id=account.id, email=email, settings=settings)
    return schemas.Accepted(detail="A new verification link is on its way to the address; older ones no longer work.")


@router.post("/me/emails/{email}/primary", response_model=list[schemas.EmailInfo], tags=["emails"])
async def make_primary(
    email: EmailPath, conn: ConnDep, account: CurrentAccount, ip: ClientIp
) -> list[schemas.EmailInfo]:
    """Make a verified address the primary one (where emails go)."""
    return await emails.make_primary(conn=conn, user_id=account.id, email=email, client_ip=ip)


@router.delete("/me/emails/{email}", status_code=204, tags=["emails"])
async def remove_email(email: EmailPath, conn: ConnDep, account: CurrentAccount, ip: ClientIp) -> None:
    """Remove an address (not the primary one, never the last verified one)."""
    await emails.remove_email(conn=conn, user_id=account.id, email=email, client_ip=ip)
