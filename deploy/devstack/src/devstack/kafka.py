"""Apache Kafka 4 from Maven Central jars: KRaft nodes on loopback (one, or three in the cluster profile), topics
created from the registry."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from devstack.config import REPO_ROOT, StackConfig
from devstack.procs import StartError, run_checked, spawn, stop, wait_until
from opencme_contracts.topics import all_topic_names

POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
LIBS = REPO_ROOT / ".local" / "kafka" / "libs"


def ensure_jars() -> Path:
    """Fetch the broker's jars once with Maven; they are shared by every profile."""
    if not any(LIBS.glob("kafka_2.13-*.jar")):
        if shutil.which("mvn") is None:
            raise StartError("Maven (mvn) is needed once to fetch Kafka's jars from Maven Central")
        run_checked(
            [
                "mvn",
                "-B",
                "-q",
                "-f",
                str(POM),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={LIBS}",
            ],
            what="fetching Kafka jars with Maven",
        )
    return LIBS


def _cluster_id() -> str:
    """A random cluster id as Kafka writes them (URL-safe base64 of 16 bytes). Like Kafka's own Uuid.randomUuid, never
    one starting with '-': the storage tool's argument parser would take it for an option (1 fresh start in 64)."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
        pass
    return cluster_id


class KafkaNode:
    """One Kafka process (broker and controller) of the stack's `config.kafka_nodes`; `node` counts from 0."""

    def __init__(self, config: StackConfig, node: int, cluster_id: str, heap_mb: int) -> None:
        self.config = config
        self.node = node
        self.node_id = node + 1
        self.cluster_id = cluster_id
        self.port, self.controller_port = config.kafka_node_ports(node)
        single = config.kafka_nodes == 1
        self.name = "kafka" if single else f"kafka-{self.node_id}"
        self.root = config.state_dir / self.name
        self.data = self.root / "data"
        self.log = config.logs_dir / f"{self.name}.log"
        self.heap_mb = heap_mb
        self.proc: subprocess.Popen[bytes] | None = None

    def _properties(self) -> Path:
        c = self.config
        if c.kafka_nodes == 1:
            quorum = f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}"
        else:
            voters = ",".join(f"{n + 1}@127.0.0.1:{c.kafka_node_ports(n)[1]}" for n in range(c.kafka_nodes))
            quorum = f"controller.quorum.voters={voters}"
        replication = min(c.kafka_nodes, 3)
        template = (REPO_ROOT / "deploy" / "kafka" / "server.properties").read_text()
        path = self.root / "server.properties"
        path.write_text(
            template.format(
                node_id=self.node_id,
                quorum=quorum,
                port=self.port,
                controller_port=self.controller_port,
                log_dir=self.data,
                replication=replication,
                min_isr=max(1, replication - 1),
            )
        )
        return path

    def _java(self, main: str, *args: str) -> list[str]:
        return [
            "java",
            f"-Xms{self.heap_mb // 2}m",
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",  # faster start-up on 2 cores; the broker is I/O bound here
            f"-Dlog4j2.configurationFile={REPO_ROOT / 'deploy' / 'kafka' / 'log4j2.yaml'}",
            "-cp",
            f"{ensure_jars()}/*",
            main,
            *args,
        ]

    def start(self) -> None:
        """Start the process, formatting its storage on first use (one node: a quorum of itself; several: the static
        quorum of all of them, under one cluster id)."""
        self.root.mkdir(parents=True, exist_ok=True)
        props = self._properties()
        if not (self.data / "meta.properties").exists():
            standalone = ["--standalone"] if self.config.kafka_nodes == 1 else []
            run_checked(
                self._java("kafka.tools.StorageTool", "format", *standalone, "-t", self.cluster_id, "-c", str(props)),
                what=f"formatting {self.name}'s storage",
            )
        self.proc = spawn(self.name, self._java("kafka.Kafka", str(props)), log_dir=self.config.logs_dir)

    def kill(self) -> None:
        """kill -9, as a machine that loses power (the chaos tests)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=30)


class Kafka:
    """The stack's Kafka: `config.kafka_nodes` nodes, topics created from the registry with a replica on each."""

    def __init__(self, config: StackConfig, heap_mb: int = 512) -> None:
        self.config = config
        # One cluster id for every node, kept with the first node's state so that a restart finds the same cluster.
        id_file = config.state_dir / ("kafka" if config.kafka_nodes == 1 else "kafka-1") / "cluster.id"
        if not id_file.exists():
            id_file.parent.mkdir(parents=True, exist_ok=True)
            id_file.write_text(_cluster_id())
        cluster_id = id_file.read_text().strip()
        self.nodes = [KafkaNode(config, n, cluster_id, heap_mb) for n in range(config.kafka_nodes)]

    def start(self) -> float:
        """Start every node; returns seconds until the topics exist (with all their replicas)."""
        started = time.monotonic()
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "connection refused" until it listens
        for node in self.nodes:
            node.start()
        replication = min(self.config.kafka_nodes, 3)
        wait_until(
            lambda: asyncio.run(create_topics(self.config.kafka_bootstrap, replication=replication)),
            what="Kafka",
            timeout=120,
            log=self.nodes[0].log,
            proc=self.nodes[0].proc,
            interval=0.5,
        )
        return time.monotonic() - started

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


async def create_topics(bootstrap: str, replication: int = 1) -> bool:
    """Create every registered topic and its DLQ (`replication` replicas of each partition); true once all exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = dict(all_topic_names())
        missing = [NewTopic(name, count, replication) for name, count in wanted.items() if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        await _grow_partitions(admin, {name: n for name, n in wanted.items() if name in existing})
        return set(wanted) <= set(await admin.list_topics())
    finally:
        await admin.close()


async def _grow_partitions(admin: AIOKafkaAdminClient, wanted: dict[str, int]) -> None:
    """A topic made before the registry asked for more partitions (a dev stack's older state) gets them; Kafka never
    takes partitions away. Keys move to new partitions from then on, so do it while nothing is in flight: at start."""
    if not wanted:
        return
    described = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(list(wanted))}
    grow = {name: NewPartitions(wanted[name]) for name, count in described.items() if count < wanted[name]}
    if grow:
        await admin.create_partitions(grow)


def quorum_leader(logs: list[Path]) -> int | None:
    """The node id of the controller quorum's leader, from the nodes' logs: the latest "Completed transition to
    Leader" by epoch (the admin protocol's DescribeQuorum is not in aiokafka)."""
    leaders: dict[int, int] = {}
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        for node, epoch in re.findall(r"\[RaftManager id=(\d+)\] Completed transition to Leader\(.*?epoch=(\d+)", text):
            leaders[int(epoch)] = int(node)
    return leaders[max(leaders)] if leaders else None
