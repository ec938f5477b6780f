"""The end-of-meeting surge: 1,000 claims at once until every certificate is downloadable, beside pure rendering.

    OPENCME_PORT_OFFSET=900 .venv/bin/python bench/claim_surge.py [--claims 1000] [--rounds 2] [--renders 200]
                                                                  [--connections 64] [--attach]

The end of a grand-rounds session: N learners who entered its event code claim credit in the same moment. Set-up,
not timed, all through the gateway: devstack's bootstrap admin makes a staff account; N learners sign up and sign in;
for each round staff publish a grand-rounds activity (AMA PRA Category 1, one credit) with a session, every learner
enters its code, the bench waits until credit offers the activity to each of them and the stack is quiet again. Timed:
all N claims are sent at once over `--connections` connections; a Kafka consumer reads certificate.issued and each
learner fetches their certificate's PDF as soon as it is announced. The surge ends when the last PDF has been
downloaded (200, a PDF). Duplicates: certificates per claim, from the events and from each learner's
/certificates/mine. The anchor, measured A B A B A with the surges in this one run: the same certificates rendered by
certificates.rendering alone (bench/certificate_render.py's documents) in a process pool as wide as the machine's cores,
which gives the render-bound rate and the render-bound time of N certificates. Each surge is compared with the mean of
the anchors just before and just after it, and the CPU of a render in the surge with a render's alone.

The stack is started here (see bench/idle_stack.py: OPENCME_PORT_OFFSET's dev ports, a state folder of its own,
SIGNUP_IP_LIMIT raised for the learners), or `--attach` drives the one running there, which must have been started with
SIGNUP_IP_LIMIT above N (identity allows 30 sign-ups per address in 10 minutes by default), e.g.
`SIGNUP_IP_LIMIT=100000 OPENCME_PORT_OFFSET=900 .venv/bin/python -m devstack up`. It creates its own staff account,
activities and learners and removes nothing. The bench shares the machine's cores with the stack, as a load generator
on the same host does: the figures are a floor.

bench/claim_latency.py and bench/catalog_listing.py drive the gateway with the helpers of this module.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import resource
import statistics
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import httpx
import uvloop
from aiokafka import AIOKafkaConsumer, TopicPartition
from certificate_render import make_document
from idle_stack import BenchStack, bench_stack, cpu_of, cpu_seconds, proc_stat, process_cpu, wait_quiet

from certificates.rendering import render_certificate_pdf
from devstack.clients import Account, expect, gather_limited
from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD
from opencme_contracts.topics import TOPICS

PASSWORD = "bench passphrase for a learner"
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}
SURGE_GOAL_SECONDS = 60.0
RENDER_RATIO_GOAL = 1.5


# --- accounts and activities through the gateway -------------------------------------------------------------------


async def sign_in(client: httpx.AsyncClient, account: Account, password: str = PASSWORD) -> Account:
    account.take(
        expect(await client.post("/api/identity/sessions", json={"email": account.email, "password": password}), 200)
    )
    return account


async def sign_up(client: httpx.AsyncClient, email: str, **profile: Any) -> Account:
    body = {"email": email, "password": PASSWORD, "first_name": "Bench", "last_name": "Learner", **profile}
    response = await client.post("/api/identity/users", json=body)
    if response.status_code == 429:
        raise SystemExit("identity refused the sign-ups (429): start the stack with SIGNUP_IP_LIMIT above the learners")
    return await sign_in(client, Account(email, expect(response, 201)["id"]))


async def make_staff(client: httpx.AsyncClient, run: str) -> Account:
    """A staff account of this run's own, given the role by devstack's bootstrap admin."""
    admin = await sign_in(client, Account(ADMIN_EMAIL, ""), ADMIN_PASSWORD)
    staff = await sign_up(client, f"bench.staff.{run}@example.org", first_name="Bench", last_name="Coordinator")
    expect(
        await client.post(f"/api/identity/users/{staff.id}/roles", json={"role": "staff"}, headers=admin.headers), 200
    )
    return await sign_in(client, staff)  # a new token carries the role


async def make_learners(client: httpx.AsyncClient, count: int, run: str) -> list[Account]:
    """`count` learners (physicians with an MD), signed in; argon2 makes this ~0.1 s of a core each."""
    started = time.monotonic()
    learners = await gather_limited(
        [sign_up(client, f"bench.{run}.{i}@example.org", last_name=f"Learner {i}", degree="MD") for i in range(count)],
        limit=4,
    )
    print(f"  {count} learners signed up and in ({time.monotonic() - started:.0f} s)", flush=True)
    return learners


async def refresh(client: httpx.AsyncClient, accounts: Sequence[Account], *, older_than: float = 0.0) -> None:
    """Fresh access tokens (they live 15 minutes) for the accounts signed in more than `older_than` seconds ago."""

    async def one(account: Account) -> None:
        if time.monotonic() - account.signed_in >= older_than:
            body = {"refresh_token": account.refresh_token}
            account.take(expect(await client.post("/api/identity/sessions/refresh", json=body), 200))

    await gather_limited([one(a) for a in accounts], limit=16)


async def grand_rounds(client: httpx.AsyncClient, staff: Account, title: str) -> tuple[str, str]:
    """A published grand-rounds activity in progress, with one session: (activity id, its event code)."""
    now = datetime.now(UTC)
    body = {
        "title": title,
        "format": "grand_rounds",
        "starts_at": (now - timedelta(minutes=50)).isoformat(),
        "ends_at": (now + timedelta(minutes=10)).isoformat(),
        "location": "Bench Auditorium",
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "1"}],
        "requires_event_code": True,
    }
    activity = expect(await client.post("/api/catalog/activities", json=body, headers=staff.headers), 201)
    session = expect(
        await client.post(
            f"/api/catalog/activities/{activity['id']}/sessions",
            json={"title": title, "starts_at": body["starts_at"], "ends_at": body["ends_at"]},
            headers=staff.headers,
        ),
        201,
    )
    expect(await client.post(f"/api/catalog/activities/{activity['id']}/publish", headers=staff.headers), 200)
    return activity["id"], session["event_code"]


async def attend(client: httpx.AsyncClient, learners: Sequence[Account], code: str, activity_id: str) -> None:
    """Every learner enters the event code; returns once credit offers the activity to each of them."""

    async def enter(learner: Account) -> None:
        response = await client.post("/api/catalog/attendance/event-code", json={"code": code}, headers=learner.headers)
        expect(response, 200)

    await gather_limited([enter(a) for a in learners], limit=8)
    waiting = list(learners)
    deadline = time.monotonic() + 300
    while waiting:
        if time.monotonic() > deadline:
            raise SystemExit(f"credit did not learn of {len(waiting)} learners' attendance in 5 minutes")

        async def offered(learner: Account) -> bool:
            listing = expect(await client.get("/api/credit/claimable", headers=learner.headers), 200)
            return any(a["activity_id"] == activity_id for a in listing)

        found = await gather_limited([offered(a) for a in waiting], limit=8)
        waiting = [a for a, ok in zip(waiting, found, strict=True) if not ok]
        if waiting:
            await asyncio.sleep(1.0)


# --- claims until their certificates are downloadable --------------------------------------------------------------


@dataclass
class Outcome:
    """One claim: when it was due to be sent (seconds after the start), and when (perf_counter) it was answered and its
    certificate's PDF downloaded."""

    learner: Account
    activity_id: str
    due: float = 0.0
    answered: float | None = None
    status: int | None = None
    certificates: set[str] = field(default_factory=set)
    downloaded: float | None = None


class CertificateWatch:
    """Reads certificate.issued from its end as it is now (no consumer group, so no rebalance delays the first)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def start(self) -> None:
        await self.consumer.start()
        topic = TOPICS["certificate.issued"]
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        for partition in partitions:
            await self.consumer.position(partition)  # resolves the end now, before the first claim

    async def events(self) -> list[dict[str, Any]]:
        batch = await self.consumer.getmany(timeout_ms=200)
        return [json.loads(record.value)["data"] for records in batch.values() for record in records]

    async def stop(self) -> None:
        await self.consumer.stop()


async def run_claims(
    bench: BenchStack, schedule: Sequence[Outcome], *, connections: int, timeout: float
) -> tuple[list[Outcome], float]:
    """Sends each claim at its `due` offset (seconds after the start; open loop, so a slow answer delays no later
    claim), and downloads each certificate's PDF as soon as certificate.issued announces it. Returns the outcomes with
    perf_counter times and the start; certificates announced twice for one claim are all kept (duplicates).

    The learners' requests go over aiohttp, `connections` at a time: they stand for browsers on other machines, and
    httpx took twenty times its CPU a request (3.0 ms against 0.14 at 64 connections) from the cores the stack runs
    on."""
    watch = CertificateWatch(bench.kafka_bootstrap)
    await watch.start()
    by_key = {(o.learner.id, o.activity_id): o for o in schedule}
    downloads: set[asyncio.Task[None]] = set()
    download_slots = asyncio.Semaphore(8)
    unfinished = len(schedule)  # claims not yet refused or downloadable
    all_downloadable = asyncio.Event()
    learners = aiohttp.ClientSession(
        base_url=bench.gateway_url,
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=120),
    )

    def finished() -> None:
        nonlocal unfinished
        unfinished -= 1
        if unfinished == 0:
            all_downloadable.set()

    async def send(outcome: Outcome) -> None:
        body = {"activity_id": outcome.activity_id, "credits": {"AMA_PRA_1": "1"}, "evaluation": EVALUATION}
        try:
            async with learners.post("/api/credit/claims", json=body, headers=outcome.learner.headers) as response:
                await response.read()
                outcome.status = response.status
        except (aiohttp.ClientError, TimeoutError):
            outcome.status = 0
        outcome.answered = time.perf_counter()
        if outcome.status != 201:
            finished()

    async def download(outcome: Outcome, certificate_id: str) -> None:
        url = f"/api/certificates/certificates/{certificate_id}/pdf"
        async with download_slots:
            while True:
                try:
                    async with learners.get(url, headers=outcome.learner.headers) as response:
                        status, pdf = response.status, await response.read()
                except (aiohttp.ClientError, TimeoutError):
                    status, pdf = 0, b""
                if status == 200 and pdf.startswith(b"%PDF"):
                    outcome.downloaded = time.perf_counter()
                    finished()
                    return
                await asyncio.sleep(0.2)

    async def watch_certificates() -> None:
        while True:
            for event in await watch.events():
                outcome = by_key.get((event["learner_id"], event["activity_id"]))
                if outcome is None:
                    continue
                if not outcome.certificates:
                    task = asyncio.create_task(download(outcome, event["certificate_id"]))
                    downloads.add(task)
                    task.add_done_callback(downloads.discard)
                outcome.certificates.add(event["certificate_id"])

    watcher = asyncio.create_task(watch_certificates())
    started = time.perf_counter()
    sends = []
    for outcome in sorted(schedule, key=lambda o: o.due):
        await asyncio.sleep(max(0.0, started + outcome.due - time.perf_counter()))
        sends.append(asyncio.create_task(send(outcome)))
    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*sends)
            await all_downloadable.wait()
    except TimeoutError:
        print(f"  gave up waiting after {timeout:.0f} s", flush=True)
    await asyncio.sleep(2.0)  # a duplicate announced just after the last download still counts
    watcher.cancel()
    for task in (watcher, *downloads):
        task.cancel()
    await asyncio.gather(watcher, *downloads, return_exceptions=True)
    await watch.stop()
    await learners.close()  # its connections; an exception above ends the bench's process, and them with it
    return list(schedule), started


async def stored_duplicates(client: httpx.AsyncClient, outcomes: Sequence[Outcome]) -> int:
    """Certificates beyond one per claim in the learners' own lists (what they would see in the portal)."""

    async def extra(outcome: Outcome) -> int:
        listing = expect(await client.get("/api/certificates/certificates/mine", headers=outcome.learner.headers), 200)
        return max(0, sum(c["activity_id"] == outcome.activity_id for c in listing) - 1)

    return sum(await gather_limited([extra(o) for o in outcomes if o.status == 201], limit=8))


async def report_emails(bench: BenchStack, accepted: Sequence[Outcome], since: datetime, *, timeout: float) -> None:
    """Waits until the mail server has accepted every claim's "your certificate is ready" email (the notifications
    service's own record of it), and prints when the last one went."""
    learners, sent = [uuid.UUID(o.learner.id) for o in accepted], 0
    if not learners:
        return
    conn = await asyncpg.connect(bench.admin_dsn("opencme_notifications"))
    try:
        async with asyncio.timeout(timeout):
            while True:
                row = await conn.fetchrow(
                    "SELECT count(*) FILTER (WHERE status = 'sent'), max(sent_at) FROM messages "
                    "WHERE kind = 'certificate_issued' AND learner_id = ANY($1::uuid[]) AND created_at >= $2",
                    learners,
                    since,
                )
                assert row is not None  # an aggregate without GROUP BY gives one row
                sent, last = row
                if sent >= len(learners):
                    break
                await asyncio.sleep(0.5)
        seconds = (last - since).total_seconds()
        print(f"     every certificate's email accepted by the mail server after {seconds:.1f} s")
    except TimeoutError:
        print(f"     {sent} of {len(learners)} certificate emails sent before the bench gave up")
    finally:
        await conn.close()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: with fewer than 100 values p99 is the largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- the anchor: rendering alone on the same cores -----------------------------------------------------------------


def _warm_up() -> None:
    """Each pool process renders once first: fonts and stylesheets are set up outside the timing."""
    render_certificate_pdf(make_document(0, 1))


def _render(i: int) -> tuple[int, float]:
    """The PDF's size and the CPU seconds its render took."""
    cpu = time.process_time()
    size = len(render_certificate_pdf(make_document(i, 1)))
    return size, time.process_time() - cpu


@dataclass(frozen=True)
class Anchor:
    rate: float  # certificates a second
    cpu: float  # CPU seconds of the renders


def render_rate(count: int) -> Anchor:
    """Certificates per second that certificates.rendering alone reaches with one process per core, and the CPU the
    renders took."""
    cores = os.cpu_count() or 1
    spawn = multiprocessing.get_context("spawn")  # not fork: this process runs an event loop and its connections
    with ProcessPoolExecutor(max_workers=cores, mp_context=spawn, initializer=_warm_up) as pool:
        list(pool.map(time.sleep, [0.5] * cores))  # every process started and warmed up
        started = time.perf_counter()
        renders = list(pool.map(_render, range(1, count + 1)))
        elapsed = time.perf_counter() - started
    assert all(size for size, _ in renders)
    return Anchor(count / elapsed, sum(cpu for _, cpu in renders))


async def time_rendering(bench: BenchStack, args: argparse.Namespace, when: str) -> Anchor:
    """Pure rendering, timed once the stack is quiet (the last round's emails and board reports, which yield to
    renders, and whatever a set-up set off)."""
    quiet = await asyncio.to_thread(wait_quiet, bench.services())
    anchor = await asyncio.to_thread(render_rate, args.renders)
    print(
        f"  A  pure rendering {when}: {anchor.rate:.1f} certificates/s on {os.cpu_count()} cores -> {args.claims} "
        f"certificates render in {args.claims / anchor.rate:.1f} s, {anchor.cpu / args.renders * 1000:.0f} ms of CPU "
        f"each (the stack quiet after {quiet:.0f} s)",
        flush=True,
    )
    return anchor


async def postgres_cpu(bench: BenchStack) -> dict[str, float]:
    """CPU seconds of each PostgreSQL server process now, by what it serves: its database for a client's backend (the
    services' pools keep theirs), its kind for the others (the WAL writer, the checkpointer, ...)."""
    conn = await asyncpg.connect(bench.admin_dsn())
    try:
        rows = await conn.fetch("SELECT pid, coalesce(datname, backend_type) AS part FROM pg_stat_activity")
    finally:
        await conn.close()
    by_part: dict[str, float] = {}
    for row in rows:
        if (fields := proc_stat(str(row["pid"]))) is not None:
            by_part[f"{row['part']}:{row['pid']}"] = cpu_of(fields, children=False)
    return by_part


def postgres_parts(before: dict[str, float], after: dict[str, float]) -> str:
    """What each database's backends (and the server's own processes) took between two `postgres_cpu` readings; a
    backend that ended meanwhile is missing, one that started is counted whole."""
    took: dict[str, float] = {}
    for key, seconds in after.items():
        part = key.rsplit(":", 1)[0]
        took[part] = took.get(part, 0.0) + seconds - before.get(key, 0.0)
    busiest = sorted(took.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{part} {seconds:.1f}" for part, seconds in busiest if seconds >= 0.1)


# --- the benchmark -------------------------------------------------------------------------------------------------


async def surge(bench: BenchStack, args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=bench.gateway_url, timeout=120, limits=limits) as client:
        print("set-up (not timed) ...", flush=True)
        staff = await make_staff(client, run)
        learners = await make_learners(client, args.claims, run)
        after = await time_rendering(bench, args, "before the first round")
        for round_no in range(1, args.rounds + 1):
            print(f"\nround {round_no}", flush=True)
            before = after
            await refresh(client, [staff, *learners], older_than=300)
            activity_id, code = await grand_rounds(client, staff, f"Grand Rounds: Surge {run}-{round_no}")
            await attend(client, learners, code, activity_id)
            await refresh(client, learners)
            quiet = await asyncio.to_thread(wait_quiet, bench.services())
            print(f"  {args.claims} learners attended; the stack was quiet after {quiet:.0f} s", flush=True)
            parts = bench.services() | bench.infrastructure()
            worker = parts["certificates-worker"]
            cpu, stack_cpu, wall_start = own_cpu(), cpu_seconds(parts), datetime.now(UTC)
            worker_cpu, pg_cpu = process_cpu(worker), await postgres_cpu(bench)
            outcomes, started = await run_claims(
                bench,
                [Outcome(learner, activity_id) for learner in learners],
                connections=args.connections,
                timeout=args.timeout,
            )
            cpu, stack_cpu = own_cpu() - cpu, {k: v - stack_cpu[k] for k, v in cpu_seconds(parts).items()}
            # The worker's session is the worker (its leader) and its render processes.
            leader = process_cpu(worker) - worker_cpu
            renders = stack_cpu["certificates-worker"] - leader
            pg_parts = postgres_parts(pg_cpu, await postgres_cpu(bench))
            last = report(outcomes, started, await stored_duplicates(client, outcomes))
            print(f"     the bench's own clients (claims, downloads, the Kafka reader) took {cpu:.1f} s of CPU")
            busiest = sorted(stack_cpu.items(), key=lambda kv: -kv[1])
            print(
                f"     the stack's CPU, {sum(stack_cpu.values()):.1f} s: "
                + ", ".join(f"{name} {seconds:.1f}" for name, seconds in busiest if seconds >= 0.1)
                + f" (the certificates worker's: its render processes {renders:.1f}, the worker itself {leader:.1f})"
            )
            print(f"     PostgreSQL's by database: {pg_parts}")
            accepted = [o for o in outcomes if o.status == 201]
            await report_emails(bench, accepted, wall_start, timeout=args.timeout)
            after = await time_rendering(bench, args, "after the round")
            if last is not None:
                rest = sum(stack_cpu.values()) - renders + cpu
                compare(last, len(accepted), args, before, after, renders, rest)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(outcomes: Sequence[Outcome], started: float, stored_duplicates: int) -> float | None:
    """Prints what the surge's claims and certificates saw; returns when the last certificate was downloaded
    (seconds after the start), None if none was."""
    accepted = [o for o in outcomes if o.status == 201]
    answered = [o.answered - started for o in outcomes if o.answered is not None]
    claim_latency = [o.answered - started - o.due for o in outcomes if o.answered is not None]
    done = [o.downloaded - started for o in accepted if o.downloaded is not None]
    announced_twice = sum(len(o.certificates) - 1 for o in outcomes if len(o.certificates) > 1)
    print(
        f"  B  {len(outcomes)} claims sent at once: {len(accepted)} accepted, {len(outcomes) - len(accepted)} refused"
        f" or failed; all answered in {max(answered):.1f} s ({len(answered) / max(answered):.0f} claims/s; claim "
        f"p50 {statistics.median(claim_latency) * 1000:.0f} ms, p99 {percentile(claim_latency, 99) * 1000:.0f} ms)"
    )
    if len(done) < len(accepted):
        print(f"     only {len(done)} of {len(accepted)} certificates downloadable before the bench gave up")
    if done:
        print(
            f"     every certificate downloadable after {max(done):.1f} s = {len(done) / max(done):.1f} "
            f"certificates/s (p50 {statistics.median(done):.1f} s) | goal <= {SURGE_GOAL_SECONDS:.0f} s"
        )
    print(f"     duplicates: {announced_twice} announced twice, {stored_duplicates} stored twice (goal 0)", flush=True)
    return max(done) if done else None


def compare(
    last: float, issued: int, args: argparse.Namespace, before: Anchor, after: Anchor, renders: float, rest: float
) -> None:
    """The surge beside pure rendering timed just before and just after it: the machine's speed drifts within
    minutes here, and one anchor on one side of the surge made the ratio swing with it."""
    rate = statistics.mean([before.rate, after.rate])
    render_bound = issued / rate
    each = statistics.mean([before.cpu, after.cpu]) / args.renders
    print(
        f"     anchor: render-bound {render_bound:.1f} s at {rate:.1f} certificates/s (mean of {before.rate:.1f} "
        f"before and {after.rate:.1f} after) -> the pipeline takes {last / render_bound:.2f}x pure rendering "
        f"({last * before.rate / issued:.2f}x against the anchor before, {last * after.rate / issued:.2f}x after) "
        f"| goal <= {RENDER_RATIO_GOAL}x"
    )
    print(
        f"     a render's CPU: {renders / issued * 1000:.0f} ms in the surge's render processes, {each * 1000:.0f} ms "
        f"alone; everything else (the stack, the bench's clients) took {rest:.1f} s of CPU, {rest / renders:.0%} of "
        f"the renders' (a figure the machine's speed, which moves both, changes less than the ratio)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000, help="learners, each claiming once per round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds, each a surge with pure rendering timed before and after it (default 2: A B A B A)",
    )
    parser.add_argument("--renders", type=int, default=200, help="certificates rendered for the anchor per round")
    parser.add_argument("--connections", type=int, default=64, help="client connections to the gateway")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for a surge's certificates")
    parser.add_argument("--attach", action="store_true", help="drive the stack running on OPENCME_PORT_OFFSET")
    args = parser.parse_args()
    with bench_stack(attach=args.attach, env={"SIGNUP_IP_LIMIT": str(10 * args.claims + 100)}) as bench:
        # The learners' clients on uvloop, as the services' loops are: the load generator shares the cores, so the
        # less of them it takes the closer the figures are to the stack's own.
        uvloop.run(surge(bench, args))


if __name__ == "__main__":
    main()
