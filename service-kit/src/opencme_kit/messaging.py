"""The Kafka side of a service: the broker, idempotent consumers with a dead-letter topic, and the worker app.

Consumers commit offsets only after the effect is in the database (AckPolicy.MANUAL; FastStream's default would
commit before processing). Each effect is written in the same transaction as an inbox row keyed by the event id, so a
redelivered event changes nothing. That is also why the offsets of handled messages are committed together, at most
`COMMIT_INTERVAL` after the first of them rather than one commit per message: a crash redelivers at most that long's
worth of handled messages, which the inbox skips, and a burst costs Kafka and the consumer one commit a half-second
instead of one per message. A message that keeps failing goes to `<topic>.dlq` with the error in its headers and
the consumer carries on; an unreachable database is not the message's fault, so that is retried until it is back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry import trace
from opentelemetry.trace import Span, StatusCode
from pydantic import ValidationError

from opencme_contracts import Envelope, dlq_topic, parse_envelope
from opencme_contracts.envelope import UnknownEventError

from . import db, logs, tracing
from .metrics import (
    CONSUMER_DEAD_LETTERED,
    CONSUMER_DUPLICATES,
    CONSUMER_FAILURES,
    CONSUMER_IGNORED,
    CONSUMER_PROCESSED,
)

log = logging.getLogger(__name__)

# What a service writes: (conn, envelope, settings), inside the inbox transaction.
Handler = Callable[[db.Connection, Envelope[Any], Any], Awaitable[None]]
BoundHandler = Callable[[db.Connection, Envelope[Any]], Awaitable[None]]

COMMIT_INTERVAL = 0.5  # seconds from a handled message to the commit of its offset (with any handled meanwhile)
# How long the broker holds a fetch that finds nothing. A fetch naming every partition the consumer reads is held
# long: data on any of them ends the wait at once. One leaving some out (their records are still in the consumer's
# buffer) is held briefly, as a partition emptied meanwhile is fetched only after it ends (see hold_idle_fetches).
IDLE_FETCH_WAIT_MS = 10_000
PARTIAL_FETCH_WAIT_MS = 250
ONE_FETCH_WAIT_MS = 1_000  # the compromise for every fetch, where the consumer cannot tell them apart
FETCH_ROUTINE_WAKE_MS = 2_000


def ignoring(leaves_alone: Callable[[Any], bool]) -> Callable[[Handler], Handler]:
    """Marks a handler as doing nothing with the events whose data `leaves_alone` is true for (a pure function of the
    event): the consumer passes over those without a transaction or an inbox row. Applied again, such an event would
    change nothing either, so it needs no record of having been seen. In a surge board reporting left alone every
    claim that names no board, each at the cost of a pool borrowing, BEGIN, the inbox insert and a COMMIT."""

    def mark(handler: Handler) -> Handler:
        handler.leaves_alone = leaves_alone  # type: ignore[attr-defined]
        return handler

    return mark


class Rejected(Exception):
    """The handler refuses this event for good (it contradicts what the service knows); retrying will not help."""


def bootstrap_list(bootstrap_servers: str) -> list[str]:
    """KAFKA_BOOTSTRAP_SERVERS as Kafka's clients write it, "host:port,host:port", as the list of its servers."""
    return [server.strip() for server in bootstrap_servers.split(",") if server.strip()]


def create_broker(bootstrap_servers: str, client_id: str) -> KafkaBroker:
    # Per-message "received/processed" lines go to DEBUG: the JSON logs carry what matters at INFO. Every server of a
    # cluster is named, so that a client starts (and finds the cluster) while any one of them is down.
    return KafkaBroker(
        bootstrap_list(bootstrap_servers),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=15000,
        logger=logging.getLogger("faststream.access"),
        log_level=logging.DEBUG,
    )


def hold_idle_fetches(consumer: Any) -> None:
    """Makes an aiokafka consumer hold a fetch IDLE_FETCH_WAIT_MS when it names every partition, and
    PARTIAL_FETCH_WAIT_MS when it leaves some out (once: a consumer that does already is left as it is).

    aiokafka sends one fetch wait for all. A fetch names only the partitions whose buffered records are used up, and a
    partition emptied while a fetch is held is fetched only after that fetch ends. Held 10 s for all, a 100-claim burst
    had its last fifth of certificates issued 7 s after the rest; held 1 s for all, each idle consumer answered an
    empty fetch of all its partitions every second, most of an idle worker's CPU (notifications reads 33). A fetch
    sent with nothing buffered names every partition, so holding it long delays nothing. (Before, every fetch was held
    ONE_FETCH_WAIT_MS, the compromise: idle, all the services' processes took 1.25 % of a core, 0.80 % at 10 s.)

    This sets aiokafka's private fetch wait just before its fetcher builds each round of requests, from its buffer at
    that moment; kit tests check both waits on the requests sent, so an aiokafka that builds them otherwise fails them.
    Without the attributes it needs, the consumer keeps its one configured wait (logged)."""
    fetcher: Any = getattr(consumer, "_fetcher", None)
    build = getattr(fetcher, "_get_actions_per_node", None)
    if build is None or not all(hasattr(fetcher, name) for name in ("_records", "_fetch_max_wait_ms")):
        log.warning("aiokafka's fetcher has changed: every fetch is held %d ms", ONE_FETCH_WAIT_MS)
        return
    if getattr(build, "holds_idle_fetches", False):
        return

    def actions_per_node(assignment: Any) -> Any:
        fetcher._fetch_max_wait_ms = PARTIAL_FETCH_WAIT_MS if fetcher._records else IDLE_FETCH_WAIT_MS
        return build(assignment)

    actions_per_node.holds_idle_fetches = True  # type: ignore[attr-defined]
    fetcher._get_actions_per_node = actions_per_node


async def _with_settings(handler: Handler, settings: Any, conn: db.Connection, envelope: Envelope[Any]) -> None:
    await handler(conn, envelope, settings)


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    # Decoding is ours (parse_envelope), so a malformed message reaches the handler and can go to the DLQ.
    return message.body


class InboxConsumer:
    """Subscribes a service's handlers, one per topic, as idempotent consumers; `pool` is attached when the worker
    starts.

    Every service wires its consumers one way: module-level handlers in `consumers.py`, each
    `async def on_<event>(conn, envelope, settings) -> None` with a one-line docstring (it becomes the AsyncAPI
    description), listed in `HANDLERS = {topic: handler}`, which `build_worker` (or a test) hands to this class.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        service: str,
        handlers: Mapping[str, Handler],
        settings: Any,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        self.broker = broker
        self.service = service
        self.settings = settings
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.pool: db.Pool | None = None
        self.dead_lettered = 0
        # What the worker's health check and its metrics read (worker_health.py): when a message was last done with
        # (applied, skipped or dead-lettered, and committed), and the one being handled now (topic, partition, offset).
        self.progress_at = time.monotonic()
        self.in_flight: tuple[str, int, int] | None = None
        self.subscriber: Any = None
        # Handled messages whose offsets are not committed yet: partition -> the offset after the last one handled.
        self._handled: dict[TopicPartition, int] = {}
        self._kafka_consumer: Any = None  # aiokafka's, from the messages (a reconnect makes another)
        self._commit_lock = asyncio.Lock()
        self._commit_soon: asyncio.Task[None] | None = None  # the next commit, still waiting for its time
        self._commits: set[asyncio.Task[None]] = set()  # every commit task until it ends (the loop keeps weak ones)
        self._stopping = False
        self.group_id = service  # one consumer group for the service, reading all of its topics
        self.handlers: dict[str, tuple[str, BoundHandler]] = {}
        self._leaves_alone: dict[str, Callable[[Any], bool]] = {}  # topic -> what its handler marked `ignoring`
        for topic, handler in handlers.items():
            # The inbox's key is the handler's name: renaming a handler replays its topic.
            bound = functools.partial(_with_settings, handler, settings)
            self.handlers[topic] = (f"{self.service}.{handler.__name__}", bound)
            if (leaves_alone := getattr(handler, "leaves_alone", None)) is not None:
                self._leaves_alone[topic] = leaves_alone
        if self.handlers:
            self._subscribe(
                "\n".join(f"{topic}: {handler.__doc__ or handler.__name__}" for topic, handler in handlers.items())
            )

    def _subscribe(self, description: str) -> None:
        """One Kafka consumer for all of the service's topics: each consumer polls, heartbeats and keeps timers of its
        own even when there is nothing to read, and a worker with one per topic (notifications has eleven) spent
        most of its idle CPU on them."""

        subscriber = self.broker.subscriber(
            *self.handlers,
            group_id=self.group_id,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            # Until `started` makes the wait depend on the fetch (hold_idle_fetches), and if it cannot.
            fetch_max_wait_ms=ONE_FETCH_WAIT_MS,
            # The consumer's background fetch routine also wakes on its own every this long (aiokafka's default 0.2 s,
            # a quarter of an idle worker's CPU); fetched data, a rebalance and a new assignment wake it at once.
            consumer_timeout_ms=FETCH_ROUTINE_WAKE_MS,
            decoder=_raw_body,
            title=self.service,
            description=description,
        )
        self.subscriber = subscriber

        # The message is taken from FastStream's context here, not asked for as a `Context` parameter: fast_depends
        # resolves such a parameter by running its (synchronous) lookup on a worker thread, a thread hand-over for
        # every message. The broker's context is read when a message comes: the app (FastStream(broker)) gives the
        # broker its own when it starts.
        @subscriber
        async def consume(body: bytes) -> None:
            msg: KafkaMessage = self.broker.context.get_local("message")
            raw = msg.raw_message  # one record (a batch would be a tuple)
            topic: str = raw.topic  # type: ignore[union-attr]
            consumer_name, handler = self.handlers[topic]
            self.in_flight = (topic, raw.partition, raw.offset)  # type: ignore[union-attr]
            attributes = {
                "messaging.consumer.group.name": self.group_id,
                "messaging.destination.partition.id": str(raw.partition),  # type: ignore[union-attr]
                "messaging.kafka.offset": raw.offset,  # type: ignore[union-attr]
            }
            try:
                with tracing.consuming(topic, msg.headers, attributes):
                    try:
                        await self._process(topic, consumer_name, handler, body, msg)
                    except Exception as exc:
                        # A fault outside the handler's attempts (which dead-letter what keeps failing): the next
                        # message's commit would otherwise pass over this one without a trace.
                        log.exception("handling a message from %s failed outside its attempts", topic)
                        await self._dead_letter(topic, consumer_name, body, msg, exc)
                await self._handled_one(msg)
            finally:
                self.in_flight = None
            self.progress_at = time.monotonic()

    def started(self) -> None:
        """The broker has started the Kafka consumer: its idle fetches are held long (hold_idle_fetches)."""
        if self.subscriber is not None and self.subscriber.consumer is not None:
            hold_idle_fetches(self.subscriber.consumer)

    async def _handled_one(self, msg: KafkaMessage) -> None:
        """Its offset is committed with the next commit: within COMMIT_INTERVAL, or at once while the worker stops."""
        raw = msg.raw_message
        if msg.consumer is not self._kafka_consumer:  # the first message, or the first of a consumer made anew
            hold_idle_fetches(msg.consumer)
        self._kafka_consumer = msg.consumer
        self._handled[TopicPartition(raw.topic, raw.partition)] = raw.offset + 1  # type: ignore[union-attr]
        if self._stopping:
            await self.commit_handled()
        elif self._commit_soon is None:
            self._commit_later()

    def _commit_later(self) -> None:
        self._commit_soon = asyncio.create_task(self._commit_after_interval())
        self._commits.add(self._commit_soon)
        self._commit_soon.add_done_callback(self._commits.discard)

    async def _commit_after_interval(self) -> None:
        await asyncio.sleep(COMMIT_INTERVAL)
        self._commit_soon = None  # what is handled from now on waits for the next commit
        await self.commit_handled()

    async def commit_handled(self) -> None:
        """Commit the offsets of the messages handled so far (never of one in hand: the offsets are explicit). A
        partition taken away by a rebalance is left to its new reader, which the inbox keeps from applying a message
        twice; a failed commit is tried again with the next."""
        async with self._commit_lock:
            handled, self._handled = self._handled, {}
            if not handled:
                return
            consumer = self._kafka_consumer
            assigned = consumer.assignment()
            offsets = {tp: offset for tp, offset in handled.items() if tp in assigned}
            try:
                if offsets:
                    await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                log.info("offsets %s not committed, the group was rebalanced: %s", offsets, exc)
            except Exception:
                log.warning("committing offsets %s failed; trying again with the next commit", offsets, exc_info=True)
                for tp, offset in offsets.items():
                    self._handled[tp] = max(offset, self._handled.get(tp, 0))
                if self._commit_soon is None and not self._stopping:
                    self._commit_later()

    async def stopping(self) -> None:
        """The worker is stopping: commit what was handled, and from now on each message as it is handled (the one
        in hand finishes while the broker stops)."""
        self._stopping = True
        if (waiting := self._commit_soon) is not None:  # still asleep: it has taken nothing yet
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
        await self.commit_handled()  # after a commit under way, if there is one (the lock)

    async def _process(self, topic: str, consumer_name: str, handler: BoundHandler, body: bytes, msg: Any) -> None:
        try:
            envelope = parse_envelope(body)
        except (ValidationError, UnknownEventError, ValueError) as exc:
            await self._dead_letter(topic, consumer_name, body, msg, exc)
            return
        if self._left_alone(topic, envelope):
            CONSUMER_IGNORED.labels(topic).inc()
            return
        token = logs.correlation_id.set(envelope.correlation_id)
        span = trace.get_current_span()
        span.set_attributes({"messaging.message.id": str(envelope.event_id), "opencme.event_type": envelope.event_type})
        try:
            attempt = 0
            while True:
                attempt += 1
                try:
                    applied = await self._apply_once(consumer_name, handler, envelope)
                    (CONSUMER_PROCESSED if applied else CONSUMER_DUPLICATES).labels(topic).inc()
                    return
                except db.UNAVAILABLE:
                    CONSUMER_FAILURES.labels(topic, "database").inc()
                    log.warning("database unavailable while handling %s; retrying", envelope.event_id, exc_info=True)
                    attempt = 0
                    await asyncio.sleep(min(5.0, self.retry_delay * 10))
                except Rejected as exc:
                    await self._dead_letter(topic, consumer_name, body, msg, exc)
                    return
                except Exception as exc:
                    CONSUMER_FAILURES.labels(topic, "handler").inc()
                    span.record_exception(exc)
                    if attempt >= self.max_attempts:
                        await self._dead_letter(topic, consumer_name, body, msg, exc)
                        return
                    log.warning("handling %s failed (attempt %d)", envelope.event_id, attempt, exc_info=True)
                    await asyncio.sleep(self.retry_delay * 2**attempt * (0.5 + random.random()))
        finally:
            logs.correlation_id.reset(token)

    async def deliver(self, envelope: Envelope[Any]) -> None:
        """Apply `envelope` as a message from Kafka would be, inbox included (tests, replays from a DLQ)."""
        consumer_name, handler = self.handlers[envelope.topic]
        if not self._left_alone(envelope.topic, envelope):
            await self._apply_once(consumer_name, handler, envelope)

    def _left_alone(self, topic: str, envelope: Envelope[Any]) -> bool:
        """Whether `topic`'s handler is marked `ignoring` events such as this one. A mark that cannot tell (its
        predicate fails on this event's data) leaves the event to the handler, through the inbox as any other."""
        leaves_alone = self._leaves_alone.get(topic)
        if leaves_alone is None:
            return False
        try:
            return bool(leaves_alone(envelope.data))
        except Exception:
            log.warning("could not tell whether %s leaves %s alone", topic, envelope.event_id, exc_info=True)
            return False

    async def _apply_once(self, consumer_name: str, handler: BoundHandler, envelope: Envelope[Any]) -> bool:
        """Applies `envelope` unless the inbox says it was; returns whether it was applied now."""
        assert self.pool is not None, "InboxConsumer.pool is set when the worker starts"
        async with self.pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING true",
                consumer_name,
                envelope.event_id,
                envelope.topic,
            )
            if first_time:
                await handler(conn, envelope)
            return bool(first_time)

    async def _dead_letter(self, topic: str, consumer_name: str, body: bytes, msg: Any, exc: BaseException) -> None:
        raw = msg.raw_message
        headers = {
            "x-error-type": type(exc).__name__,
            "x-error": str(exc)[:2000],
            "x-original-topic": topic,
            "x-original-partition": str(raw.partition),
            "x-original-offset": str(raw.offset),
            "x-consumer": consumer_name,
        }
        log.error("dead-lettering message from %s[%s]@%s: %s", topic, raw.partition, raw.offset, exc)
        span: Span = trace.get_current_span()
        span.set_status(StatusCode.ERROR, f"dead-lettered: {type(exc).__name__}")
        while True:  # the offset is committed only once the message is safely in the DLQ
            try:
                await self.broker.publish(body, topic=dlq_topic(topic), key=raw.key, headers=headers)
                self.dead_lettered += 1
                CONSUMER_DEAD_LETTERED.labels(topic).inc()
                return
            except Exception:
                log.exception("could not publish to %s; retrying", dlq_topic(topic))
                await asyncio.sleep(1.0)
