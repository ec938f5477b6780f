"""Apache Kafka 4 from Maven Central jars: one KRaft node on loopback, topics created from the registry."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
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


class Kafka:
    def __init__(self, config: StackConfig, heap_mb: int = 512) -> None:
        self.config = config
        self.root = config.state_dir / "kafka"
        self.data = self.root / "data"
        self.log = config.logs_dir / "kafka.log"
        self.heap_mb = heap_mb
        self.proc: subprocess.Popen[bytes] | None = None

    def _properties(self) -> Path:
        template = (REPO_ROOT / "deploy" / "kafka" / "server.properties").read_text()
        path = self.root / "server.properties"
        path.write_text(
            template.format(
                port=self.config.kafka_port, controller_port=self.config.kafka_controller_port, log_dir=self.data
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

    def start(self) -> float:
        """Start the broker (formatting storage on first use); returns seconds until topics exist."""
        self.root.mkdir(parents=True, exist_ok=True)
        props = self._properties()
        if not (self.data / "meta.properties").exists():
            run_checked(
                self._java("kafka.tools.StorageTool", "format", "--standalone", "-t", _cluster_id(), "-c", str(props)),
                what="formatting Kafka storage",
            )
        started = time.monotonic()
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "connection refused" until it listens
        self.proc = spawn("kafka", self._java("kafka.Kafka", str(props)), log_dir=self.config.logs_dir)
        wait_until(
            lambda: asyncio.run(create_topics(self.config.kafka_bootstrap)),
            what="Kafka",
            timeout=120,
            log=self.log,
            proc=self.proc,
            interval=0.5,
        )
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=30)


async def create_topics(bootstrap: str) -> bool:
    """Create every registered topic and its DLQ; true once all exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name, partitions in all_topic_names() if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return {name for name, _ in all_topic_names()} <= set(await admin.list_topics())
    finally:
        await admin.close()
