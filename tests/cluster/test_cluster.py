"""The scale-out set-up proven on one box: topics replicated on three Kafka nodes, each worker's replicas sharing its
topics' partitions, and a surge of claims that loses nothing and does nothing twice while a Kafka node is killed -9
(first any node, then the controller quorum's leader) and started again.

The ledger after each surge: every claim has exactly one certificate (the learner's list), one `certificate.issued`
event (read back from Kafka), one certificate email (the SMTP sink), and each learner who opted in to ABIM one
accepted report at the board. The figures (each replica's share, each surge's ledger) are printed in the run's summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from e2e_helpers import sign_in, sign_up, until

from devstack.config import SERVICES
from devstack.kafka import quorum_leader
from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD, Stack
from opencme_contracts.topics import TOPICS

# One pytest-xdist worker runs them all: the cluster is started once, on fixed ports.
pytestmark = pytest.mark.xdist_group("cluster")

SURGE = int(os.environ.get("OPENCME_CLUSTER_SURGE", "2000"))
PASSWORD = "cluster passphrase for a learner"
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}
CONSUMED = {s: sorted(t.name for t in TOPICS.values() if s in t.consumers) for s in SERVICES}


async def admin_client(stack: Stack) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.config.kafka_bootstrap.split(","), request_timeout_ms=10_000)
    await admin.start()
    return admin


async def test_every_topic_has_three_replicas_and_needs_two_in_sync(cluster):
    admin = await admin_client(cluster)
    try:
        described = await admin.describe_topics([t.name for t in TOPICS.values()])
        min_isr = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "credit.claimed")])
    finally:
        await admin.close()
    for topic in described:
        assert len(topic["partitions"]) == TOPICS[topic["topic"]].partitions, topic["topic"]
        for partition in topic["partitions"]:
            assert sorted(partition["replicas"]) == [1, 2, 3] and len(partition["isr"]) == 3, topic["topic"]
    configs = {entry[0]: entry[1] for response in min_isr for resource in response.resources for entry in resource[4]}
    assert configs["min.insync.replicas"] == "2"


async def test_the_replicas_of_each_worker_share_every_topic_it_consumes(cluster, report):
    """Each consumer group has one member per replica and each member holds partitions of every topic it reads."""
    admin = await admin_client(cluster)
    try:
        for service, topics in CONSUMED.items():
            if not topics:
                continue
            members = await until(lambda s=service: _stable_members(admin, s), what=f"{service}'s group to settle")
            shares = {member: Counter(tp.topic for tp in tps) for member, tps in members.items()}
            report(f"{service}: " + "; ".join(f"replica {i + 1}: {dict(c)}" for i, c in enumerate(shares.values())))
            assert len(members) == cluster.config.replicas, service
            for topic in topics:
                # Every partition has one owner; a topic of several partitions is shared evenly (organisation.updated
                # has one, for its order: one replica holds it).
                counts = [share[topic] for share in shares.values()]
                assert sum(counts) == TOPICS[topic].partitions, (service, topic, counts)
                if TOPICS[topic].partitions >= cluster.config.replicas:
                    assert set(counts) == {TOPICS[topic].partitions // cluster.config.replicas}, (service, topic)
    finally:
        await admin.close()


async def _stable_members(admin: AIOKafkaAdminClient, group: str) -> dict[str, list] | None:
    for node in (1, 2, 3):  # the group's coordinator is one of the nodes; the others answer NOT_COORDINATOR
        try:
            [response] = await admin.describe_consumer_groups([group], group_coordinator_id=node)
        except Exception:  # a node that is not the coordinator, or is down
            continue
        [described] = response.to_object()["groups"]
        if described["error_code"] == 0 and described["state"] == "Stable":
            return {
                m["member_id"]: ConsumerProtocolMemberAssignment.decode(m["member_assignment"]).partitions()
                for m in described["members"]
            }
    return None


# --- the surge -----------------------------------------------------------------------------------------------------


@dataclass
class Learner:
    email: str
    board_id: str | None
    headers: dict[str, str] | None = None
    claim_id: str | None = None


@dataclass
class Ledger:
    fault: str
    claims: int
    certificates: int
    events: int
    emails: int
    reports: int
    lost: int
    duplicated: int
    drain_seconds: float

    def row(self) -> str:
        return (
            f"| {self.fault} | {self.claims} | {self.certificates} | {self.events} | {self.emails} | {self.reports} | "
            f"{self.lost} | {self.duplicated} | {self.drain_seconds:.0f} s |"
        )


@pytest.fixture(scope="module")
async def world(cluster):
    """A coordinator, and SURGE learners (every other one with an ABIM ID and a birth date, so reported to ABIM)."""
    async with httpx.AsyncClient(base_url=cluster.config.gateway_url, timeout=60) as client:
        run = uuid.uuid4().hex[:6]
        staff_id = await sign_up(client, f"staff.{run}@example.org", PASSWORD, first_name="Casey", last_name="Staff")
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        granted = await client.post(f"/api/identity/users/{staff_id}/roles", json={"role": "staff"}, headers=admin)
        assert granted.status_code == 200, granted.text
        staff = await sign_in(client, f"staff.{run}@example.org", PASSWORD)
        learners = [Learner(f"l{i}.{run}@example.org", f"{run}{i:05d}" if i % 2 == 0 else None) for i in range(SURGE)]

        async def join(learner: Learner) -> None:
            moc = (
                {"board_ids": {"ABIM": learner.board_id}, "birth_month": 4, "birth_day": 30} if learner.board_id else {}
            )
            await sign_up(client, learner.email, PASSWORD, first_name="Pat", last_name="Cluster", degree="MD", **moc)
            learner.headers = await sign_in(client, learner.email, PASSWORD)

        await _limited([join(learner) for learner in learners], 8)
        yield client, staff, learners


async def _limited(calls, limit: int) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(call):
        async with gate:
            return await call

    return await asyncio.gather(*(one(c) for c in calls))


async def surge_with(cluster: Stack, world, fault: str, inject) -> Ledger:
    """A new webcast, every learner registered and then claiming at once; `inject` runs while the claims go in."""
    client, staff, learners = world
    title = f"Cluster surge {uuid.uuid4().hex[:6]}: {fault}"
    created = await client.post(
        "/api/catalog/activities",
        headers=staff,
        json={
            "title": title,
            "format": "webcast",
            "available_until": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
            "credit_designations": [
                {"credit_type": "AMA_PRA_1", "max_credits": "1"},
                {"credit_type": "MOC_ABIM", "max_credits": "1"},
            ],
            "moc_boards": ["ABIM"],
        },
    )
    assert created.status_code == 201, created.text
    activity = created.json()["id"]
    assert (await client.post(f"/api/catalog/activities/{activity}/publish", headers=staff)).status_code == 200

    async def register(learner: Learner) -> None:
        response = await client.post(
            f"/api/catalog/activities/{activity}/registrations", json={}, headers=learner.headers
        )
        assert response.status_code == 201, response.text

    await _limited([register(learner) for learner in learners], 16)

    async def claimable(learner: Learner) -> None:
        async def offered():
            response = await client.get("/api/credit/claimable", headers=learner.headers)
            return any(a["activity_id"] == activity for a in response.json())

        await until(offered, timeout=300, what=f"credit to offer the activity to {learner.email}")

    await _limited([claimable(learner) for learner in learners], 16)

    async def claim(learner: Learner) -> None:
        body = {"activity_id": activity, "credits": {"AMA_PRA_1": "1"}, "evaluation": EVALUATION}
        if learner.board_id:
            body |= {"credits": {"AMA_PRA_1": "1", "MOC_ABIM": "1"}, "moc_boards": ["ABIM"], "share_permission": True}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        for _ in range(30):  # a claim whose answer was lost is sent again under the same key
            try:
                response = await client.post("/api/credit/claims", json=body, headers={**learner.headers, **key})
            except httpx.TransportError:
                await asyncio.sleep(1)
                continue
            if response.status_code in (502, 503, 504):
                await asyncio.sleep(1)
                continue
            assert response.status_code == 201, response.text
            learner.claim_id = response.json()["id"]
            return
        raise AssertionError(f"the claim of {learner.email} was never answered")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.config.board_port}") as board:
        assert (await board.delete("/_reports")).status_code == 200
    claims = asyncio.create_task(_limited([claim(learner) for learner in learners], 32))
    fault_ended = await inject()
    await claims
    return await ledger(cluster, world, fault, activity, title, fault_ended)


async def ledger(cluster: Stack, world, fault: str, activity: str, title: str, fault_ended: float) -> Ledger:
    client, _, learners = world
    sink = httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.config.smtp_http_port}", timeout=30)
    board = httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.config.board_port}", timeout=30)
    opted_in = [learner for learner in learners if learner.board_id]

    async def certificates_of(learner: Learner) -> int:
        mine = (await client.get("/api/certificates/certificates/mine", headers=learner.headers)).json()
        return sum(c["activity_title"] == title for c in mine)

    async def emails_of(learner: Learner) -> int:
        listing = (await sink.get("/messages", params={"to": learner.email})).json()
        return sum(title in (m["subject"] or "") and "ertificate" in (m["subject"] or "") for m in listing)

    async def accepted() -> Counter:
        """Reports the board recorded anew, by the learner's board ID (the board was emptied before the surge; a
        report sent again and answered "already recorded" is not a second record)."""
        reports = (await board.get("/_reports")).json()
        return Counter(
            r["report"]["Learner"]["BoardID"]
            for r in reports
            if r["answer"].get("status") == "accepted" and not r["answer"].get("alreadyRecorded")
        )

    async def drained():
        counts = await _limited([certificates_of(learner) for learner in learners], 16)
        mails = await _limited([emails_of(learner) for learner in learners], 16)
        reports = await accepted()
        done = all(counts) and all(mails) and sum(reports.values()) >= len(opted_in)
        return (counts, mails, reports) if done else None

    try:
        counts, mails, reports = await until(drained, timeout=900, every=5, what=f"the surge under '{fault}' to drain")
    finally:
        await sink.aclose()
        await board.aclose()
    drain = time.monotonic() - fault_ended
    events = await issued_events(cluster, {learner.claim_id for learner in learners})
    lost = sum(c == 0 for c in counts) + sum(m == 0 for m in mails) + sum(events[lr.claim_id] == 0 for lr in learners)
    duplicated = sum(c > 1 for c in counts) + sum(m > 1 for m in mails) + sum(n > 1 for n in events.values())
    duplicated += sum(n > 1 for n in reports.values())
    lost += max(0, len(opted_in) - len(reports))
    result = Ledger(
        fault, len(learners), sum(counts), sum(events.values()), sum(mails), len(reports), lost, duplicated, drain
    )
    return result


async def issued_events(cluster: Stack, claim_ids: set[str | None]) -> Counter:
    """certificate.issued events per claim, read from the beginning of every partition to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=cluster.config.kafka_bootstrap.split(","), enable_auto_commit=False)
    await consumer.start()
    counts: Counter = Counter(dict.fromkeys(claim_ids, 0))
    try:
        partitions = [TopicPartition("certificate.issued", p) for p in range(TOPICS["certificate.issued"].partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            batch = await consumer.getmany(timeout_ms=2000, max_records=5000)
            for records in batch.values():
                for record in records:
                    claim = json.loads(record.value)["data"]["claim_id"]
                    if claim in counts:
                        counts[claim] += 1
        return counts
    finally:
        await consumer.stop()


HEADER = "| fault | claims | certificates | certificate.issued | emails | ABIM reports | lost | duplicated | drain |"


async def test_a_kafka_node_killed_mid_surge_loses_nothing_and_does_nothing_twice(cluster, world, report):
    async def kill_a_follower() -> float:
        leader = quorum_leader([node.log for node in cluster.kafka.nodes])
        [node, *_] = [n for n in cluster.kafka.nodes if n.node_id != leader]
        await asyncio.sleep(5)  # the surge is under way
        node.kill()
        await asyncio.sleep(20)
        node.start()
        return time.monotonic()

    result = await surge_with(cluster, world, "kill -9 of a Kafka node (not the quorum leader), 20 s", kill_a_follower)
    report(HEADER)
    report(result.row())
    assert (result.lost, result.duplicated) == (0, 0), result


async def test_the_controller_quorums_leader_killed_mid_surge_loses_nothing(cluster, world, report):
    async def kill_the_leader() -> float:
        leader = quorum_leader([node.log for node in cluster.kafka.nodes])
        [node] = [n for n in cluster.kafka.nodes if n.node_id == leader]
        await asyncio.sleep(5)
        node.kill()
        await asyncio.sleep(20)
        node.start()
        return time.monotonic()

    result = await surge_with(cluster, world, "kill -9 of the controller quorum's leader, 20 s", kill_the_leader)
    report(result.row())
    assert (result.lost, result.duplicated) == (0, 0), result
