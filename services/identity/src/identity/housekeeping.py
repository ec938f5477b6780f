"""What the worker tidies up every hour: throttle rows past every window, links and sessions long dead."""

from __future__ import annotations

from datetime import timedelta

from identity import links_repository as links
from identity import sessions_repository, throttle
from identity.config import Settings
from opencme_kit import db
from opencme_kit.clock import utcnow

KEEP_DEAD_FOR = timedelta(days=30)  # links and session families are deleted this long after they expired


async def purge_expired(conn: db.Connection, settings: Settings) -> dict[str, int]:
    now = utcnow()
    longest = max(
        settings.signin_window_seconds,
        settings.reset_window_seconds,
        settings.signup_window_seconds,
        settings.verification_email_window_seconds,
    )
    hits = await throttle.purge(conn, older_than=now - timedelta(seconds=longest))
    purged_links = await links.purge_links(conn, expired_before=now - KEEP_DEAD_FOR)
    async with conn.transaction():
        families = await sessions_repository.purge_families(conn, expired_before=now - KEEP_DEAD_FOR)
    return {"throttle_hits": hits, "one_time_tokens": purged_links, "session_families": families}
