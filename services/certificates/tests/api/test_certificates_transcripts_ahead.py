"""Transcripts rendered ahead by the worker (transcripts_ahead.py) after a learner's certificates change, and what a
print does with them, against a real PostgreSQL; certificates are issued through the real inbox handlers."""

import asyncio
import io
import uuid
from datetime import UTC, datetime

from certificates_testing import MINT, claimed, registered, renamed, revoked
from pypdf import PdfReader

from certificates import issue_queue, repository, transcripts
from certificates.render_pool import RenderPool
from certificates.transcript_pages import render_strips
from certificates.transcripts_ahead import AheadRenderer


def day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, 15, tzinfo=UTC)


class CountedRenders(RenderPool):
    """Draws transcript strips in a thread of the test's process (no process to start), and counts the rows drawn."""

    def __init__(self) -> None:
        super().__init__(processes=1, render=render_strips)
        self.renders: list[int] = []  # the rows drawn by each render

    async def render(self, rows):
        self.renders.append(len(rows))
        return await asyncio.to_thread(render_strips, rows)


def ahead(service, *, quiet_seconds: float = 0.0, min_rows: int = 2, max_sheets: int = 4) -> AheadRenderer:
    return AheadRenderer(
        service.app.state.pool,
        service.consumer.issuer.settings,
        CountedRenders(),
        quiet_seconds=quiet_seconds,
        min_rows=min_rows,
        max_sheets=max_sheets,
    )


async def learner_with(service, *titles: str) -> tuple[uuid.UUID, list]:
    """A learner with a certificate per title (completed in 2024, a month apart), and nobody else's change waiting."""
    async with service.app.state.pool.acquire() as conn:
        await conn.execute("DELETE FROM transcripts_changed")  # left by the module's other tests
    learner = uuid.uuid4()
    await service.consumer.deliver(registered(learner, day(2020, 1, 1)))
    claims = [claimed(learner, day(2024, 1 + i, 1), title=title) for i, title in enumerate(titles)]
    for claim in claims:
        await service.consumer.deliver(claim)
    return learner, claims


async def changes_waiting(service) -> int:
    async with service.app.state.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM transcripts_changed")
    return count


async def kept(service, learner: uuid.UUID) -> tuple[int, int]:
    """The learner's sheets of strips and the transcripts kept as printed."""
    async with service.app.state.pool.acquire() as conn:
        sheets: int = await conn.fetchval("SELECT count(*) FROM transcript_strips WHERE learner_id = $1", learner)
        printed: int = await conn.fetchval("SELECT count(*) FROM transcript_cache WHERE learner_id = $1", learner)
    return sheets, printed


async def printed_text(service, learner: uuid.UUID) -> str:
    response = await service.get("/transcript.pdf", headers=MINT.headers(learner))
    assert response.status_code == 200
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


async def test_a_changed_transcript_has_its_rows_drawn_ahead_once_and_printing_it_draws_no_row(service):
    learner, _ = await learner_with(service, "Sepsis Update", "Stroke Care", "Heart Failure")
    assert await changes_waiting(service) == 1  # three certificates, one change to act on

    renderer = ahead(service)
    assert await renderer.render_quiet() is None  # nothing else waits
    assert renderer.renderer.renders == [3] and await changes_waiting(service) == 0
    assert await kept(service, learner) == (1, 0)

    text = await printed_text(service, learner)
    assert all(title in text for title in ("Sepsis Update", "Stroke Care", "Heart Failure"))
    assert "Page 1 of 1" in text
    # The print kept itself and drew no sheet of rows of its own.
    assert await kept(service, learner) == (1, 1)


async def test_only_new_rows_are_drawn_ahead_and_sheets_are_joined_into_one_when_there_are_many(service):
    learner, _ = await learner_with(service, "Sepsis Update", "Stroke Care")
    renderer = ahead(service, max_sheets=2)
    await renderer.render_quiet()

    await service.consumer.deliver(claimed(learner, day(2024, 6, 1), title="Heart Failure"))
    await renderer.render_quiet()
    assert renderer.renderer.renders == [2, 1] and await kept(service, learner) == (2, 0)

    await service.consumer.deliver(claimed(learner, day(2024, 7, 1), title="Asthma"))
    await renderer.render_quiet()
    assert renderer.renderer.renders == [2, 1, 4] and await kept(service, learner) == (1, 0)  # every row, one sheet

    text = await printed_text(service, learner)
    assert all(title in text for title in ("Sepsis Update", "Stroke Care", "Heart Failure", "Asthma"))


async def test_a_change_is_rendered_only_once_the_learner_has_been_quiet(service):
    await learner_with(service, "Sepsis Update", "Stroke Care")

    renderer = ahead(service, quiet_seconds=30)
    wait = await renderer.render_quiet()

    assert wait is not None and 25 < wait <= 30
    assert renderer.renderer.renders == [] and await changes_waiting(service) == 1


async def test_a_certificate_revoked_after_its_transcript_was_rendered_ahead_is_not_printed(service):
    learner, claims = await learner_with(service, "Sepsis Update", "Stroke Care", "Heart Failure")
    renderer = ahead(service)
    await renderer.render_quiet()

    await service.consumer.deliver(revoked(claims[1]))

    # Printed before the revocation was noted by the worker: the revoked row's strip is kept, and not printed.
    text = await printed_text(service, learner)
    assert "Sepsis Update" in text and "Heart Failure" in text and "Stroke Care" not in text


async def test_a_revocation_draws_no_row_again(service):
    learner, claims = await learner_with(service, "Sepsis Update", "Stroke Care", "Heart Failure")
    renderer = ahead(service)
    await renderer.render_quiet()

    await service.consumer.deliver(revoked(claims[1]))
    assert await changes_waiting(service) == 1
    await renderer.render_quiet()

    assert renderer.renderer.renders == [3] and await changes_waiting(service) == 0  # the other rows are as drawn
    text = await printed_text(service, learner)
    assert "Sepsis Update" in text and "Heart Failure" in text and "Stroke Care" not in text


async def test_a_name_change_is_noted_and_printed(service):
    learner, _ = await learner_with(service, "Sepsis Update", "Stroke Care")
    renderer = ahead(service)
    await renderer.render_quiet()

    await service.consumer.deliver(renamed(learner, 2, day(2025, 1, 1), "Smith"))

    assert await changes_waiting(service) == 1
    assert "Jane Smith" in await printed_text(service, learner)
    assert await kept(service, learner) == (1, 1)  # the rows do not show the name: their strips are as drawn


async def test_nothing_is_rendered_ahead_while_claims_wait_to_be_issued(service):
    learner, _ = await learner_with(service, "Sepsis Update", "Stroke Care")
    async with service.app.state.pool.acquire() as conn:
        await issue_queue.add(conn, claimed(learner, day(2024, 6, 1)).data, None)  # not issued yet
    renderer = ahead(service)
    try:
        assert await renderer.render_quiet() == renderer.busy_recheck  # and looks again then
        assert renderer.renderer.renders == [] and await changes_waiting(service) == 1
    finally:
        await service.consumer.issuer.drain()


async def test_the_changes_of_many_short_transcripts_are_forgotten_without_reading_any(service, monkeypatch):
    learner, _ = await learner_with(service, "Sepsis Update")
    others = [uuid.uuid4() for _ in range(30)]
    for other in others:
        await service.consumer.deliver(registered(other, day(2020, 1, 1)))
        await service.consumer.deliver(claimed(other, day(2024, 3, 1), title="Stroke Update"))
    renderer = ahead(service, min_rows=2)

    read = []

    async def reading(conn, owner, *args):
        read.append(owner)
        raise AssertionError("a short transcript was read to be drawn ahead")

    monkeypatch.setattr(transcripts, "transcript", reading)
    assert await renderer.render_quiet() is None

    assert read == [] and renderer.renderer.renders == [] and await changes_waiting(service) == 0
    assert await kept(service, learner) == (0, 0)


async def test_a_transcript_shorter_than_the_threshold_is_left_to_be_rendered_when_printed(service):
    learner, _ = await learner_with(service, "Sepsis Update")
    renderer = ahead(service, min_rows=2)

    assert await renderer.render_quiet() is None

    assert renderer.renderer.renders == [] and await changes_waiting(service) == 0
    assert await kept(service, learner) == (0, 0)


async def looks_counted(monkeypatch) -> list[float | None]:
    """Each time the renderer reads its changes, the wait it found (None: no change noted)."""
    looks: list[float | None] = []
    read = repository.oldest_transcript_change

    async def reading(conn, quiet_seconds):
        change = await read(conn, quiet_seconds)
        looks.append(change.wait if change is not None else None)
        return change

    monkeypatch.setattr(repository, "oldest_transcript_change", reading)
    return looks


async def eventually(check, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


async def test_changes_noted_while_one_falls_quiet_do_not_wake_the_renderer(service, monkeypatch):
    learner, _ = await learner_with(service, "Sepsis Update")
    looks = await looks_counted(monkeypatch)
    running = asyncio.create_task(ahead(service, quiet_seconds=30).run())
    try:
        await eventually(lambda: looks)
        for month in range(2, 7):  # a surge: every certificate notifies
            await service.consumer.deliver(claimed(learner, day(2024, month, 1), title=f"Update {month}"))
        await asyncio.sleep(0.5)  # what a notice would have woken had the time to look again
        assert len(looks) == 1 and looks[0] is not None and looks[0] > 25
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_change_noted_while_none_was_wakes_the_renderer_at_once(service, monkeypatch):
    async with service.app.state.pool.acquire() as conn:
        await conn.execute("DELETE FROM transcripts_changed")
    looks = await looks_counted(monkeypatch)
    renderer = ahead(service)  # looks again on its own after 60 s only
    running = asyncio.create_task(renderer.run())
    try:
        await eventually(lambda: looks == [None])
        await learner_with(service, "Sepsis Update", "Stroke Care")

        await eventually(lambda: renderer.renderer.renders == [2])
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
