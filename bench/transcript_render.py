"""The transcript PDF of a learner with many certificates: median, p99 and pages (goal: 500 rows in at most 1 s).

    .venv/bin/python bench/transcript_render.py [--rows 500] [--runs 5] [--pg-dsn <superuser DSN>]

Renders the transcript the certificates service serves (`render_transcript_pdf`, what GET /transcript.pdf runs once
the rows are read) for a learner with `--rows` certificates over ten years, three credit types among them, after one
warm-up render. The issue names no anchor for this figure: the goal is printed beside it. With --pg-dsn it also
measures the same transcript printed again: the service keeps rendered transcripts keyed by a digest of what they
show, so a repeat is the fingerprint and one SELECT (in a temporary database with the service's schema).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pypdf
from certificate_render import percentile

from certificates import repository
from certificates.config import MIGRATIONS
from certificates.rendering import (
    TranscriptCredit,
    TranscriptDocument,
    TranscriptRow,
    render_transcript_pdf,
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


async def served_from_cache(dsn: str, document: TranscriptDocument, pdf: bytes, runs: int) -> list[float]:
    """Seconds per lookup of the PDF in the certificates service's transcript cache (what GET /transcript.pdf does
    once the document is read: fingerprint it and SELECT), in a temporary database with the service's schema."""
    name = f"bench_transcript_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pool = await db.create_pool(dsn.rsplit("/", 1)[0] + f"/{name}", max_size=1)
        try:
            await db.apply_migrations(pool, MIGRATIONS)
            learner = uuid.uuid4()
            async with pool.acquire() as conn:
                await repository.cache_transcript(conn, learner, transcript_fingerprint(document), pdf)
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    found = await repository.cached_transcript(conn, learner, transcript_fingerprint(document))
                    times.append(time.perf_counter() - started)
                    assert found == pdf
            return times
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-dsn", help="a running PostgreSQL's superuser DSN: also measure the transcript cache")
    args = parser.parse_args()

    document = transcript(args.rows)
    pdf = render_transcript_pdf(document)  # warm-up
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf = render_transcript_pdf(document)
        times.append(time.perf_counter() - started)
    ordered = sorted(times)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    median = statistics.median(ordered)
    print(
        f"transcript of {args.rows} certificates: {pages} pages, {len(pdf) / 1024:.0f} KiB   "
        f"median {median * 1000:.0f} ms   p99 {percentile(ordered, 0.99) * 1000:.0f} ms   "
        f"rate {1 / median:.2f} transcripts/s | goal <= {GOAL_SECONDS:.0f} s "
        f"({'met' if median <= GOAL_SECONDS else 'NOT met'})"
    )
    if args.pg_dsn:
        cached = sorted(asyncio.run(served_from_cache(args.pg_dsn, document, pdf, max(args.runs, 100))))
        median = statistics.median(cached)
        print(
            f"printed again (served from the transcript cache): median {median * 1000:.1f} ms   "
            f"p99 {percentile(cached, 0.99) * 1000:.1f} ms | goal <= {GOAL_SECONDS:.0f} s "
            f"({'met' if median <= GOAL_SECONDS else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
