"""The scale-out set-up proven on one box: topics replicated on three Kafka nodes, each worker's replicas sharing its
topics' partitions, and surges of claims that lose nothing and do nothing twice while a Kafka node is killed -9 (first
any node, then the controller quorum's leader) and started again, and while the replicas of credit's API and worker and
of certificates' worker are restarted one at a time (a rolling update).

Each surge is checked against the fault-injection suite's ledger (tests/surge): every claim has exactly one current
certificate, one `certificate.issued` event, one certificate email and, for each learner who opted in to ABIM, one
report recorded by the board; every consumer group caught up; no dead letter. Its row joins the session's table, and
each replica's share of the work is printed among the figures (devstack's pytest plugin prints both).
"""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from e2e_helpers import until
from ledger import CONSUMED
from prometheus_client.parser import text_string_to_metric_families
from scenario import Inject, World, surge_with_fault

from devstack.kafka import quorum_leader
from devstack.pytest_plugin import report_figure
from devstack.stack import Stack
from opencme_contracts.topics import TOPICS

# One pytest-xdist worker runs them all: the cluster is started once, on fixed ports.
pytestmark = pytest.mark.xdist_group("cluster")

KAFKA_NODE_DOWN = 20.0
# A rolling update of the services whose replicas a claim passes through first: credit's API takes the claims, its
# worker's relay publishes credit.claimed, certificates' worker issues the certificates.
ROLLING = (("credit", "api"), ("credit", "worker"), ("certificates", "worker"))
# The claims of the rolling restart are spread over this many seconds, so that the API's restarts fall among them.
ROLLING_INTAKE = 45.0
# The work each worker's replicas share in a surge: its consumer's events of one topic, per replica.
SHARED = {"certificates": "credit.claimed", "board-reporting": "credit.claimed", "notifications": "certificate.issued"}


async def admin_client(stack: Stack) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.config.kafka_bootstrap, request_timeout_ms=10_000)
    await admin.start()
    return admin


async def test_every_topic_has_three_replicas_and_needs_two_in_sync(cluster: Stack):
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


async def test_the_replicas_of_each_worker_share_every_topic_it_consumes(cluster: Stack):
    """Each consumer group has one member per replica and each member holds partitions of every topic it reads."""
    admin = await admin_client(cluster)
    try:
        for service, topics in CONSUMED.items():
            if not topics:
                continue
            members = await until(lambda s=service: _stable_members(admin, s), what=f"{service}'s group to settle")
            shares = {member: {t: sum(tp.topic == t for tp in tps) for t in topics} for member, tps in members.items()}
            report_figure(
                f"partitions held by the {service} worker's replicas: "
                + "; ".join(f"replica {i + 1}: {share}" for i, share in enumerate(shares.values()))
            )
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


# --- surges --------------------------------------------------------------------------------------------------------


async def applied_by_replica(stack: Stack, service: str, topic: str) -> list[float]:
    """Events of `topic` each replica of `service`'s worker has applied since it started: its inbox consumer's
    counter, scraped from the replica's health port as Prometheus does."""
    counts = []
    async with httpx.AsyncClient(timeout=10) as client:
        for replica in range(stack.config.replicas):
            port = stack.config.worker_health_port(service, replica)
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            counts.append(
                sum(
                    sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples
                    if sample.name == "opencme_consumer_processed_total" and sample.labels.get("topic") == topic
                )
            )
    return counts


async def surge_sharing_the_work(world: World, fault: str, inject: Inject) -> None:
    """A surge under `inject`; then each replica of the workers in SHARED must have applied some of its events, and
    all of them together each event once (the fault kills no worker, so no counter starts again)."""
    before = {service: await applied_by_replica(world.stack, service, topic) for service, topic in SHARED.items()}
    tally, _ = await surge_with_fault(world, fault, inject)
    for service, topic in SHARED.items():
        after = await applied_by_replica(world.stack, service, topic)
        shares = [round(a - b) for a, b in zip(after, before[service], strict=True)]
        report_figure(f"{fault}: {topic} applied by the {service} worker's replicas: {' + '.join(map(str, shares))}")
        assert all(share > 0 for share in shares), (service, topic, shares)
        assert sum(shares) == tally.claims, (service, topic, shares)


def kafka_node_killed(leader: bool) -> Inject:
    async def inject(world: World) -> float:
        nodes = world.stack.kafka.nodes
        quorum = quorum_leader([node.log for node in nodes])
        assert quorum is not None, "no node's log names the controller quorum's leader"
        [node, *_] = [n for n in nodes if (n.node_id == quorum) == leader]
        node.kill()
        await asyncio.sleep(KAFKA_NODE_DOWN)
        node.start()
        return time.monotonic()

    return inject


async def test_a_kafka_node_killed_mid_surge_loses_nothing_and_does_nothing_twice(world: World):
    fault = f"kill -9 of a Kafka node (not the quorum leader) for {KAFKA_NODE_DOWN:.0f} s"
    await surge_sharing_the_work(world, fault, kafka_node_killed(leader=False))


async def test_the_controller_quorums_leader_killed_mid_surge_loses_nothing(world: World):
    fault = f"kill -9 of the controller quorum's leader for {KAFKA_NODE_DOWN:.0f} s"
    await surge_sharing_the_work(world, fault, kafka_node_killed(leader=True))


async def test_a_rolling_restart_mid_surge_loses_nothing_and_does_nothing_twice(world: World):
    """Each replica of credit's API, credit's worker and certificates' worker in turn: SIGTERM, wait until it has
    exited, start it again, wait until it is ready (an API's /readyz, a worker's /healthz), then the next; the other
    replica carries the load meanwhile. Every replica leaves of its own accord within Stack.terminate's 30 s: gunicorn
    with status 0, a worker by SIGTERM once shut down (its health server, uvicorn, raises the signal again then)."""
    stack, left = world.stack, []
    graceful = {"api": 0, "worker": -signal.SIGTERM}

    async def roll(world: World) -> float:
        for service, part in ROLLING:
            for replica in range(stack.config.replicas):
                name = stack.process_name(service, part, replica)
                stopped = await asyncio.to_thread(stack.terminate, service, part, replica)
                status = stack.processes[name].returncode
                ready = await asyncio.to_thread(stack.restart, service, part, replica)
                report_figure(
                    f"rolling restart: {name} stopped in {stopped:.1f} s (exit status {status}), ready in {ready:.1f} s"
                )
                left.append((name, status, graceful[part]))
        return time.monotonic()

    fault = "rolling restart: credit API, credit worker, certificates worker"
    await surge_with_fault(world, fault, roll, at=0.05, rate=len(world.learners) / ROLLING_INTAKE)
    assert [status for _, status, _ in left] == [expected for _, _, expected in left], left
