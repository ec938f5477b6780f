"""Talking to a running stack through its gateway, as the benches (bench/) and the surge suites (tests/surge) do: an
account's tokens, an answer checked for its status, many calls with a bound on how many run at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Account:
    email: str
    id: str
    headers: dict[str, str] = field(default_factory=dict)
    refresh_token: str = ""
    signed_in: float = 0.0

    def take(self, tokens: dict[str, Any]) -> None:
        self.headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        self.refresh_token = tokens["refresh_token"]
        self.signed_in = time.monotonic()


def expect(response: httpx.Response, *ok: int) -> Any:
    """The answer's JSON (None when empty); an AssertionError naming the call when its status is not one of `ok`."""
    if response.status_code not in ok:
        raise AssertionError(
            f"{response.request.method} {response.request.url.path} -> {response.status_code}: {response.text[:300]}"
        )
    return response.json() if response.content else None


async def gather_limited(calls: Iterable[Awaitable[Any]], limit: int) -> list[Any]:
    """Awaits `calls` (coroutines not started yet) with at most `limit` running at once; their results in order."""
    semaphore = asyncio.Semaphore(limit)

    async def one(call: Awaitable[Any]) -> Any:
        async with semaphore:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))
