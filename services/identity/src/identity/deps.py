"""What identity's routes depend on: the connection, the settings, the caller's address, and who is calling (the
token checked against the account and session as they are now). How a browser holds its session is in browser.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from identity import domain, problems
from identity import sessions_repository as store
from identity.browser import Browser, ClientHeader, RefreshCookie
from identity.config import Settings
from identity.domain import Account
from opencme_kit.auth import CurrentUser
from opencme_kit.roles import Role
from opencme_kit.service import ConnDep, settings_of

__all__ = [
    "Account",
    "AdminOnly",
    "BrowserDep",
    "ClientIp",
    "ConnDep",
    "CurrentAccount",
    "SettingsDep",
    "SupportOnly",
]

SettingsDep = Annotated[Settings, Depends(settings_of)]


async def current_account(principal: CurrentUser, conn: ConnDep) -> Account:
    """Other services trust a token until it expires; identity, which owns accounts and sessions, also refuses one
    whose session was ended (sign-out, password reset) or whose account was merged away, and uses the roles the
    account has now rather than those it had when the token was issued."""
    session_id = principal.session_id
    state = await store.caller_state(conn, principal.id, session_id)
    if state is None or state["disabled_at"] is not None:
        raise problems.unauthorized("this account is not active; sign in again")
    if session_id is not None and state["session_revoked"] is not False:
        raise problems.unauthorized("this session has ended; sign in again")
    return Account(id=principal.id, roles=frozenset(state["roles"]), session_id=session_id)


def require(*roles: Role) -> Callable[[Account], Awaitable[Account]]:
    async def dependency(account: Annotated[Account, Depends(current_account)]) -> Account:
        if not account.has_any(*roles):
            raise problems.forbidden(f"this action needs one of the roles: {', '.join(roles)}")
        return account

    return dependency


def client_ip(request: Request) -> str | None:
    """The connection's address as the ASGI server gives it, and nothing a client sends: uvicorn runs with
    --proxy-headers --forwarded-allow-ips <the gateway>, so through the gateway it is the X-Forwarded-For the gateway
    set, and otherwise the connection's own. (An X-Real-IP or X-Forwarded-For a client sends itself is never read
    here: it would let anyone dodge the throttles and forge the audit log's addresses.)"""
    address = request.client.host if request.client else None
    return address[:64] if address else None


def browser(
    request: Request, settings: SettingsDep, client: ClientHeader = None, cookie: RefreshCookie = None
) -> Browser:
    """How the caller keeps its refresh token; a request that says it is the portal's must look same-origin (403)."""
    if client == domain.PORTAL_CLIENT:
        domain.check_portal_request(
            sec_fetch_site=request.headers.get("sec-fetch-site"),
            origin=request.headers.get("origin"),
            portal_origin=domain.origin_of(settings.portal_url),
        )
    return Browser(client=client, cookie=cookie, settings=settings)


CurrentAccount = Annotated[Account, Depends(current_account)]
SupportOnly = Annotated[Account, Depends(require(Role.SUPPORT, Role.ADMIN))]
AdminOnly = Annotated[Account, Depends(require(Role.ADMIN))]
ClientIp = Annotated[str | None, Depends(client_ip)]
BrowserDep = Annotated[Browser, Depends(browser)]
