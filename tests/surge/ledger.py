"""The ledger every surge of the chaos and cluster suites is checked against: for every claim exactly one current
certificate, one certificate.issued event, one certificate email and, for a claimant who opted in, one report recorded
by the board; every consumer group's lag back to 0; no dead-lettered message but those the scenario meant.

It reads what each part holds, never through the code under test's own answers about itself: the services' databases
(read only), Kafka (certificate.issued from its start, the consumer groups' committed offsets, the DLQ topics), the SMTP
sink's HTTP API and the fake board's list of received reports."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from surge import BOARD, Activity, Budget, Sent

from devstack.config import SERVICES, package_of
from devstack.pytest_plugin import report_ledger_row
from opencme_contracts.topics import TOPICS, all_topic_names, dlq_topic

PARTITIONS = dict(all_topic_names())


def consumed_topics() -> dict[str, list[str]]:
    """Service (its consumer group) -> the topics its worker subscribes to, from its consumers.HANDLERS: what it really
    reads. (The topic registry also names credit as a consumer of user.registered and profile.updated, which credit's
    worker does not read: counted from the registry, credit would lag forever.)"""
    return {
        service: list(importlib.import_module(f"{package_of(service)}.consumers").HANDLERS)
        for service in SERVICES
        if importlib.util.find_spec(f"{package_of(service)}.consumers") is not None
    }


CONSUMED = consumed_topics()
# Redeliveries show up late: after the ledger is first complete it is counted again this much later.
SETTLE = 3.0


@dataclass
class Kind:
    """One effect per claim: how many claims have it, how many should and do not, and copies beyond the first."""

    counted: int = 0
    lost: int = 0
    duplicated: int = 0
    missing_examples: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, expected: set[str], counts: Counter[str]) -> Kind:
        missing = sorted(expected - {claim for claim, n in counts.items() if n > 0})
        return cls(
            counted=sum(1 for claim in expected if counts[claim] > 0),
            lost=len(missing),
            duplicated=sum(n - 1 for claim, n in counts.items() if n > 1),
            missing_examples=missing[:3],
        )


@dataclass
class Tally:
    claims: int
    certificates: Kind
    events: Kind
    emails: Kind
    reports: Kind  # recorded by the board, for the claimants who opted in
    expected_reports: int
    reports_resent: int  # sent again after an answer was lost, and answered "already recorded"
    lag: dict[str, int]
    republished: int  # certificate.issued copies of an event id already on the topic (consumers drop them)

    @property
    def kinds(self) -> dict[str, Kind]:
        return {
            "certificates": self.certificates,
            "events": self.events,
            "emails": self.emails,
            "reports": self.reports,
        }

    @property
    def complete(self) -> bool:
        return all(kind.lost == 0 for kind in self.kinds.values()) and not any(self.lag.values())

    def missing(self) -> str:
        parts = [f"{name}: {k.lost} lost, e.g. claims {k.missing_examples}" for name, k in self.kinds.items() if k.lost]
        if lagging := {group: lag for group, lag in self.lag.items() if lag}:
            parts.append(f"consumer lag {lagging}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Row:
    """One line of the table printed at the end of the session (by devstack's pytest plugin)."""

    fault: str
    claims: int
    certificates: int
    events: int
    emails: int
    reports: str  # accepted / expected
    lost: int
    duplicated: int
    drain_seconds: float
    retried_claims: int
    reports_resent: int

    def record(self) -> None:
        report_ledger_row(asdict(self))


# The key of the malformed messages the poison scenario sends to every consumed topic.
POISON_KEY = b"poison"


class Ledger:
    def __init__(self, *, dsn_for: Any, bootstrap: str, sink_url: str, board_url: str) -> None:
        self.dsn_for = dsn_for  # service -> DSN of its database
        self.bootstrap = bootstrap
        self.sink = httpx.AsyncClient(base_url=sink_url, timeout=30)
        self.board = httpx.AsyncClient(base_url=board_url, timeout=30)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.issued: dict[str, set[str]] = defaultdict(set)  # claim id -> certificate.issued event ids
        self.issued_copies: Counter[str] = Counter()  # claim id -> messages
        self._dbs: dict[str, asyncpg.Connection] = {}

    async def start(self) -> None:
        await self.consumer.start()
        await self.admin.start()
        topic = TOPICS["certificate.issued"]
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_beginning(*partitions)

    async def close(self) -> None:
        await self.consumer.stop()
        await self.admin.close()
        await self.sink.aclose()
        await self.board.aclose()
        for conn in self._dbs.values():
            await conn.close()

    async def _db(self, service: str) -> asyncpg.Connection:
        """A connection to a service's database, made again after PostgreSQL was stopped under it."""
        conn = self._dbs.get(service)
        if conn is None or conn.is_closed():
            conn = self._dbs[service] = await asyncpg.connect(self.dsn_for(service))
            await conn.execute("SET default_transaction_read_only = on")
        return conn

    async def _fetch(self, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
        try:
            return await (await self._db(service)).fetch(query, *args)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
            self._dbs.pop(service, None)
            raise

    # --- Kafka --------------------------------------------------------------------------------------------------

    async def _read_issued(self) -> None:
        while batch := await self.consumer.getmany(timeout_ms=200, max_records=5000):
            for records in batch.values():
                for record in records:
                    if record.key == POISON_KEY:  # the poison scenario's own message, not an event
                        continue
                    event = json.loads(record.value)
                    claim = event["data"]["claim_id"]
                    self.issued[claim].add(event["event_id"])
                    self.issued_copies[claim] += 1

    async def end_offsets(self, topics: list[str]) -> dict[TopicPartition, int]:
        partitions = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS[t])]
        return await self.consumer.end_offsets(partitions)

    async def lag(self) -> dict[str, int]:
        """Per service consumer group: messages on its topics it has not committed yet."""
        lags = {}
        for group, topics in CONSUMED.items():
            ends = await self.end_offsets(topics)
            committed = await self.admin.list_consumer_group_offsets(group)
            lags[group] = sum(
                end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                for tp, end in ends.items()
            )
        return lags

    async def dead_letters(self) -> dict[str, int]:
        """Messages on each DLQ topic so far."""
        ends = await self.end_offsets([dlq_topic(t) for t in TOPICS])
        totals: Counter[str] = Counter()
        for tp, end in ends.items():
            totals[tp.topic] += end
        return dict(totals)

    async def dead_lettered_since(self, before: dict[str, int]) -> list[dict[str, str]]:
        """The headers of every DLQ message added since `before` (dead_letters() then); one partition per DLQ."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            found = []
            for topic, count in (await self.dead_letters()).items():
                if count <= before.get(topic, 0):
                    continue
                partition = TopicPartition(topic, 0)
                consumer.assign([partition])
                consumer.seek(partition, before.get(topic, 0))
                while len([m for m in found if m["x-dlq"] == topic]) < count - before.get(topic, 0):
                    for records in (await consumer.getmany(partition, timeout_ms=1000)).values():
                        for record in records:
                            headers = {k: v.decode() for k, v in record.headers}
                            found.append({**headers, "x-dlq": topic})
            return found
        finally:
            await consumer.stop()

    # --- the effects of one surge -------------------------------------------------------------------------------

    async def count(self, activity: Activity, sent: list[Sent]) -> Tally:
        await self._read_issued()
        claims = {s.claim_id: s for s in sent if s.claim_id}
        expected = set(claims)
        opted_in = {claim for claim, s in claims.items() if s.learner.opted_in}
        stored = await self._fetch("credit", "SELECT id::text FROM claims WHERE activity_id = $1", activity.id)
        assert {r["id"] for r in stored} == expected, "credit's claims are not the ones its clients were answered"
        certificates = Counter(
            r["claim_id"]
            for r in await self._fetch(
                "certificates",
                "SELECT claim_id::text FROM certificates WHERE activity_id = $1 AND superseded_by IS NULL",
                activity.id,
            )
        )
        events = Counter({claim: len(ids) for claim, ids in self.issued.items() if claim in expected})
        republished = sum(self.issued_copies[claim] - len(self.issued[claim]) for claim in expected)
        subject = f"Your certificate for {activity.title}"
        by_address = {s.learner.email.casefold(): claim for claim, s in claims.items()}
        listing = (await self.sink.get("/messages")).json()
        emails = Counter(
            by_address[to.casefold()]
            for message in listing
            # A long subject is folded by the mail composer: read back, it keeps the fold's leading space.
            if " ".join((message["subject"] or "").split()) == subject
            for to in message["to"]
            if to.casefold() in by_address
        )
        # A report the board recorded, counted once per record: one sent again (its worker died between the board's
        # answer and recording it) is answered "already recorded" under the same CreditID and counted apart.
        recorded: Counter[str] = Counter()
        resent = 0
        for entry in await self.board_reports(activity):
            if entry["statusCode"] == 200 and entry["answer"]["status"] == "accepted":
                if entry["answer"].get("alreadyRecorded"):
                    resent += 1
                else:
                    recorded[entry["report"]["CreditCertificate"][0]["UniqueID"][0]["value"]] += 1
        return Tally(
            claims=len(expected),
            certificates=Kind.of(expected, certificates),
            events=Kind.of(expected, events),
            emails=Kind.of(expected, emails),
            reports=Kind.of(opted_in, recorded),
            reports_resent=resent,
            expected_reports=len(opted_in),
            lag=await self.lag(),
            republished=republished,
        )

    async def board_reports(self, activity: Activity) -> list[dict[str, Any]]:
        """What the fake board received for the activity, oldest first."""
        return [
            entry
            for entry in (await self.board.get("/_reports")).json()
            if entry["report"]["Module"]["moduleID"] == activity.id
        ]

    async def settle(self, activity: Activity, sent: list[Sent], *, fault_ended: float) -> tuple[Tally, float]:
        """Counts until every effect is there and no consumer lags (failing with what is missing once the surge's
        drain budget is spent), then once more a moment later for late copies; the tally's drain is the seconds from
        `fault_ended` (monotonic) until it was first complete (to within the budget's poll)."""
        budget = Budget(len(sent))
        deadline = time.monotonic() + budget.drain
        tally = None
        while True:
            try:
                tally = await self.count(activity, sent)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError):
                tally = None  # PostgreSQL still coming back, or a Kafka node's group coordinator moving
            if tally is not None and tally.complete:
                break
            assert time.monotonic() < deadline, f"not drained after {budget.drain:.0f} s: " + (
                tally.missing() if tally else "databases or Kafka unreachable"
            )
            await asyncio.sleep(budget.poll)
        drain_seconds = max(0.0, time.monotonic() - fault_ended)
        await asyncio.sleep(SETTLE)
        final = await self.count(activity, sent)
        # The reports of the board's own books: one per claim and board, accepted, within its deadline.
        late = await self._fetch(
            "board-reporting",
            "SELECT claim_id::text, status, due_by, updated_at FROM reports WHERE activity_id = $1 AND board_code = $2 "
            "AND (status <> 'accepted' OR updated_at::date > due_by)",
            activity.id,
            BOARD,
        )
        assert not late, f"reports not accepted within their deadline: {[dict(r) for r in late[:3]]}"
        return final, drain_seconds


def retry_gaps(entries: list[dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """Per claim, the attempts after a failed one: (attempt number that failed, seconds between its arrival and the
    next one's). Timed by arrivals, the gap is at least the sender's wait whatever the board's latency: the sender
    hears the failure after it arrived, and waits from then."""
    by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_claim[entry["report"]["CreditCertificate"][0]["UniqueID"][0]["value"]].append(entry)
    gaps: dict[str, list[tuple[int, float]]] = {}
    for claim, attempts in by_claim.items():
        times = [datetime.fromisoformat(a["receivedAt"]) for a in attempts]
        gaps[claim] = [
            (n, (times[n] - times[n - 1]).total_seconds())
            for n in range(1, len(attempts))
            if attempts[n - 1]["statusCode"] != 200
        ]
    return gaps
