"""How a browser holds its session: the web portal's refresh token lives in an HttpOnly cookie, never in a body a
script could read.

A request with `X-OpenCME-Client: portal` is the portal's. Signing in, refreshing and changing the password answer
its refresh token in the cookie `opencme_refresh` (Path=SESSION_COOKIE_PATH; HttpOnly; SameSite=Strict;
Max-Age=<its lifetime>; Secure unless SESSION_COOKIE_SECURE is false) and `refresh_token: null` in the body; refreshing
and signing out read the cookie. Such a request must look same-origin (domain.check_portal_request), and the cookie is
honoured only with the header (domain.check_cookie_use). Every other client keeps its refresh token in JSON bodies.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Cookie, Header, Response

from identity import domain, problems, schemas
from identity.config import Settings
from opencme_kit import errors
from opencme_kit.problems import Problem

COOKIE = "opencme_refresh"
_TOKEN = re.compile(schemas.TOKEN_PATTERN)

ClientHeader = Annotated[
    str | None,
    Header(
        alias=domain.CLIENT_HEADER,
        max_length=40,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="`portal` from the web portal (a browser): its refresh token travels in the HttpOnly cookie "
        f"{COOKIE}, never in a body, and the request must be same-origin (Sec-Fetch-Site, Origin)",
    ),
]
# Not validated here: a cookie that is no token of ours is answered like an unknown one (401, and the cookie cleared),
# so a browser never stays stuck with a broken cookie.
RefreshCookie = Annotated[
    str | None,
    Cookie(alias=COOKIE, description="the portal's refresh token; read only with X-OpenCME-Client: portal"),
]


@dataclass(frozen=True)
class Browser:
    """The caller as far as its refresh token is concerned: the portal (cookie) or any other client (bodies)."""

    client: str | None
    cookie: str | None
    settings: Settings

    @property
    def portal(self) -> bool:
        return self.client == domain.PORTAL_CLIENT

    def refresh_token(self, body: schemas.RefreshRequest | None) -> str:
        """The refresh token to exchange: the body's, or the portal's cookie (401 when it has none)."""
        token = self._presented(body)
        if token is None:
            raise problems.unauthorized("no session cookie; sign in again")
        return token

    def token_to_revoke(self, body: schemas.RefreshRequest | None) -> str | None:
        """The refresh token whose session ends: the body's, or the portal's cookie (none: nothing to end)."""
        return self._presented(body)

    def _presented(self, body: schemas.RefreshRequest | None) -> str | None:
        token = body.refresh_token if body is not None else None
        if self.portal:
            if token is not None:
                raise errors.Invalid("refresh_token", "the portal's refresh token travels in the cookie: send no body")
            if self.cookie is None:
                return None
            # Anything that is no token of ours cannot match one: answered as an unknown token, never looked up.
            return self.cookie if _TOKEN.fullmatch(self.cookie) else ""
        if token is not None:
            return token
        if self.cookie is not None:
            domain.check_cookie_use(client=self.client)
        raise errors.Invalid("refresh_token", "Field required")

    def hand_over(self, issued: schemas.SessionTokens, response: Response) -> schemas.SessionTokens:
        """New tokens as the caller keeps them: the portal gets its refresh token in the cookie and null in the body."""
        if not self.portal or issued.refresh_token is None:
            return issued
        response.headers.append("Set-Cookie", self._cookie(issued.refresh_token, max_age=issued.refresh_expires_in))
        return issued.model_copy(update={"refresh_token": None})

    def forget(self, response: Response) -> None:
        """Signed out: the portal's cookie is cleared."""
        if self.portal:
            response.headers.append("Set-Cookie", self._cookie("", max_age=0))

    @contextlib.contextmanager
    def forgetting_refused_cookie(self) -> Iterator[None]:
        """A 401 to the portal clears its cookie: a token that no longer works is not worth sending again."""
        try:
            yield
        except Problem as refused:
            if self.portal and refused.status == 401:
                refused.headers = {**(refused.headers or {}), "Set-Cookie": self._cookie("", max_age=0)}
            raise

    def _cookie(self, value: str, *, max_age: int) -> str:
        # Written out rather than with Response.set_cookie, so that the attributes are exactly the agreed ones.
        attributes = [
            f"{COOKIE}={value}",
            f"Path={self.settings.session_cookie_path}",
            "HttpOnly",
            "SameSite=Strict",
            f"Max-Age={max_age}",
        ]
        if self.settings.session_cookie_secure:
            attributes.append("Secure")
        return "; ".join(attributes)
