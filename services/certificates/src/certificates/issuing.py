"""Issuing a claim's certificate, in three steps, so that no transaction and no learner's lock is held while a
certificate renders.

1. `accept` (the `credit.claimed` handler, in its inbox transaction): the claim goes into the issue queue. The
   consumer commits the Kafka offset only after that, as the kit does for every event: what it promises, "the event's
   effect is in the database", holds, and the consumer moves on at once instead of waiting for a render.
2. `draft` (the worker's `Issuer`, no transaction, no lock): read the name the claim prints, pick a number and code,
   and render the PDF in the render pool, one process per core, several claims at a time.
3. `store` (one short transaction, under the learner's lock like every other write for that learner): check that what
   was rendered is still what should be issued: the claim is still queued (no other issuer stored it, no revocation
   dropped it) and the issuing rule still picks the name version it was rendered with (a `profile.updated` committed
   meanwhile may have changed it). If so the certificate and its `certificate.issued` are stored and the claim leaves
   the queue; if not, the claim is rendered again with what the rule picks now. A claim with no name yet is held
   (`pending_claims`) until one arrives, as before.

Exactly once: the inbox (a redelivered event queues nothing), one row per claim in the queue, the row lock and the
check in `store`, and the unique index of current certificates per claim. Per-learner order: a name change and a
claim of one learner still take turns on the learner's lock; whichever commits first, the other sees it (the name
change finds the certificate and replaces it, or the claim is rendered again with the new name).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from certificates import domain, issue_queue, repository
from certificates.config import Settings
from certificates.render_pool import RenderCrashed, RenderPool
from certificates.render_pool import shared as shared_render_pool
from certificates.rendering import CertificateCredit
from certificates.service import document_of, name_for_claim, store_and_announce
from opencme_contracts import events
from opencme_kit import db, logs, merges
from opencme_kit.clock import utcnow
from opencme_kit.messaging import Rejected
from opencme_kit.waking import until_due, woken

log = logging.getLogger(__name__)

# Renders of one claim in a row that a name change can make stale before giving up for now (and retrying later).
_MAX_RENDERS = 5


async def accept(conn: db.Connection, claim: events.CreditClaimed, correlation_id: str | None) -> None:
    """Queue the claim for issuing (in the caller's transaction). A claim whose credit cannot print (an amount off
    the 0.25 step) is refused here, so that its event goes to the dead-letter topic like any event refused for good."""
    try:
        for credit in claim.credits:
            CertificateCredit(credit_type_label=credit.credit_type, amount=credit.amount, statement=credit.statement)
    except ValueError as exc:
        raise Rejected(f"certificate for claim {claim.claim_id} cannot be rendered: {exc}") from exc
    await issue_queue.add(conn, claim, correlation_id)  # not if issued already (the event published again)


async def draft(
    conn: db.Connection, claim: events.CreditClaimed, settings: Settings, *, again: domain.Certificate | None = None
) -> domain.Certificate | None:
    """The certificate `claim` gets, as the issuing rule reads now (no lock; `store` checks it again under one); None
    if no name is known for it yet. Drafted `again` after a name change, it keeps the number and code it had."""
    owner = await merges.survivor_of(conn, claim.learner_id)
    name, source = await name_for_claim(conn, claimant=claim.learner_id, owner=owner, claimed_at=claim.claimed_at)
    if name is None:
        return None
    if again is not None:
        number, code = again.number, again.verification_code
    else:
        number = domain.certificate_number(claim.claimed_at.year, await repository.next_number(conn))
        code = domain.new_verification_code()
    issued_at = utcnow()
    content = domain.issued_content(
        claim,
        name,
        number=number,
        code=code,
        public_base_url=settings.public_base_url,
        provider_address=settings.provider_address,
        issued_on=issued_at.date(),
    )
    return domain.Certificate(
        id=uuid.uuid4(),
        number=number,
        verification_code=code,
        claim_id=claim.claim_id,
        owner_id=owner,
        activity_id=claim.activity.activity_id,
        content=content,
        issued_at=issued_at,
        completed_on=claim.completed_on,
        basis=domain.Basis(claim.learner_id, claim.claimed_at, source, name.version),
    )


class Stored(enum.Enum):
    ISSUED = "issued"  # the certificate and its certificate.issued are stored
    HELD = "held"  # no name for the claim yet: it waits in pending_claims
    GONE = "gone"  # nothing to do: issued by another issuer (or earlier), revoked, or dead-lettered meanwhile
    STALE = "stale"  # the rule picks another name version now (or one appeared): render again


async def store(
    conn: db.Connection, claim: events.CreditClaimed, certificate: domain.Certificate | None, pdf: bytes
) -> Stored:
    """Store `certificate` (rendered as `pdf`; None: drafted without a name) if it is still what the claim should
    get; call inside a transaction, which this keeps short: a few statements, no render."""
    owner = await merges.owner_of(conn, claim.learner_id)  # the learner's lock, as for every write of theirs
    if not await issue_queue.lock(conn, claim.claim_id):
        return Stored.GONE
    if await repository.has_current_certificate(conn, claim.claim_id):
        await issue_queue.remove(conn, claim.claim_id)
        return Stored.GONE
    name, source = await name_for_claim(conn, claimant=claim.learner_id, owner=owner, claimed_at=claim.claimed_at)
    if name is None:
        await repository.hold_claim(conn, claim, owner)
        await issue_queue.remove(conn, claim.claim_id)
        return Stored.HELD
    if certificate is None or certificate.basis is None:
        return Stored.STALE
    if (source, name.version) != (certificate.basis.profile_learner_id, certificate.basis.profile_version):
        return Stored.STALE
    # The owner as it is now: a merge committed since the draft moves the certificate to the survivor (its content
    # does not name the owner, so nothing needs rendering again).
    await store_and_announce(conn, replace(certificate, owner_id=owner), pdf)
    await issue_queue.remove(conn, claim.claim_id)
    return Stored.ISSUED


async def issue(pool: db.Pool, claim: events.CreditClaimed, settings: Settings, renderer: RenderPool[bytes]) -> Stored:
    """Draft, render and store the claim's certificate, rendering again while a name change makes the draft stale."""
    certificate: domain.Certificate | None = None
    for _ in range(_MAX_RENDERS):
        async with pool.acquire() as conn:
            if await repository.has_current_certificate(conn, claim.claim_id):
                certificate, pdf = None, b""  # `store` finds it and only takes the claim off the queue
            else:
                certificate = await draft(conn, claim, settings, again=certificate)
        pdf = await renderer.render(document_of(certificate.content)) if certificate is not None else b""
        async with pool.acquire() as conn, conn.transaction():
            stored = await store(conn, claim, certificate, pdf)
        if stored is not Stored.STALE:
            return stored
    raise RuntimeError(f"claim {claim.claim_id}: the name changed under {_MAX_RENDERS} renders in a row")


class Issuer:
    """The worker's issuer: takes queued claims and issues them, up to `concurrency` at a time (twice the render
    processes, so that the next render is ready while one is stored), until cancelled. Woken by NOTIFY when a claim is
    queued, when one of its issues finishes, and when the next lease or retry wait runs out; with nothing in the queue
    it looks again every `recheck_interval` seconds only (a claim re-queued by hand, a notice nobody has seen).

    A render that fails is retried `max_attempts` times with a growing wait (a render process that died is
    `RenderCrashed`; the pool starts new ones); one that cannot succeed (`ValueError`: the content does not fit on a
    page) or keeps failing is dead-lettered: it stays in the queue with `failed_at` and the error, logged, never lost.
    An unreachable database is nobody's fault: the lease runs out and the claim is taken again. An issuer that is
    stopped (cancelled) gives the claims it was issuing back to the queue, so that another takes them at once."""

    def __init__(
        self,
        pool: db.Pool,
        settings: Settings,
        renderer: RenderPool[bytes] | None = None,
        *,
        concurrency: int | None = None,
        lease_seconds: float = 120.0,
        max_attempts: int = 5,
        retry_delay: float = 1.0,
        recheck_interval: float = 60.0,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.renderer = renderer or shared_render_pool
        self.concurrency = concurrency or 2 * self.renderer.processes
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.poll_interval = settings.outbox_poll_interval  # the wait before starting over after a failure
        self.recheck_interval = recheck_interval
        self.issued = 0
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._interrupted: list[uuid.UUID] = []  # claims whose issue was cancelled

    async def run(self) -> None:
        """Issue until cancelled; survives a lost database connection by starting over."""
        try:
            while True:
                try:
                    await self._serve()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("issuer failed; starting over")
                    await asyncio.sleep(self.poll_interval)
        finally:
            for task in self._in_flight:
                task.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._give_back_interrupted()

    async def _give_back_interrupted(self) -> None:
        """Best effort, briefly: if the database cannot take them now, their leases run out as after a crash."""
        claims, self._interrupted = self._interrupted, []
        if not claims:
            return
        try:
            async with asyncio.timeout(5), self.pool.acquire() as conn:
                given = await issue_queue.give_back(conn, claims)
            log.info("stopped while issuing %d claims; gave them back to the queue", given)
        except db.UNAVAILABLE:  # TimeoutError (the 5 s) among them, an OSError
            log.warning("stopped while issuing %d claims; their leases will run out", len(claims), exc_info=True)

    async def _serve(self) -> None:
        async with db.held(self.pool) as conn:  # its LISTEN ends when the connection goes back
            await conn.add_listener(issue_queue.CHANNEL, lambda *_: self._wake.set())
            while True:
                self._wake.clear()
                free = self.concurrency - len(self._in_flight)
                wait = self.recheck_interval  # every slot busy: a finished issue wakes the loop
                if free > 0:
                    taken = await self._take(free)
                    for queued in taken:
                        self._start(queued)
                    if len(taken) < free:
                        # Not less than a tenth of a second: a row due now that `take` skipped is locked by another
                        # issuer's transaction.
                        due = await issue_queue.seconds_until_next(conn)
                        wait = until_due(due, at_most=self.recheck_interval, at_least=0.1)
                await woken(self._wake, wait)

    async def _take(self, limit: int) -> list[issue_queue.Queued]:
        async with self.pool.acquire() as conn:
            return await issue_queue.take(conn, limit, self.lease_seconds)

    def _start(self, queued: issue_queue.Queued) -> None:
        task = asyncio.create_task(self._issue_one(queued))
        self._in_flight.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._in_flight.discard(finished)
            self._wake.set()  # a slot is free

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Issue every claim that is ready, and those that become ready meanwhile, then return (tests; a claim waiting
        to be retried is left for later)."""
        while queued := await self._take(self.concurrency):
            await asyncio.gather(*(self._issue_one(q) for q in queued))

    async def _issue_one(self, queued: issue_queue.Queued) -> None:
        token = logs.correlation_id.set(queued.correlation_id)
        claim_id = queued.claim.claim_id
        try:
            if await issue(self.pool, queued.claim, self.settings, self.renderer) is Stored.ISSUED:
                self.issued += 1
        except asyncio.CancelledError:
            self._interrupted.append(claim_id)
            raise
        except db.UNAVAILABLE:
            log.warning("database unavailable while issuing claim %s; its lease will run out", claim_id, exc_info=True)
        except Exception as exc:
            await self._failed(queued, exc)
        finally:
            logs.correlation_id.reset(token)

    async def _failed(self, queued: issue_queue.Queued, exc: Exception) -> None:
        claim_id = queued.claim.claim_id
        error = f"{type(exc).__name__}: {exc}"[:2000]
        hopeless = isinstance(exc, ValueError)  # e.g. CertificateDoesNotFit: rendering again cannot help
        async with self.pool.acquire() as conn:
            if hopeless or queued.attempts >= self.max_attempts:
                log.error("issuing claim %s failed for good (attempt %d): %s", claim_id, queued.attempts, error)
                await issue_queue.dead_letter(conn, claim_id, error)
            else:
                level = logging.WARNING if isinstance(exc, RenderCrashed) else logging.ERROR
                attempt = queued.attempts
                log.log(level, "issuing claim %s failed (attempt %d); retrying", claim_id, attempt, exc_info=True)
                delay = self.retry_delay * 2 ** (queued.attempts - 1) * (0.5 + random.random())
                await issue_queue.retry_later(conn, claim_id, delay, error)


def run_issuer(settings: Settings) -> Callable[[db.Pool], Coroutine[Any, Any, None]]:
    """The worker's background task: the issuer on the worker's pool, with the shared render pool, closed at the end."""

    async def run(pool: db.Pool) -> None:
        try:
            await shared_render_pool.start()
            await Issuer(pool, settings, lease_seconds=settings.issue_lease_seconds).run()
        finally:
            shared_render_pool.close()

    return run
