"""Test helpers shared by the services' test suites (a development dependency, never imported at run time)."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI


class TokenMint:
    """Signs access tokens the way identity does (ES256, kid, issuer, audience) with a key of its own."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.kid = f"test-{uuid.uuid4().hex[:8]}"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "ES256"}]}

    def token(
        self,
        user_id: uuid.UUID,
        *,
        roles: tuple[str, ...] = ("learner",),
        email: str | None = None,
        ttl: int = 3 * 3600,
    ) -> str:
        # Three hours by default: test modules mint their headers when imported, and a whole suite outlasts
        # identity's 15 minutes on a busy machine (an expired token is tested with an explicit `ttl`).
        now = int(time.time())
        claims = {
            "iss": "opencme-identity",
            "aud": "opencme",
            "sub": str(user_id),
            "iat": now,
            "exp": now + ttl,
            "roles": list(roles),
            "email": email or f"{user_id.hex[:8]}@example.org",
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})

    def headers(self, user_id: uuid.UUID, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, **kwargs)}"}


@contextlib.asynccontextmanager
async def running_app(
    app: FastAPI, *, jwks: dict[str, Any] | None = None, verifier_factory: Any = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Runs `app`'s lifespan (real database) and yields a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        if jwks is not None and verifier_factory is not None:
            app.state.verifier = verifier_factory(jwks)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


# Strings a hostile client sends in any field: what PostgreSQL cannot store (NUL, lone surrogates), controls (C0, C1,
# an escape sequence), bidirectional controls, a byte-order mark, a noncharacter, and a string far over any bound.
HOSTILE_STRINGS = (
    "\x00",
    "ab\x00cd",
    "\ud800",
    "x\udfffy",
    "\x07",
    "\x1b[31mred",
    "\x85",
    "\u202eevil",
    "\u2066isolated\u2069",
    "\ufeff",
    "\uffff",
    "line\nbreak\ttab\r",
    "x" * 100_000,
)


@dataclass(frozen=True)
class HostileRequest:
    method: str
    path: str  # already percent-encoded
    query: dict[str, Any]
    body: bytes | None  # JSON, with lone surrogates as \u escapes, as a client may send them


def hostile_variant(case: Any) -> Any:
    """A hypothesis strategy of HostileRequest: `case` (a well-formed schemathesis Case) with every string it sends in
    its body, query and path replaced by one of HOSTILE_STRINGS. Sent as raw bytes (schemathesis itself cannot
    serialise or re-check a lone surrogate)."""
    from hypothesis import strategies as st

    # A lone surrogate travels in JSON as an escape (\ud800); a URL cannot carry one in UTF-8 at all.
    in_body = st.sampled_from(HOSTILE_STRINGS)
    in_url = st.sampled_from([s for s in HOSTILE_STRINGS if not any("\ud800" <= c <= "\udfff" for c in s)])

    @st.composite
    def variant(draw: Any) -> HostileRequest:
        def replace(value: Any, hostile: Any) -> Any:
            if isinstance(value, str):
                return draw(hostile)
            if isinstance(value, dict):
                return {key: replace(item, hostile) for key, item in value.items()}
            if isinstance(value, list):
                return [replace(item, hostile) for item in value]
            return value

        path = case.operation.path
        for name, value in (case.path_parameters or {}).items():
            value = replace(value, in_url) if isinstance(value, str) else str(value)
            path = path.replace(f"{{{name}}}", urllib.parse.quote(value, safe=""))
        body = None
        if isinstance(case.body, dict | list | str):
            body = json.dumps(replace(case.body, in_body)).encode()
        query = replace(dict(case.query or {}), in_url)
        return HostileRequest(method=case.method.upper(), path=path, query=query, body=body)

    return variant()
