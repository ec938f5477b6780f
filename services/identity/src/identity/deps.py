"""Who is calling identity: the token checked against the account and session as they are now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from identity import errors
from identity import repository_sessions as store
from identity.config import Settings
from opencme_kit.auth import CurrentUser
from opencme_kit.service import ConnDep

__all__ = ["AdminOnly", "ClientIp", "ConnDep", "CurrentAccount", "SettingsDep", "SupportOnly"]


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    roles: frozenset[str]
    session_id: uuid.UUID | None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


async def current_account(principal: CurrentUser, conn: ConnDep) -> Account:
    """Other services trust a token until it expires; identity, which owns accounts and sessions, also refuses one
    whose session was ended (sign-out, password reset) or whose account was merged away, and uses the roles the
    account has now rather than those it had when the token was issued."""
    session_id = principal.session_id
    state = await store.caller_state(conn, principal.id, session_id)
    if state is None or state["disabled_at"] is not None:
        raise errors.unauthorized("this account is not active; sign in again")
    if session_id is not None and state["session_revoked"] is not False:
        raise errors.unauthorized("this session has ended; sign in again")
    return Account(id=principal.id, roles=frozenset(state["roles"]), session_id=session_id)


def require(*roles: str):
    async def dependency(account: Annotated[Account, Depends(current_account)]) -> Account:
        if not account.has_any(*roles):
            raise errors.forbidden(f"this action needs one of the roles: {', '.join(roles)}")
        return account

    return dependency


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def client_ip(request: Request) -> str | None:
    """The caller's address as the gateway saw it (X-Real-IP), else the connection's."""
    settings: Settings = request.app.state.settings
    forwarded = request.headers.get("x-real-ip") if settings.trust_x_real_ip else None
    address = forwarded or (request.client.host if request.client else None)
    return address[:64] if address else None


CurrentAccount = Annotated[Account, Depends(current_account)]
SupportOnly = Annotated[Account, Depends(require("support", "admin"))]
AdminOnly = Annotated[Account, Depends(require("admin"))]
SettingsDep = Annotated[Settings, Depends(settings_of)]
ClientIp = Annotated[str | None, Depends(client_ip)]
