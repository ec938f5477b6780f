"""Catalog listing with 1,000 activities through the gateway: median, p99 and rate (goal: p99 <= 100 ms).

    OPENCME_PORT_OFFSET=900 .venv/bin/python bench/catalog_listing.py [--activities 1000] [--requests 300]
                                                                      [--concurrency 4] [--attach]

Set-up, not timed: a staff account of the bench's own publishes activities through the gateway until the public
catalog lists `--activities` current and upcoming ones: live courses, grand rounds, board reviews, webcasts and
enduring material over the coming year, with titles and descriptions drawn from a small medical vocabulary. Then, for
each listing below, `--requests` anonymous GETs /api/catalog/activities from `--concurrency` clients after 20 warm-ups:
the portal's first page (the 20 soonest), a page deep in the list, the largest page (100), a word search and a format
filter. Prints each one's median, p99 and rate (listings per second) and how many activities it matched
(X-Total-Count). The issue names no anchor for this figure: the goal is printed beside it.

The stack: started here or `--attach`ed, as in bench/claim_surge.py.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from claim_surge import make_staff, percentile
from idle_stack import BenchStack, bench_stack, wait_quiet

from devstack.clients import Account, expect, gather_limited

P99_GOAL_MS = 100.0
TOPICS = ["Sepsis", "Heart Failure", "Diabetes", "Stroke", "Anticoagulation", "Asthma", "Hypertension", "Oncology"]
KINDS = ["Update", "Grand Rounds", "Case Review", "Masterclass", "Essentials"]


def activity(i: int, now: datetime) -> dict[str, Any]:
    """The i-th activity: its format, dates and words vary with i; all of them current or upcoming."""
    topic, kind = TOPICS[i % len(TOPICS)], KINDS[i % len(KINDS)]
    start = (now + timedelta(days=1 + i % 360, hours=i % 9)).replace(minute=0, second=0, microsecond=0)
    body: dict[str, Any] = {
        "title": f"{topic} {kind} {2026 + i % 2} #{i}",
        "description": f"Practical {topic.lower()} care: evidence, guidelines and cases ({kind.lower()}).",
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": str(1 + i % 8)}],
    }
    match i % 5:
        case 0 | 1:
            body |= {"format": "live_course", "starts_at": start, "ends_at": start + timedelta(hours=8)}
            body |= {"location": "Main Campus", "fees": {"physician": 25000, "nurse": 10000}, "capacity": 200}
        case 2:
            body |= {"format": "grand_rounds", "starts_at": start, "ends_at": start + timedelta(hours=1)}
            body |= {"location": "Auditorium A", "requires_event_code": True}
        case 3:
            body |= {"format": "webcast", "available_until": now + timedelta(days=30 + i % 330)}
        case _:
            body |= {"format": "enduring", "available_until": now + timedelta(days=365 + i % 365)}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in body.items()}


async def listed(client: httpx.AsyncClient, **params: Any) -> int:
    response = await client.get("/api/catalog/activities", params={"limit": 1, **params})
    expect(response, 200)
    return int(response.headers["X-Total-Count"])


async def publish(client: httpx.AsyncClient, staff: Account, count: int, run: str) -> None:
    now = datetime.now(UTC)

    async def one(i: int) -> None:
        created = expect(
            await client.post("/api/catalog/activities", json=activity(i, now), headers=staff.headers), 201
        )
        expect(await client.post(f"/api/catalog/activities/{created['id']}/publish", headers=staff.headers), 200)

    started = time.monotonic()
    await gather_limited([one(i) for i in range(count)], limit=4)
    print(f"  {count} activities published by staff {run} ({time.monotonic() - started:.0f} s)", flush=True)


async def measure(
    client: httpx.AsyncClient, params: dict[str, Any], *, requests: int, concurrency: int
) -> tuple[list[float], float]:
    async def one() -> float:
        started = time.perf_counter()
        expect(await client.get("/api/catalog/activities", params=params), 200)
        return time.perf_counter() - started

    for _ in range(20):
        await one()
    started = time.perf_counter()
    latencies = await gather_limited([one() for _ in range(requests)], limit=concurrency)
    return latencies, time.perf_counter() - started


async def listing(bench: BenchStack, args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=max(8, args.concurrency))
    async with httpx.AsyncClient(base_url=bench.gateway_url, timeout=60, limits=limits) as client:
        missing = args.activities - await listed(client)
        if missing > 0:
            print("set-up (not timed) ...", flush=True)
            await publish(client, await make_staff(client, run), missing, run)
            quiet = await asyncio.to_thread(wait_quiet, bench.services())
            print(f"  the stack was quiet after {quiet:.0f} s", flush=True)
        total = await listed(client)
        deep = max(0, min(total - 20, 900))
        queries: dict[str, dict[str, Any]] = {
            "first page (20 soonest)": {},
            f"page at offset {deep}": {"offset": deep},
            "largest page (limit=100)": {"limit": 100},
            "word search q=sepsis": {"q": "sepsis"},
            "format=webcast&format=enduring": {"format": ["webcast", "enduring"]},
        }
        print(
            f"\n{total} current and upcoming activities listed; {args.requests} requests each, "
            f"{args.concurrency} clients | goal p99 <= {P99_GOAL_MS:.0f} ms"
        )
        for label, params in queries.items():
            matched = await listed(client, **{k: v for k, v in params.items() if k != "limit"})
            latencies, elapsed = await measure(client, params, requests=args.requests, concurrency=args.concurrency)
            p99 = percentile(latencies, 99) * 1000
            verdict = "met" if p99 <= P99_GOAL_MS else "NOT met"
            print(
                f"  {label:32} median {statistics.median(latencies) * 1000:6.1f} ms   p99 {p99:6.1f} ms   "
                f"{len(latencies) / elapsed:6.1f} listings/s   ({matched} match; {verdict})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000, help="current and upcoming activities to list")
    parser.add_argument("--requests", type=int, default=300, help="requests per listing (default 300)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--attach", action="store_true", help="drive the stack running on OPENCME_PORT_OFFSET")
    args = parser.parse_args()
    with bench_stack(attach=args.attach) as bench:
        asyncio.run(listing(bench, args))


if __name__ == "__main__":
    main()
