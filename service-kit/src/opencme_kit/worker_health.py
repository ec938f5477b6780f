"""What a worker tells its orchestrator and Prometheus: GET /healthz and GET /metrics on WORKER_HEALTH_PORT.

/healthz answers 503 with the reason when Kafka does not answer a ping, or when the consumer is stuck: messages wait
for it (lag) and it has finished none for CONSUMER_STUCK_AFTER seconds (a handler that never returns, a consume loop
that died). Lag alone is not a failure (a busy consumer makes progress), nor is a long quiet (idle with nothing to
read is healthy); otherwise 200. A liveness probe restarts a stuck worker.

/metrics adds what is measured for each scrape (never by a timer, so an idle worker stays asleep): the consumer's lag
per topic and partition (end offset minus what it has committed), the seconds since it last finished a message, the
outbox's unsent rows and the age of the oldest, and the depth of each dead-letter topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from opencme_contracts import dlq_topic

from . import db, metrics
from .messaging import InboxConsumer

log = logging.getLogger(__name__)

MEASURE_TIMEOUT = 10.0


async def _stop(client: AIOKafkaConsumer) -> None:
    """Stops a consumer without a group. aiokafka's stop awaits a task it has just cancelled and lets that task's
    CancelledError out; it is swallowed unless this task itself is being cancelled."""
    try:
        await client.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


@dataclass
class WorkerHealth:
    """Reads the worker's consumer, outbox and Kafka when asked. `pool` gives the database pool once the worker has
    started (None before)."""

    broker: KafkaBroker
    bootstrap_servers: str
    service: str
    pool: Callable[[], db.Pool | None]
    consumer: InboxConsumer | None = None
    stuck_after: float = 120.0
    # When a measurement last found messages waiting after finding none (None: it found none): a consumer is judged on
    # its progress since then, so a message that arrives after an idle hour is not a consumer silent for an hour.
    lag_seen_at: float | None = None

    @contextlib.asynccontextmanager
    async def _offsets(self) -> AsyncIterator[AIOKafkaConsumer]:
        """A short-lived client for end offsets. Not the worker's consumer: its connection carries a fetch the broker
        holds for up to 10 s when there is nothing to read, and a request sent behind it waits as long."""
        client = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, client_id=f"{self.service}-health", request_timeout_ms=5000
        )
        await client.start()
        try:
            yield client
        finally:
            await _stop(client)

    async def lag(self, offsets: AIOKafkaConsumer) -> dict[tuple[str, int], int]:
        """Messages waiting per (topic, partition) of the partitions assigned to the consumer; measuring it is what
        tells the health check that messages wait."""
        consumer = self.consumer
        kafka = getattr(consumer.subscriber, "consumer", None) if consumer is not None else None
        assigned = list(kafka.assignment()) if kafka is not None else []
        if consumer is None or kafka is None or not assigned:
            return {}
        ends = await offsets.end_offsets(assigned)
        in_flight = consumer.in_flight
        lags: dict[tuple[str, int], int] = {}
        for partition in assigned:
            # The consumer commits its position after each message, so what it has not committed is the message in
            # hand, if any, and what it has not read yet.
            key = (partition.topic, partition.partition)
            done = in_flight[2] if in_flight is not None and in_flight[:2] == key else await kafka.position(partition)
            lags[key] = max(0, ends[partition] - done)
        if sum(lags.values()) == 0:
            self.lag_seen_at = None
        elif self.lag_seen_at is None:
            self.lag_seen_at = time.monotonic()
        return lags

    def quiet_for(self) -> float:
        """Seconds since the consumer last finished a message, or since messages were found waiting if later."""
        assert self.consumer is not None
        since = max(self.consumer.progress_at, self.lag_seen_at or 0.0)
        return time.monotonic() - since

    async def outbox_backlog(self) -> tuple[int, float]:
        """Unsent outbox rows and the age in seconds of the oldest (0 when none)."""
        pool = self.pool()
        if pool is None:
            return 0, 0.0
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS waiting, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age "
                "FROM outbox WHERE published_at IS NULL"
            )
        assert row is not None
        return int(row["waiting"]), float(row["age"])

    async def dead_letter_depth(self, client: AIOKafkaConsumer) -> dict[str, int]:
        """Messages held in each of the consumer's dead-letter topics (0 for one never created)."""
        topics = [dlq_topic(topic) for topic in self.consumer.handlers] if self.consumer is not None else []
        depth = dict.fromkeys(topics, 0)
        existing = set(topics) & await client.topics() if topics else set()
        if not existing:
            return depth
        # Asking for partition 0 (every topic has one) makes the client learn each topic's partitions.
        await client.end_offsets([TopicPartition(topic, 0) for topic in existing])
        partitions = [TopicPartition(t, p) for t in existing for p in client.partitions_for_topic(t) or ()]
        first, end = await client.beginning_offsets(partitions), await client.end_offsets(partitions)
        for partition in partitions:
            depth[partition.topic] += end[partition] - first[partition]
        return depth

    async def check(self) -> tuple[int, dict[str, Any]]:
        """The health check's status and body."""
        if not await self.broker.ping(timeout=5.0):
            return 503, {"status": "unhealthy", "reason": "Kafka does not answer a ping"}
        if self.consumer is None:
            return 200, {"status": "ok"}
        try:
            async with asyncio.timeout(MEASURE_TIMEOUT), self._offsets() as offsets:
                waiting = sum((await self.lag(offsets)).values())
        except Exception as exc:
            log.warning("could not measure the consumer's lag", exc_info=True)
            return 503, {"status": "unhealthy", "reason": f"could not measure the consumer's lag: {exc!r}"}
        quiet = self.quiet_for()
        if waiting and quiet > self.stuck_after:
            reason = (
                f"consumer stuck: {waiting} message(s) waiting and none finished for {quiet:.0f} s "
                f"(limit {self.stuck_after:.0f} s)"
            )
            if self.consumer.in_flight is not None:
                topic, partition, offset = self.consumer.in_flight
                reason += f"; handling {topic}[{partition}]@{offset}"
            return 503, {"status": "stuck", "reason": reason, "lag": waiting, "seconds_since_progress": round(quiet)}
        return 200, {"status": "ok", "lag": waiting}

    async def measure(self) -> list[Metric]:
        """The values a scrape reads now; one that cannot be measured is left out (and logged), the rest are given."""
        families: list[Metric] = []
        try:
            async with asyncio.timeout(MEASURE_TIMEOUT):
                waiting, age = await self.outbox_backlog()
            families.append(GaugeMetricFamily("opencme_outbox_backlog", "Outbox rows not yet published", value=waiting))
            families.append(
                GaugeMetricFamily(
                    "opencme_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0: none)", value=age
                )
            )
        except Exception:
            log.warning("could not measure the outbox backlog", exc_info=True)
        if self.consumer is None:
            return families
        try:
            async with asyncio.timeout(MEASURE_TIMEOUT), self._offsets() as offsets:
                lags = await self.lag(offsets)
                depths = await self.dead_letter_depth(offsets)
            lag = GaugeMetricFamily(
                "opencme_consumer_lag", "Messages not yet committed by the consumer", labels=["topic", "partition"]
            )
            for (topic, partition), waiting in sorted(lags.items()):
                lag.add_metric([topic, str(partition)], waiting)
            families.append(lag)
            depth = GaugeMetricFamily("opencme_dlq_depth", "Messages held in a dead-letter topic", labels=["topic"])
            for topic, held in sorted(depths.items()):
                depth.add_metric([topic], held)
            families.append(depth)
        except Exception:
            log.warning("could not measure the consumer's lag or its dead-letter topics", exc_info=True)
        families.append(
            GaugeMetricFamily(
                "opencme_consumer_seconds_since_progress",
                "Seconds since the consumer last finished a message (or since messages were found waiting)",
                value=self.quiet_for(),
            )
        )
        return families

    def routes(self) -> list[tuple[str, ASGIApp]]:
        """The ASGI routes the worker's health server adds: /healthz and /metrics."""

        async def healthz(scope: Scope, receive: Receive, send: Send) -> None:
            status, body = await self.check()
            await JSONResponse(body, status_code=status)(scope, receive, send)

        async def scrape(scope: Scope, receive: Receive, send: Send) -> None:
            body = metrics.exposition(await self.measure())
            await Response(body, media_type=metrics.CONTENT_TYPE)(scope, receive, send)

        return [("/healthz", healthz), ("/metrics", scrape)]
