"""Checking identity's access tokens locally: ES256 JWTs verified against the keys published at the JWKS URL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from .problems import Problem
from .roles import STAFF_ROLES, Role

ISSUER = "opencme-identity"
AUDIENCE = "opencme"
ALGORITHMS = ["ES256"]


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    roles: frozenset[str]
    email: str | None = None
    session_id: uuid.UUID | None = None  # the sign-in session (`sid`), which identity can revoke before `exp`

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


class TokenVerifier:
    """Caches the JWKS; an unknown key id triggers one refetch (at most every 10 s), which is how rotation works.

    A token is parsed and its signature checked once (PyJWT): a verified token is remembered, up to `remembered` of
    them (the oldest forgotten first), until it expires, so a learner's next requests cost a lookup. A remembered token
    counts only while its key is still the one the JWKS gives for its key id.

    Identity's tokens share a handful of headers (one per signing key), so the key id of a header segment seen in a
    verified token is remembered too: a new token's header is then not parsed twice (once for its key id, once by
    PyJWT's check, which still reads and validates it)."""

    def __init__(self, jwks_url: str, *, refetch_interval: float = 10.0, remembered: int = 4096) -> None:
        self.jwks_url = jwks_url
        self.refetch_interval = refetch_interval
        self.remembered = remembered
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._verified: dict[str, tuple[Principal, float, str, Any]] = {}  # token -> principal, exp, kid, key
        self._kids: dict[str, str] = {}  # header segment of a verified token -> its key id

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any]) -> TokenVerifier:
        """A verifier that knows `jwks` already (tests; a deployment with keys provisioned out of band)."""
        verifier = cls("", refetch_interval=float("inf"))
        verifier._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks["keys"]}
        verifier._fetched_at = time.monotonic()
        return verifier

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.refetch_interval and self._keys:
                return
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in response.json()["keys"]}
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> Any:
        if kid not in self._keys:
            try:
                await self._refresh()
            except httpx.HTTPError as exc:
                raise Problem(
                    503, "Service Unavailable", "token keys are not available right now", headers={"Retry-After": "5"}
                ) from exc
        if kid not in self._keys:
            raise Problem(
                401, "Unauthorized", "token signed with an unknown key", headers={"WWW-Authenticate": "Bearer"}
            )
        return self._keys[kid]

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires_at, kid, key = remembered
            if time.time() < expires_at and self._keys.get(kid) is key:
                return principal
            del self._verified[token]  # expired, or its key was replaced: verified afresh (and refused) below
        header_segment = token.partition(".")[0]
        known_kid = self._kids.get(header_segment)
        if known_kid is not None:
            kid = known_kid
        else:
            try:
                kid = str(jwt.get_unverified_header(token).get("kid", ""))
            except jwt.PyJWTError as exc:
                raise _invalid_token() from exc
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iat"]},
            )
            sid = claims.get("sid")
            principal = Principal(
                id=uuid.UUID(claims["sub"]),
                roles=frozenset(claims.get("roles", ())),
                email=claims.get("email"),
                session_id=uuid.UUID(sid) if sid is not None else None,
            )
            expires_at = float(claims["exp"])
        except (jwt.PyJWTError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _invalid_token() from exc
        if len(self._verified) >= self.remembered:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires_at, kid, key)
        if header_segment not in self._kids:
            if len(self._kids) >= 64:  # more headers than identity's keys ever make: start over
                self._kids.clear()
            self._kids[header_segment] = kid
        return principal


def _invalid_token() -> Problem:
    return Problem(401, "Unauthorized", "invalid or expired access token", headers={"WWW-Authenticate": "Bearer"})


async def current_principal(request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(
            401,
            "Unauthorized",
            "sign in first: send 'Authorization: Bearer <access token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token.strip())


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(403, "Forbidden", f"this action needs one of the roles: {', '.join(roles)}")
        return principal

    return dependency


CurrentUser = Annotated[Principal, Depends(current_principal)]
StaffOnly = Annotated[Principal, Depends(require_roles(Role.STAFF, Role.ADMIN))]
SupportOnly = Annotated[Principal, Depends(require_roles(Role.SUPPORT, Role.ADMIN))]
