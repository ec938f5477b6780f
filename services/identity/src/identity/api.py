"""Identity HTTP routes for learners: sign-up, sessions, profile, password, emails. Parse, call one use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from identity import credentials, emails, schemas, service, sessions, signin, tokens
from identity import organisation as organisation_settings
from identity.deps import BrowserDep, ClientIp, ConnDep, CurrentAccount, SettingsDep
from identity.schemas import EMAIL_PATH_PATTERN, TOKEN_PATTERN

router = APIRouter()

EmailPath = Annotated[str, Path(pattern=EMAIL_PATH_PATTERN)]
_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many attempts (problem+json; Retry-After says when to try again)"}
}
_CROSS_SITE: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "Cross-site request refused (problem+json): the session cookie needs X-OpenCME-Client: portal, "
        "and a portal request a same-origin Sec-Fetch-Site and the portal's Origin when the browser sends them"
    }
}
_SIGN_IN_REFUSED = {**_TOO_MANY, **_CROSS_SITE}
_REFRESH_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "The refresh token (or cookie) is missing, unknown, used or expired; the cookie is cleared"},
    **_CROSS_SITE,
}


@router.get("/.well-known/jwks.json", tags=["sessions"])
async def jwks(conn: ConnDep) -> dict[str, Any]:
    """Public keys that verify access tokens (every unretired key, a coming one included)."""
    return await tokens.jwks(conn)


@router.get("/organisation", response_model=schemas.Organisation, tags=["accounts"])
async def organisation(conn: ConnDep, settings: SettingsDep, response: Response) -> schemas.Organisation:
    """Who runs this portal, how to reach its help desk, its brand colour (public: the portal's footer and error
    pages)."""
    # Asked again on every visit: an admin's change shows on the next page load (the portal keeps it for the visit).
    response.headers["Cache-Control"] = "no-cache"
    return await organisation_settings.current(conn=conn, settings=settings)


@router.post("/users", status_code=201, response_model=schemas.Profile, tags=["accounts"])
async def sign_up(body: schemas.SignUp, conn: ConnDep, settings: SettingsDep, ip: ClientIp) -> schemas.Profile:
    """Create a learner account; a verification link goes to the email."""
    return await service.sign_up(conn=conn, request=body, settings=settings, client_ip=ip)


# --- sessions ---------------------------------------------------------------------------------------------


@router.post("/sessions", response_model=schemas.SessionTokens, responses=_SIGN_IN_REFUSED, tags=["sessions"])
async def sign_in(
    body: schemas.SignIn, conn: ConnDep, settings: SettingsDep, ip: ClientIp, browser: BrowserDep, response: Response
) -> schemas.SessionTokens:
    """Sign in with a verified (or the sign-up) email and the password: an access and a refresh token (the portal's
    in its cookie)."""
    issued = await signin.sign_in(conn=conn, request=body, settings=settings, client_ip=ip)
    return browser.hand_over(issued, response)


@router.post("/sessions/refresh", response_model=schemas.SessionTokens, responses=_REFRESH_REFUSED, tags=["sessions"])
async def refresh(
    conn: ConnDep,
    settings: SettingsDep,
    ip: ClientIp,
    browser: BrowserDep,
    response: Response,
    body: schemas.RefreshRequest | None = None,
) -> schemas.SessionTokens:
    """Exchange a refresh token (the body's, or the portal's cookie) for a new pair; a token used twice ends its whole
    session."""
    with browser.forgetting_refused_cookie():
        token = browser.refresh_token(body)
        issued = await sessions.refresh(conn=conn, refresh_token=token, settings=settings, client_ip=ip)
    return browser.hand_over(issued, response)


@router.post("/sessions/revoke", status_code=204, responses=_CROSS_SITE, tags=["sessions"])
async def revoke(
    conn: ConnDep, ip: ClientIp, browser: BrowserDep, response: Response, body: schemas.RefreshRequest | None = None
) -> None:
    """Sign out the session of a refresh token (the body's, or the portal's cookie, which is cleared); answers the
    same for any token."""
    await sessions.revoke_refresh_token(conn=conn, refresh_token=browser.token_to_revoke(body), client_ip=ip)
    browser.forget(response)


@router.delete("/sessions/current", status_code=204, responses=_CROSS_SITE, tags=["sessions"])
async def sign_out(
    conn: ConnDep, account: CurrentAccount, ip: ClientIp, browser: BrowserDep, response: Response
) -> None:
    """Sign out: the session of this access token ends, its refresh token stops working (the portal's cookie is
    cleared)."""
    await sessions.sign_out(conn=conn, user_id=account.id, session_id=account.session_id, client_ip=ip)
    browser.forget(response)


@router.delete("/sessions", status_code=204, responses=_CROSS_SITE, tags=["sessions"])
async def sign_out_everywhere(
    conn: ConnDep, account: CurrentAccount, ip: ClientIp, browser: BrowserDep, response: Response
) -> None:
    """Sign out everywhere: every session of the account ends (the portal's cookie is cleared)."""
    await sessions.sign_out_everywhere(conn=conn, user_id=account.id, client_ip=ip)
    browser.forget(response)


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


@router.post("/me/password", response_model=schemas.SessionTokens, responses=_SIGN_IN_REFUSED, tags=["accounts"])
async def change_password(
    body: schemas.PasswordChange,
    conn: ConnDep,
    account: CurrentAccount,
    settings: SettingsDep,
    ip: ClientIp,
    browser: BrowserDep,
    response: Response,
) -> schemas.SessionTokens:
    """Change the password (the current one is required); every session ends and this one gets new tokens (the
    portal's refresh token in its cookie)."""
    issued = await credentials.change_password(
        conn=conn, user_id=account.id, request=body, settings=settings, client_ip=ip
    )
    return browser.hand_over(issued, response)


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
async def verify_email(token: Annotated[str, Path(pattern=TOKEN_PATTERN)], conn: ConnDep) -> None:
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
