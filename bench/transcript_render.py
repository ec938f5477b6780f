"""The transcript PDF of a learner with many certificates: median, p99 and pages (goal: 500 rows in at most 1 s).

    .venv/bin/python bench/transcript_render.py [--rows 500] [--runs 5] [--pg-dsn <superuser DSN>]

For `--runs` learners, each with `--rows` certificates of their own over ten years (three credit types among them),
after one warm-up, A B C D per learner:

- A, the anchor: raw WeasyPrint laying the same rows out as one document with the transcript's stylesheet (what a print
  cost before strips, and what the rows cost laid out together);
- B, a print with every row's strip kept (`print_transcript` with the learner's sheet): the first print of any
  period, on any day, under any name, once the worker has drawn the rows ahead;
- C, a print right after a new certificate, before the worker drew its row: B plus one strip drawn now;
- D, a print with no strip kept at all (every row drawn now): the worst case, a learner the worker never saw change.

The worker's own work, drawing every row's strip ahead (`render_strips`), is printed beside them. With --pg-dsn it
also measures, in a temporary database with the service's schema, the SELECT of the learner's sheets (added to B and
C) and of a transcript as printed (all a repeat costs).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

import asyncpg
import pypdf
import weasyprint
from certificate_render import percentile

from certificates import repository
from certificates.config import MIGRATIONS
from certificates.rendering import stylesheet_text, template, typesetter
from certificates.transcript_pages import (
    TranscriptCredit,
    TranscriptDocument,
    TranscriptRow,
    print_transcript,
    render_strips,
    transcript_fingerprint,
)
from opencme_kit import db

GOAL_SECONDS = 1.0
TYPES = ("AMA PRA Category 1 Credit™", "ABIM MOC point", "ANCC contact hour")
FORMATS = ("Live course", "Grand rounds", "Webcast", "Enduring material")


def transcript(rows: int) -> TranscriptDocument:
    first = date(2016, 1, 4)
    items = tuple(
        TranscriptRow(
            certificate_number=f"OC-{2016 + i * 10 // rows}-{i:06d}",
            activity_title=f"Grand Rounds {i}: Updates in Hospital Medicine, Sepsis and Perioperative Care",
            activity_format=FORMATS[i % len(FORMATS)],
            completed_on=first + timedelta(days=i * 3650 // rows),
            credits=tuple(
                TranscriptCredit(label=label, amount=Decimal("1.25")) for label in TYPES[: 1 + i % len(TYPES)]
            ),
        )
        for i in range(rows)
    )
    totals = tuple(
        TranscriptCredit(
            label=label, amount=sum((c.amount for r in items for c in r.credits if c.label == label), Decimal(0))
        )
        for label in TYPES
    )
    return TranscriptDocument(
        learner_name="Jane Q. Doe",
        learner_degree="MD",
        provider_name="Example University School of Medicine",
        period_from=None,
        period_to=None,
        rows=items,
        totals=totals,
        printed_on=date(2026, 12, 1),
    )


def one_document(document: TranscriptDocument) -> bytes:
    """The anchor: the rows' strips' markup laid out as one flowing document on Letter pages (each row's table directly
    under the last, no page per row), with the same stylesheet, fonts and filters."""
    html = template("transcript.html").render(part="rows", doc=None, rows=document.rows)
    fonts = typesetter()
    flowing = ".strip { break-after: auto; } @page { size: letter; margin: 0.6in 0.6in 0.7in; }"
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(
        stylesheets=[fonts.css(stylesheet_text("transcript.css")), fonts.css(flowing)], font_config=fonts.fonts
    )
    return pdf


async def selects(dsn: str, learner_document: TranscriptDocument, pdf: bytes, runs: int) -> tuple[list[float], ...]:
    """Seconds per SELECT of the learner's sheets of strips and of their transcript as printed, in a temporary
    database with the service's schema."""
    name = f"bench_transcript_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pool = await db.create_pool(dsn.rsplit("/", 1)[0] + f"/{name}", max_size=1)
        try:
            await db.apply_migrations(pool, MIGRATIONS)
            learner = uuid.uuid4()
            fingerprint = transcript_fingerprint(learner_document)
            async with pool.acquire() as conn:
                await repository.keep_strip_sheet(conn, learner, render_strips(learner_document.rows))
                await repository.cache_transcript(conn, learner, fingerprint, pdf)
                sheets, printed = [], []
                for _ in range(runs):
                    started = time.perf_counter()
                    assert len(await repository.strip_sheets(conn, learner)) == 1
                    sheets.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    assert await repository.cached_transcript(conn, learner, fingerprint) == pdf
                    printed.append(time.perf_counter() - started)
            return sheets, printed
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def figures(label: str, times: list[float], *, goal: bool = True) -> str:
    ordered = sorted(times)
    median = statistics.median(ordered)
    line = f"{label}: median {median * 1000:.0f} ms   p99 {percentile(ordered, 0.99) * 1000:.0f} ms"
    if goal:
        line += f" | goal <= {GOAL_SECONDS:.0f} s ({'met' if percentile(ordered, 0.99) <= GOAL_SECONDS else 'NOT met'})"
    return line


T = TypeVar("T")


def timed(call: Callable[..., T], *args: object) -> tuple[T, float]:
    started = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-dsn", help="a running PostgreSQL's superuser DSN: also measure the SELECTs")
    args = parser.parse_args()

    warm = transcript(20)
    print_transcript(warm, [render_strips(warm.rows)])
    one_document(warm)
    anchor, kept, one_new, none_kept, ahead = [], [], [], [], []
    for learner in range(args.runs):
        document = replace(transcript(args.rows), learner_name=f"Learner {learner} Q. Doe")
        _, seconds = timed(one_document, document)  # A
        anchor.append(seconds)
        sheet, seconds = timed(render_strips, document.rows)  # drawn ahead by the worker
        ahead.append(seconds)
        pdf, seconds = timed(print_transcript, document, [sheet])  # B
        kept.append(seconds)
        older = replace(sheet, rows=sheet.rows[:-1], heights=sheet.heights[:-1])  # the newest row not drawn yet
        newest, seconds = timed(print_transcript, document, [older])  # C
        one_new.append(seconds)
        cold, seconds = timed(print_transcript, document, [])  # D
        none_kept.append(seconds)
        texts = [[page.extract_text() for page in pypdf.PdfReader(io.BytesIO(p)).pages] for p in (pdf, newest, cold)]
        assert texts[0] == texts[1] == texts[2]  # the same transcript however its strips came
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(f"transcript of {args.rows} certificates: {pages} pages, {len(pdf) / 1024:.0f} KiB, {args.runs} learners")
    print(figures("A, raw WeasyPrint, the rows as one document (anchor)", anchor, goal=False))
    print(figures("B, a print with every row's strip kept (any period, day or name)", kept))
    print(figures("C, a print right after a new certificate (one strip drawn now)", one_new))
    print(figures("D, a print with no strip kept (every row drawn now)", none_kept))
    print(figures("the worker drawing every row's strip ahead", ahead, goal=False))
    if args.pg_dsn:
        sheets, printed = asyncio.run(selects(args.pg_dsn, document, pdf, max(args.runs, 100)))
        print(figures("SELECT of the learner's sheets (added to B and C)", sheets, goal=False))
        print(figures("SELECT of the transcript as printed (a repeat)", printed, goal=False))


if __name__ == "__main__":
    main()
