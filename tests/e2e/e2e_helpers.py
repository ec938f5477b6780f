"""Steps the journeys share: polling for what travels through Kafka, signing up and in through the gateway, mail."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import httpx


async def until(check, *, timeout: float = 60.0, every: float = 0.3, what: str = "condition"):
    """Polls an async `check` until it returns something truthy; the journey's events travel through Kafka."""
    async with asyncio.timeout(timeout):
        while True:
            if result := await check():
                return result
            await asyncio.sleep(every)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/api/identity/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def sign_up(client: httpx.AsyncClient, email: str, password: str, **profile) -> str:
    response = await client.post("/api/identity/users", json={"email": email, "password": password, **profile})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def mail_to(sink: httpx.AsyncClient, address: str, subject_part: str) -> dict:
    """The newest email to `address` whose subject contains `subject_part`, in full (waits for it to arrive)."""

    async def matching():
        listing = (await sink.get("/messages", params={"to": address})).json()
        return [m for m in listing if subject_part in m["subject"]]

    newest = (await until(matching, what=f"an email to {address} about {subject_part!r}"))[0]
    return (await sink.get(f"/messages/{newest['id']}")).json()


def link_token(text: str, path: str) -> str:
    """The token of the first link to `path` in an email's text."""
    url = next(word for word in text.split() if f"{path}?token=" in word)
    return parse_qs(urlparse(url).query)["token"][0]
