"""Transcripts drawn ahead: after a learner's certificates change, the worker draws the strips of the rows their
transcript does not have yet (`transcript_pages.render_strips`, about 12 ms a row) and keeps them, so that a print of
any period on any day only draws its header and totals and stacks the kept strips (a fraction of a second), however
many certificates it lists.

- **Debounced:** a change is noted by a trigger (migration 007) and acted on once the learner has been quiet for
  `quiet_seconds`, so a burst of certificates is one render.
- **Few sheets:** each render adds a sheet of the new rows' strips (so does a print that draws rows); once a learner
  has `max_sheets` of them, the next render draws one sheet of all their rows instead, which replaces them.
- **Never in a surge's way:** nothing is rendered while claims wait in the issue queue (it looks again every
  `busy_recheck` seconds), and renders run in one process
  of their own at niceness 19 (below the certificates' 10), so a surge starting during one takes the cores.
- **Only where it pays:** a transcript of fewer than `min_rows` certificates is drawn on demand within a second; the
  quiet changes of all such learners are forgotten in one statement (after a surge: a thousand learners, one change
  each; one by one they kept the worker busy for a minute).
- **Never stale:** a strip is kept under a digest of everything its row shows; a print reads the certificates as they
  are and uses a strip only if it is exactly its row's (a row not drawn yet is drawn when printed).
- **Idle when idle:** it sleeps until the next change falls quiet; with nothing noted, until the trigger's NOTIFY, or
  at most `recheck_interval` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from certificates import issue_queue, repository, transcripts
from certificates.config import Settings
from certificates.render_pool import RenderPool
from certificates.transcript_pages import StripSheet, missing_rows, render_strips
from opencme_kit import db, merges
from opencme_kit.waking import until_due, woken

log = logging.getLogger(__name__)

CHANNEL = "transcripts_changed"  # migration 007's trigger NOTIFYs it with every change (delivered at commit)
TRANSCRIPT_NICENESS = 19


class AheadRenderer:
    """Renders the bodies of changed transcripts, one at a time, until cancelled."""

    def __init__(
        self,
        pool: db.Pool,
        settings: Settings,
        renderer: RenderPool[StripSheet] | None = None,
        *,
        quiet_seconds: float = 15.0,
        min_rows: int = 40,
        max_sheets: int = 4,
        recheck_interval: float = 60.0,
        busy_recheck: float = 10.0,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.renderer = renderer or RenderPool(1, render=render_strips, niceness=TRANSCRIPT_NICENESS)
        self.quiet_seconds = quiet_seconds
        self.min_rows = min_rows
        self.max_sheets = max_sheets
        self.recheck_interval = recheck_interval
        self.busy_recheck = busy_recheck  # how often to look again while claims wait to be issued
        self.rendered = 0
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Render until cancelled; survives a lost database connection by starting over."""
        while True:
            try:
                await self._serve()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("rendering transcripts ahead failed; starting over")
                await asyncio.sleep(self.settings.outbox_poll_interval)

    async def _serve(self) -> None:
        async with db.held(self.pool) as conn:  # its LISTEN ends when the connection goes back
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            while True:
                self._wake.clear()
                await self.rest(await self.render_quiet())

    async def rest(self, wait: float | None) -> None:
        """Sleeps `wait` seconds (the next change falls quiet, or claims wait to be issued), or, with no change noted
        (None), until a change's NOTIFY. Notices do not end a wait for a change: one noted meanwhile falls quiet after
        it (a learner's new change moves theirs later, never sooner), and in a surge every certificate notifies, so
        waking for each read the changes and the issue queue again a thousand times for nothing."""
        if wait is None:
            await woken(self._wake, self.recheck_interval)
        else:
            await asyncio.sleep(until_due(wait, at_most=self.recheck_interval, at_least=0.1))

    async def render_quiet(self) -> float | None:
        """Render the transcripts whose changes have fallen quiet; the seconds until the next one does (None: no
        change is waiting)."""
        while True:
            async with self.pool.acquire() as conn:
                change = await repository.oldest_transcript_change(conn, self.quiet_seconds)
                if change is None or change.wait > 0:
                    return change.wait if change is not None else None
                if await issue_queue.any_waiting(conn):
                    return self.busy_recheck  # claims wait to be issued: they go first
                if await repository.forget_small_transcript_changes(conn, self.quiet_seconds, self.min_rows):
                    continue  # after a surge, a thousand learners with a certificate or two each: one statement
            try:
                await self._render(change)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Printing it renders it then; trying again here could fail the same way forever.
                log.exception("rendering the transcript of learner %s ahead failed", change.learner_id)
            async with self.pool.acquire() as conn:
                await repository.transcript_change_seen(conn, change)

    async def _render(self, change: repository.TranscriptChange) -> None:
        async with self.pool.acquire() as conn:
            owner = await merges.survivor_of(conn, change.learner_id)
            transcript = await transcripts.transcript(conn, owner, None, None, self.settings)
            rows = transcripts.document_of(transcript).rows
            if len(rows) < self.min_rows:
                return  # before reading their sheets: most learners have a few certificates, and each change is read
            sheets = await repository.strip_sheets(conn, owner)
        missing = missing_rows(rows, sheets)
        if not missing:
            return
        whole = len(sheets) >= self.max_sheets  # one sheet of every row instead
        sheet = await self.renderer.render(rows if whole else missing)
        async with self.pool.acquire() as conn:
            await repository.keep_strip_sheet(conn, owner, sheet, only=whole)
        self.rendered += 1

    def close(self) -> None:
        self.renderer.close()


def run_ahead_renderer(settings: Settings) -> Callable[[db.Pool], Coroutine[Any, Any, None]]:
    """The worker's background task: transcripts rendered ahead, on the worker's pool, its render process closed at the
    end."""

    async def run(pool: db.Pool) -> None:
        renderer = AheadRenderer(pool, settings)
        try:
            await renderer.run()
        finally:
            renderer.close()

    return run
