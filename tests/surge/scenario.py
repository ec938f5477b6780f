"""One scenario of the chaos and cluster suites: a new activity that every learner attended, a surge of claims, one
fault injected while it runs, then the ledger until drained, its row in the session's table, and the verdict.

A World is what a suite's session holds (its stack, a gateway client, staff, learners, the ledger): open_world."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from ledger import Ledger, Row, Tally
from surge import Learner, Surge, grand_rounds_attended, make_learners, make_staff, refresh

from devstack.pytest_plugin import report_figure
from devstack.stack import Stack


@dataclass
class World:
    stack: Stack
    client: httpx.AsyncClient
    staff: Learner  # a coordinator: their `headers` publish activities
    learners: list[Learner]
    ledger: Ledger


@asynccontextmanager
async def open_world(stack: Stack, *, learners: int, suite: str) -> AsyncIterator[World]:
    """Staff and `learners` learners signed up through the gateway (their names carry `suite` and a run id), and the
    ledger reading the stack's databases, Kafka, SMTP sink and board."""
    c = stack.config
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=c.gateway_url, timeout=60, limits=limits) as client:
        run = f"{suite}.{uuid.uuid4().hex[:6]}"
        staff = await make_staff(client, run)
        started = time.monotonic()
        signed_up = await make_learners(client, learners, run)
        took = time.monotonic() - started
        report_figure(
            f"{suite}: {learners} learners signed up and in through the gateway in {took:.0f} s "
            f"({learners / took:.1f} a second)"
        )
        ledger = Ledger(
            dsn_for=stack.postgres.service_dsn,
            bootstrap=c.kafka_bootstrap,
            sink_url=f"http://127.0.0.1:{c.smtp_http_port}",
            board_url=f"http://127.0.0.1:{c.board_port}",
        )
        await ledger.start()
        try:
            yield World(stack, client, staff, signed_up, ledger)
        finally:
            await ledger.close()


Inject = Callable[[World], Awaitable[float]]  # injects the fault, ends it, returns when it ended (time.monotonic)


async def surge_with_fault(
    world: World,
    fault: str,
    inject: Inject,
    *,
    dead_letters: int = 0,
    at: float = 1 / 3,
    rate: float | None = None,
    resends_possible: bool = False,
) -> tuple[Tally, Surge]:
    """A new activity, every learner attending; the surge of claims (`rate` a second, or as fast as they are
    answered), `inject` once `at` of them are answered; then the ledger, until drained. Writes the scenario's row and
    fails on anything lost or duplicated, on a report sent twice unless `resends_possible`, and on dead letters other
    than the `dead_letters` expected."""
    started = time.monotonic()
    # Access tokens live 15 minutes and a cluster session lasts longer: staff's too (a 401 once cost a scenario).
    await refresh(world.client, [world.staff, *world.learners], older_than=300)
    credit_dsn = world.stack.postgres.service_dsn("credit")
    title = f"Surge {uuid.uuid4().hex[:4]}: {fault}"
    activity = await grand_rounds_attended(world.client, world.staff.headers, world.learners, title, credit_dsn)
    await world.ledger.board.delete("/_reports")  # the board's listing, read at every count, holds this surge only
    dead_before = await world.ledger.dead_letters()
    surge = Surge(world.client, world.learners, activity, rate=rate)
    claiming = time.monotonic()
    surge.start()
    await surge.reached(at)
    fault_ended = await inject(world)
    sent = await surge.finished()
    tally, drain = await world.ledger.settle(activity, sent, fault_ended=fault_ended)
    report_figure(
        f"{fault}: claims answered in {surge.seconds:.0f} s, drained {drain:.0f} s after the fault ended, "
        f"{time.monotonic() - started:.0f} s in all (the activity and its attendance {claiming - started:.0f} s)"
    )
    Row(
        fault=fault,
        claims=tally.claims,
        certificates=tally.certificates.counted,
        events=tally.events.counted,
        emails=tally.emails.counted,
        reports=f"{tally.reports.counted}/{tally.expected_reports}",
        lost=sum(k.lost for k in tally.kinds.values()),
        duplicated=sum(k.duplicated for k in tally.kinds.values()),
        drain_seconds=round(drain, 1),
        retried_claims=sum(s.retried for s in sent),
        reports_resent=tally.reports_resent,
    ).record()
    for name, kind in tally.kinds.items():
        assert (kind.lost, kind.duplicated) == (0, 0), f"{fault}: {name} lost {kind.lost}, duplicated {kind.duplicated}"
    # Only a board-reporting worker that dies between the board's answer and recording it sends a report again (the
    # board then answers "already recorded"); a database that goes away meanwhile must not make it do so.
    assert resends_possible or tally.reports_resent == 0, f"{fault}: {tally.reports_resent} reports sent again"
    dead_after = await world.ledger.dead_letters()
    added = {t: n - dead_before.get(t, 0) for t, n in dead_after.items() if n != dead_before.get(t, 0)}
    assert sum(added.values()) == dead_letters, f"{fault}: dead letters added {added}, expected {dead_letters}"
    return tally, surge
