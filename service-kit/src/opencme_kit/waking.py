"""Sleeping until there is work: until a notice sets an event (LISTEN/NOTIFY, a finished task, a signal) or the next
piece of work falls due, whichever comes first. The outbox relay, the issuers and senders of the services and the
quiet HTTP server all wait this way."""

from __future__ import annotations

import asyncio
import contextlib


def until_due(seconds: float | None, *, at_most: float, at_least: float = 0.0) -> float:
    """How long to sleep for work due in `seconds` (None: nothing is due): never longer than `at_most` (a notice
    nobody has seen is found then), never shorter than `at_least`."""
    return at_most if seconds is None else min(at_most, max(at_least, seconds))


async def woken(event: asyncio.Event, timeout: float) -> None:
    """Returns when `event` is set or after `timeout` seconds. asyncio.timeout, not wait_for: on Python 3.11 wait_for
    can swallow a shutdown's cancellation that arrives as the wake-up does (python/cpython#86296), and the loop
    waiting would never stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
