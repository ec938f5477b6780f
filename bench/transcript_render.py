"""The transcript PDF of a learner with many certificates: median, p99 and pages (goal: 500 rows in at most 1 s).

    .venv/bin/python bench/transcript_render.py [--rows 500] [--runs 5] [--pg-dsn <superuser DSN>]

For `--runs` learners, each with `--rows` certificates of their own over ten years (three credit types among them),
after one warm-up render, A B A B per learner:

- A, the anchor: the whole transcript rendered when printed (`render_transcript_pdf`), what a print costs when
  nothing was rendered ahead (a period other than "all activities", or a print within seconds of a change);
- B, the first print: what GET /transcript.pdf does once the rows are read when the worker has rendered the body ahead
  (transcripts_ahead.py): the day's stamp over the kept body (`stamp_transcript`).

With --pg-dsn it also measures the cache's SELECTs (in a temporary database with the service's schema): the body's,
which the first print adds to B, and the printed transcript's, which is all a repeat costs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
import uuid
from dataclasses import replace
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
    render_transcript_body,
    render_transcript_pdf,
    stamp_transcript,
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


def figures(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    median = statistics.median(ordered)
    return (
        f"{label}: median {median * 1000:.0f} ms   p99 {percentile(ordered, 0.99) * 1000:.0f} ms | "
        f"goal <= {GOAL_SECONDS:.0f} s ({'met' if median <= GOAL_SECONDS else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-dsn", help="a running PostgreSQL's superuser DSN: also measure the transcript cache")
    args = parser.parse_args()

    render_transcript_pdf(transcript(args.rows))  # warm-up
    whole, stamped = [], []
    for learner in range(args.runs):
        document = replace(transcript(args.rows), learner_name=f"Learner {learner} Q. Doe")
        started = time.perf_counter()
        pdf = render_transcript_pdf(document)  # A
        whole.append(time.perf_counter() - started)
        body = render_transcript_body(document)  # rendered ahead by the worker, not timed
        started = time.perf_counter()
        first = stamp_transcript(body, document)  # B
        stamped.append(time.perf_counter() - started)
        assert first == pdf  # the same transcript either way
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(f"transcript of {args.rows} certificates: {pages} pages, {len(pdf) / 1024:.0f} KiB, {args.runs} learners")
    print(figures("A, rendered whole when printed (anchor)", whole))
    print(figures("B, first print, body rendered ahead (stamp only)", stamped))
    if args.pg_dsn:
        cached = sorted(asyncio.run(served_from_cache(args.pg_dsn, document, pdf, max(args.runs, 100))))
        print(figures("one cache SELECT (a repeat; the body's for a first print)", cached))


if __name__ == "__main__":
    main()
