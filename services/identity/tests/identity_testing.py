"""Factories shared by identity's tests: accounts, sign-in, the outbox, the links it publishes."""

from __future__ import annotations

import contextlib
import json
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from devstack.testing import running_app
from identity.config import Settings
from identity.main import create_app

PASSWORD = "a long enough passphrase"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "admin passphrase 1"


def identity_settings(database_url: str, **overrides: Any) -> Settings:
    values = {
        "database_url": database_url,
        "portal_url": "https://cme.example.org",
        "bootstrap_admin_email": ADMIN_EMAIL,
        "bootstrap_admin_password": ADMIN_PASSWORD,
        "signin_ip_limit": 10_000,
        "reset_ip_limit": 10_000,
        "signup_ip_limit": 10_000,
    }
    return Settings(**{**values, **overrides})


@contextlib.asynccontextmanager
async def running_identity(database_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(identity_settings(database_url, **overrides))
    async with running_app(app) as client:
        client.app = app
        yield client


def new_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@contextlib.asynccontextmanager
async def client_at(client: httpx.AsyncClient, address: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The same running identity, called from another client address (a new one unless given), as the ASGI server
    gives it (through the gateway: the X-Forwarded-For the gateway set); per-address limits are this caller's alone.
    Its cookie jar is its own, so cookies set to it never reach the module's shared client."""
    transport = httpx.ASGITransport(app=client.app, client=(address or new_address(), 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        other.app = client.app
        yield other


async def from_new_address(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request from a client address of its own."""
    async with client_at(client) as other:
        return await other.request(method, path, **kwargs)


def signup_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "email": f"Learner.{uuid.uuid4().hex[:8]}@Example.org",
        "password": PASSWORD,
        "first_name": "Jane",
        "last_name": "Doe",
        "degree": "MD",
        "npi": "1234567893",
        "board_ids": {"ABIM": "123456"},
        "birth_month": 4,
        "birth_day": 30,
    }
    return {**body, **overrides}


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, **headers: str) -> dict[str, Any]:
    response = await client.post("/sessions", json={"email": email, "password": password}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def sign_up_and_in(client: httpx.AsyncClient, **overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    body = signup_body(**overrides)
    created = await client.post("/users", json=body)
    assert created.status_code == 201, created.text
    session = await sign_in(client, body["email"], body["password"])
    return created.json(), bearer(session)


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))


async def staff_member(client: httpx.AsyncClient, role: str = "support") -> tuple[dict[str, Any], dict[str, str]]:
    body = signup_body(first_name="Sam", last_name="Helpdesk", npi=None, board_ids={})
    created = (await client.post("/users", json=body)).json()
    granted = await client.post(
        f"/users/{created['id']}/roles", json={"role": role}, headers=await admin_headers(client)
    )
    assert granted.status_code == 200, granted.text
    return created, bearer(await sign_in(client, body["email"]))


async def outbox(client: httpx.AsyncClient, topic: str, subject: object) -> list[dict[str, Any]]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2 ORDER BY id", topic, str(subject)
        )
    return [json.loads(r["payload"]) for r in rows]


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def verification_token(client: httpx.AsyncClient, user_id: object, email: str) -> str:
    """The token of the newest verification link identity published for `email` (as notifications would mail it)."""
    requested = [
        e["data"]
        for e in await outbox(client, "email.verification_requested", user_id)
        if e["data"]["email"] == email.lower()
    ]
    assert requested, f"no email.verification_requested for {email}"
    return token_of(requested[-1]["verify_url"])


def valid_npi(first_nine: str | None = None) -> str:
    """An NPI with a correct Luhn check digit (over '80840' + the first nine digits)."""
    first_nine = first_nine or f"1{random.randrange(10**8):08d}"
    digits = [int(c) for c in "80840" + first_nine]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:  # the check digit will sit to the right, so these are the doubled positions
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first_nine + str((10 - total % 10) % 10)
