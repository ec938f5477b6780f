"""Transactional outbox: an event is written in the same transaction as the state change, then relayed to Kafka.

The relay publishes with acks=all on an idempotent producer (the broker is configured so in `messaging.py`). One relay
per service holds a PostgreSQL advisory lock, so events leave in the order they were written and events of one key
(one learner, one activity) keep their order on their partition. Other relays of the same service stand by.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.kafka import KafkaBroker

from opencme_contracts import Envelope, EventPayload, new_envelope

from . import db, logs, tracing
from .metrics import OUTBOX_PUBLISHED
from .waking import woken

log = logging.getLogger(__name__)

CHANNEL = "outbox"

# The largest event the outbox takes, JSON-encoded: under Kafka's 1 MiB default for a request and for a message
# (the producer's max_request_size, the broker's message.max.bytes), with room for the key, headers and batch framing.
MAX_EVENT_BYTES = 1_000_000


class EventTooLarge(ValueError):
    """An event over MAX_EVENT_BYTES. Queued, Kafka would refuse it for ever and hold back every later event of the
    service behind it; refused here, the transaction that made it rolls back and nothing is written."""


_QUEUE = "INSERT INTO outbox (event_id, topic, message_key, payload, headers)"
# The relay's wake-up, for each row queued: delivered on commit only, so it wakes exactly when there is something to
# send. In the statement that queues the row, so both cost one round trip.
_WAKE = f"SELECT pg_notify('{CHANNEL}', '') FROM queued"


async def add(conn: db.Connection, envelope: Envelope[Any], *, topic: str | None = None) -> None:
    """Queue `envelope` for publication (on its event type's topic unless `topic` says otherwise); call inside
    the transaction that makes the change it reports."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.add must run inside the transaction of the state change")
    topic = topic or envelope.topic
    headers = _headers(envelope)
    # The trace context (traceparent) rides in the row's headers to the Kafka message; none when nothing is traced.
    with tracing.producing(topic, headers):
        await conn.execute(
            f"WITH queued AS ({_QUEUE} VALUES ($1, $2, $3, $4, $5) RETURNING 1) {_WAKE}",
            *_row(envelope, topic, headers),
        )


async def emit(conn: db.Connection, payload: EventPayload, *, producer: str, subject: object) -> Envelope[Any]:
    """Wrap `payload` in an envelope carrying the current correlation id and queue it (see `add`)."""
    envelope = _envelope(payload, producer=producer, subject=subject)
    await add(conn, envelope)
    return envelope


async def emit_with(
    conn: db.Connection,
    change: str,
    *args: Any,
    payload: EventPayload,
    producer: str,
    subject: object,
    alone: bool = False,
) -> bool:
    """Run `change`, one INSERT, UPDATE or DELETE ending in RETURNING (its parameters $1 to $n are `args`), and if it
    returned a row queue `payload` as `emit` does, in the same statement: the change and its event cost one round
    trip, not two. Returns whether the change returned a row (when it did not, nothing is queued).

    Call inside the transaction the change belongs to; or, with `alone=True`, outside any, when the change is the
    whole transaction: PostgreSQL commits one statement, change and event, or neither, and the BEGIN and COMMIT round
    trips are saved."""
    if conn.is_in_transaction() == alone:
        where = "outside any transaction block" if alone else "inside the transaction of the state change"
        raise RuntimeError(f"outbox.emit_with{'(alone=True)' if alone else ''} must run {where}")
    envelope = _envelope(payload, producer=producer, subject=subject)
    headers = _headers(envelope)
    n = len(args)
    with tracing.producing(envelope.topic, headers):
        changed = await conn.fetchval(
            f"WITH change AS ({change}), queued AS ({_QUEUE} SELECT ${n + 1}::uuid, ${n + 2}::text, ${n + 3}::text, "
            f"${n + 4}::text, ${n + 5}::jsonb WHERE EXISTS (SELECT FROM change) RETURNING 1) "
            f"SELECT EXISTS (SELECT FROM change), ({_WAKE})",
            *args,
            *_row(envelope, envelope.topic, headers),
        )
    return bool(changed)


def _envelope(payload: EventPayload, *, producer: str, subject: object) -> Envelope[Any]:
    return new_envelope(payload, producer=producer, subject=str(subject), correlation_id=logs.correlation_id.get())


def _headers(envelope: Envelope[Any]) -> dict[str, str]:
    return {
        "event_type": envelope.event_type,
        "event_version": str(envelope.event_version),
        "correlation_id": envelope.correlation_id or "",
    }


def _row(envelope: Envelope[Any], topic: str, headers: dict[str, str]) -> tuple[Any, ...]:
    """The outbox row's values after its id: event id, topic, message key, payload and headers."""
    payload = envelope.model_dump_json()
    if (size := len(payload.encode())) > MAX_EVENT_BYTES:  # in bytes, as Kafka counts
        raise EventTooLarge(
            f"{envelope.event_type} event {envelope.event_id} is {size:,} bytes, over the outbox's {MAX_EVENT_BYTES:,}"
        )
    return envelope.event_id, topic, envelope.subject, payload, headers


class OutboxRelay:
    def __init__(
        self,
        pool: db.Pool,
        broker: KafkaBroker,
        *,
        lock_key: int,
        poll_interval: float = 2.0,
        missed_notice_interval: float = 30.0,
        batch_size: int = 200,
    ) -> None:
        self.pool = pool
        self.broker = broker
        self.lock_key = lock_key
        # How often a relay on stand-by tries to take the lead, and how long a failed relay waits to start over.
        self.poll_interval = poll_interval
        # How often the leader looks for rows without being told. Every insert notifies (in its own statement), so
        # this only covers a notice lost in a way nobody has seen; short, it kept an idle worker awake.
        self.missed_notice_interval = missed_notice_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self.published = 0

    async def run(self) -> None:
        """Relay until cancelled; survives database and broker outages by starting over."""
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(self.poll_interval)

    async def _lead(self) -> None:
        # The lock and the LISTEN end with the connection's session state when it goes back (db.held).
        async with db.held(self.pool) as conn:
            # Another relay of this service leads while it holds the lock: stand by.
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.lock_key):  # noqa: ASYNC110
                await asyncio.sleep(self.poll_interval)
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            while True:
                # Cleared before looking, not after publishing: a row committed while a batch is being published
                # notifies during it, and clearing afterwards lost that notice (the row then waited for
                # missed_notice_interval, 30 s; a CI run saw a registration's emails 30 s late).
                self._wake.clear()
                sent = await self.publish_pending(conn)
                if sent == self.batch_size:
                    continue
                # A lost connection raises and the relay starts over, publishing what is pending.
                await woken(self._wake, self.missed_notice_interval)

    async def publish_pending(self, conn: db.Connection) -> int:
        rows = await conn.fetch(
            "SELECT id, topic, message_key, payload, headers FROM outbox WHERE published_at IS NULL "
            "ORDER BY id LIMIT $1",
            self.batch_size,
        )
        if not rows:
            return 0
        # Hand the whole batch to the producer, then wait for every acknowledgement: it keeps per-partition order
        # (idempotent producer) without a round trip per event.
        futures = [
            await self.broker.publish(
                row["payload"].encode(),
                topic=row["topic"],
                key=row["message_key"].encode(),
                headers={**row["headers"], "content-type": "application/json"},
                correlation_id=row["headers"].get("correlation_id") or None,
                no_confirm=True,
            )
            for row in rows
        ]
        await asyncio.gather(*futures)
        await conn.execute(
            "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [row["id"] for row in rows]
        )
        self.published += len(rows)
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)
