"""Claim -> certificate downloadable at a steady 20 claims/s for 60 s: p50 and p99 (goal: p99 <= 2 s).

    OPENCME_PORT_OFFSET=900 .venv/bin/python bench/claim_latency.py [--rate 20] [--seconds 60] [--learners 400]
                                                                    [--connections 64] [--attach]

Learners claim at a steady rate, open loop: claim i is sent at i/rate seconds whatever became of the earlier ones, so
a backlog shows as latency and is not hidden by a slower pace (the latency of each claim counts from the moment it was
due). Each claim is timed from then until its learner has downloaded the certificate's PDF, fetched as soon as
certificate.issued announces it. Set-up, not timed, as in bench/claim_surge.py: a staff account, `--learners` learners
and rate * seconds / learners grand-rounds activities whose event code every learner entered; consecutive claims come
from different learners. Prints the claim -> downloadable p50, p99 and max, the claim answer's own p50 and p99, the
rate reached, and how the latency moved over the run (a backlog that grows shows as a rising latency). The issue names
no anchor for this figure: the goal is printed beside it.

The stack: started here or `--attach`ed, as in bench/claim_surge.py (which see for SIGNUP_IP_LIMIT).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import uuid

import httpx
from claim_surge import (
    Outcome,
    attend,
    grand_rounds,
    make_learners,
    make_staff,
    percentile,
    refresh,
    run_claims,
    stored_duplicates,
)
from idle_stack import BenchStack, bench_stack, wait_quiet

P99_GOAL_SECONDS = 2.0


async def steady(bench: BenchStack, args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:6]
    claims = round(args.rate * args.seconds)
    activities = math.ceil(claims / args.learners)
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=bench.gateway_url, timeout=120, limits=limits) as client:
        print("set-up (not timed) ...", flush=True)
        staff = await make_staff(client, run)
        learners = await make_learners(client, args.learners, run)
        schedule = []
        for n in range(activities):
            await refresh(client, [staff, *learners], older_than=300)
            activity_id, code = await grand_rounds(client, staff, f"Grand Rounds: Steady {run}-{n + 1}")
            await attend(client, learners, code, activity_id)
            schedule += [Outcome(learner, activity_id) for learner in learners]
        schedule = schedule[:claims]
        for i, outcome in enumerate(schedule):
            outcome.due = i / args.rate
        await refresh(client, [staff, *learners])
        quiet = await asyncio.to_thread(wait_quiet, bench.services())
        print(f"  {activities} activities attended by every learner; the stack was quiet after {quiet:.0f} s")
        print(f"{claims} claims at {args.rate:g}/s for {args.seconds:g} s ...", flush=True)
        outcomes, started = await run_claims(
            bench, schedule, connections=args.connections, timeout=args.seconds + args.drain
        )
        duplicates = await stored_duplicates(client, outcomes)

    accepted = [o for o in outcomes if o.status == 201]
    latency = [o.downloaded - started - o.due for o in accepted if o.downloaded is not None]
    answer = [o.answered - started - o.due for o in outcomes if o.answered is not None]
    last_due = max(o.due for o in outcomes)
    print(
        f"claims: {len(accepted)} accepted of {claims}; sent over {last_due:.1f} s = {claims / last_due:.1f} claims/s"
    )
    print(
        f"claim answered:                  p50 {statistics.median(answer) * 1000:7.0f} ms   "
        f"p99 {percentile(answer, 99) * 1000:7.0f} ms"
    )
    if len(latency) < len(accepted):
        print(f"only {len(latency)} of {len(accepted)} certificates were downloadable when the bench gave up")
    if latency:
        verdict = "met" if percentile(latency, 99) <= P99_GOAL_SECONDS else "NOT met"
        print(
            f"claim -> certificate downloadable: p50 {statistics.median(latency):7.2f} s    "
            f"p99 {percentile(latency, 99):7.2f} s    max {max(latency):.2f} s   "
            f"| goal p99 <= {P99_GOAL_SECONDS:.0f} s ({verdict})"
        )
        done = sorted((o for o in accepted if o.downloaded is not None), key=lambda o: o.due)
        sixths = [done[i * len(done) // 6 : (i + 1) * len(done) // 6] for i in range(6)]
        trend = [statistics.median((o.downloaded or 0.0) - started - o.due for o in part) for part in sixths if part]
        print("  p50 of each sixth of the run, in order: " + ", ".join(f"{s:.2f} s" for s in trend))
    announced_twice = sum(len(o.certificates) - 1 for o in outcomes if len(o.certificates) > 1)
    print(f"duplicates: {announced_twice} announced twice, {duplicates} stored twice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="claims per second (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long claims are sent (default 60)")
    parser.add_argument("--learners", type=int, default=400, help="learners; each claims rate*seconds/learners times")
    parser.add_argument("--connections", type=int, default=64, help="client connections to the gateway")
    parser.add_argument("--drain", type=float, default=900.0, help="seconds to wait for certificates after the last")
    parser.add_argument("--attach", action="store_true", help="drive the stack running on OPENCME_PORT_OFFSET")
    args = parser.parse_args()
    with bench_stack(attach=args.attach, env={"SIGNUP_IP_LIMIT": str(10 * args.learners + 100)}) as bench:
        asyncio.run(steady(bench, args))


if __name__ == "__main__":
    main()
