"""Driving a stack through its gateway (the chaos and cluster suites'): learners, one grand-rounds activity per
scenario, and a surge of claims whose clients retry what failed with the same Idempotency-Key, as the portal's do.
Every wait is bounded by a Budget that grows with the surge's size."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from devstack.clients import Account, expect, gather_limited
from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

PASSWORD = "surge passphrase for a learner"
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}
BOARD = "ABIM"
# What a client that did not get an answer does: the gateway (502, 504), a service without its database (500, 503),
# or no answer at all (0) — it sends the same claim again with the same key.
RETRIED = frozenset({0, 500, 502, 503, 504})
RETRY_PAUSE = 0.5


@dataclass(frozen=True)
class Budget:
    """How long each phase of a surge of `claims` may take before the test fails: a fixed part and a part per claim,
    so that the issue's 2,000 claims get the time their certificates take (rendering is ~0.1 s of a core each, ~6-10
    a second on two cores beside the stack) without a 150-claim run waiting as long for a failure."""

    claims: int

    @property
    def sign_up(self) -> float:
        """Learners signed up and in: two argon2 computations each, ~0.1 s of a core together."""
        return 120 + 0.5 * self.claims

    @property
    def attendance(self) -> float:
        """Every learner's event code entered and known to credit."""
        return 60 + 0.1 * self.claims

    @property
    def intake(self) -> float:
        """One claim sent again and again with its key (a fault may keep its service away), and the surge's
        progress to the moment of its fault."""
        return 120 + 0.1 * self.claims

    @property
    def drain(self) -> float:
        """From the end of the fault until every effect is there: 150 claims 247 s, 2,000 claims 1,080 s."""
        return 180 + 0.45 * self.claims

    @property
    def poll(self) -> float:
        """Between two counts of the ledger: each reads the sink's and the board's whole listings, so a big surge
        counts less often rather than taking cores from the certificates it waits for."""
        return max(1.0, self.claims / 500)


@dataclass
class Learner(Account):
    opted_in: bool = False  # has an ABIM diplomate id and birthday, and claims MOC points reported to ABIM


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    return expect(await client.post("/api/identity/sessions", json={"email": email, "password": password}), 200)


async def sign_up(client: httpx.AsyncClient, email: str, *, opted_in: bool, **profile: Any) -> Learner:
    body = {"email": email, "password": PASSWORD, "first_name": "Surge", "last_name": "Learner", **profile}
    if opted_in:
        body |= {"board_ids": {BOARD: f"AB{uuid.uuid4().hex[:8]}"}, "birth_month": 4, "birth_day": 30}
    learner = Learner(email, expect(await client.post("/api/identity/users", json=body), 201)["id"], opted_in=opted_in)
    learner.take(await sign_in(client, email, PASSWORD))
    return learner


async def make_staff(client: httpx.AsyncClient, run: str) -> Learner:
    """A coordinator (the staff role), signed in; `refresh` keeps their token fresh like a learner's."""
    admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    staff = await sign_up(client, f"{run}.staff@example.org", opted_in=False, last_name="Coordinator")
    granted = await client.post(
        f"/api/identity/users/{staff.id}/roles",
        json={"role": "staff"},
        headers={"Authorization": f"Bearer {admin['access_token']}"},
    )
    expect(granted, 200)
    staff.take(await sign_in(client, staff.email, PASSWORD))  # a token with the role
    return staff


# Sign-ups at once. argon2 (a hash to sign up, a verification to sign in: 96 ms of a core together) runs in the
# identity API's threads, but it is a quarter of what a sign-up costs the stack (the gateway, the API, the outbox, four
# consumers of user.registered, the verification email): 5.7 learners a second on the cluster profile with four in
# flight, 4.3 with eight (two cores shared with other work). The session's figures give the rate of each run.
SIGN_UP_CONCURRENCY = 4


async def make_learners(client: httpx.AsyncClient, count: int, run: str) -> list[Learner]:
    """`count` physicians signed up and in, every other one opted in to ABIM reporting."""
    budget = Budget(count).sign_up
    try:
        async with asyncio.timeout(budget):
            return await gather_limited(
                [
                    sign_up(
                        client, f"{run}.{i}@example.org", opted_in=i % 2 == 0, last_name=f"Learner {i}", degree="MD"
                    )
                    for i in range(count)
                ],
                limit=SIGN_UP_CONCURRENCY,
            )
    except TimeoutError:
        raise AssertionError(f"{count} learners not signed up and in after {budget:.0f} s") from None


async def refresh(client: httpx.AsyncClient, learners: Iterable[Learner], *, older_than: float) -> None:
    """Fresh access tokens (they live 15 minutes) for the learners signed in more than `older_than` seconds ago."""

    async def one(learner: Learner) -> None:
        if time.monotonic() - learner.signed_in >= older_than:
            body = {"refresh_token": learner.refresh_token}
            learner.take(expect(await client.post("/api/identity/sessions/refresh", json=body), 200))

    await gather_limited([one(learner) for learner in learners], limit=8)


@dataclass(frozen=True)
class Activity:
    id: str
    title: str


async def grand_rounds_attended(
    client: httpx.AsyncClient, staff: dict[str, str], learners: list[Learner], title: str, credit_dsn: str
) -> Activity:
    """A published grand-rounds activity (AMA PRA Category 1 and ABIM MOC) whose event code every learner entered;
    returns once credit knows of every attendance (read in its database), so that every claim can be taken."""
    now = datetime.now(UTC)
    body = {
        "title": title,
        "format": "grand_rounds",
        "starts_at": (now - timedelta(minutes=50)).isoformat(),
        "ends_at": (now + timedelta(minutes=10)).isoformat(),
        "location": "Surge Auditorium",
        "credit_designations": [
            {"credit_type": "AMA_PRA_1", "max_credits": "1"},
            {"credit_type": f"MOC_{BOARD}", "max_credits": "1"},
        ],
        "moc_boards": [BOARD],
        "requires_event_code": True,
    }
    activity = expect(await client.post("/api/catalog/activities", json=body, headers=staff), 201)
    session = expect(
        await client.post(
            f"/api/catalog/activities/{activity['id']}/sessions",
            json={"title": title, "starts_at": body["starts_at"], "ends_at": body["ends_at"]},
            headers=staff,
        ),
        201,
    )
    expect(await client.post(f"/api/catalog/activities/{activity['id']}/publish", headers=staff), 200)

    async def enter(learner: Learner) -> None:
        code = {"code": session["event_code"]}
        expect(await client.post("/api/catalog/attendance/event-code", json=code, headers=learner.headers), 200)

    await gather_limited([enter(learner) for learner in learners], limit=8)
    conn = await asyncpg.connect(credit_dsn)
    try:
        budget = Budget(len(learners)).attendance
        deadline = time.monotonic() + budget
        while (
            known := await conn.fetchval("SELECT count(*) FROM attendance WHERE activity_id = $1", activity["id"])
        ) < len(learners):
            assert time.monotonic() < deadline, f"credit knows {known} of {len(learners)} attendances after {budget} s"
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    return Activity(activity["id"], title)


@dataclass
class Sent:
    """One learner's claim as its client saw it: the answers until one that is not retried, and the claim it names."""

    learner: Learner
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    statuses: list[int] = field(default_factory=list)
    claim_id: str | None = None

    @property
    def retried(self) -> bool:
        return len(self.statuses) > 1


class Surge:
    """Every learner claims the activity, `concurrency` at a time, or `rate` claims a second when a fault needs the
    intake to last (a rolling restart of the API); `answered` counts the claims settled so far, so a scenario can
    inject its fault mid-surge. A failed claim is sent again with the same key until the budget's intake is spent."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        learners: list[Learner],
        activity: Activity,
        *,
        concurrency: int = 16,
        rate: float | None = None,
    ):
        self.client = client
        self.activity = activity
        self.sent = [Sent(learner) for learner in learners]
        self.concurrency = concurrency
        self.rate = rate
        self.budget = Budget(len(learners))
        self.answered = 0
        self.seconds = 0.0  # from the first claim sent until the last was answered
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        started = time.monotonic()
        slots = asyncio.Semaphore(self.concurrency)

        async def paced(n: int, sent: Sent) -> None:
            if self.rate:
                await asyncio.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            deadline = time.monotonic() + self.budget.intake
            async with slots:
                await self._claim(sent, deadline)

        await asyncio.gather(*(paced(n, sent) for n, sent in enumerate(self.sent)))
        self.seconds = time.monotonic() - started

    async def _claim(self, sent: Sent, deadline: float) -> None:
        body: dict[str, Any] = {
            "activity_id": self.activity.id,
            "evaluation": EVALUATION,
            "credits": {"AMA_PRA_1": "1"},
        }
        if sent.learner.opted_in:
            body |= {
                "credits": {"AMA_PRA_1": "1", f"MOC_{BOARD}": "1"},
                "moc_boards": [BOARD],
                "share_permission": True,
            }
        headers = {**sent.learner.headers, "Idempotency-Key": sent.key}
        while True:
            try:
                response = await self.client.post("/api/credit/claims", json=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status, response = 0, None
            sent.statuses.append(status)
            if status not in RETRIED or time.monotonic() > deadline:
                break
            await asyncio.sleep(RETRY_PAUSE)
        if response is not None and status == 201:
            sent.claim_id = response.json()["id"]
        self.answered += 1

    async def reached(self, share: float) -> None:
        """Returns once `share` of the claims are settled (the moment to inject a fault)."""
        deadline = time.monotonic() + self.budget.intake
        while self.answered < share * len(self.sent):
            assert time.monotonic() < deadline, f"only {self.answered} of {len(self.sent)} claims answered"
            assert self._task is not None and not self._task.done(), "the surge ended early"
            await asyncio.sleep(0.05)

    async def finished(self) -> list[Sent]:
        """Every claim settled; fails naming the claims that never got a 201."""
        assert self._task is not None
        await self._task
        refused = [(s.learner.email, s.statuses) for s in self.sent if s.claim_id is None]
        assert not refused, f"{len(refused)} claims were not taken, e.g. {refused[:3]}"
        return self.sent
