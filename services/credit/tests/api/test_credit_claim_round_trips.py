"""What one claim costs in database round trips, counted on the wire between the credit API and a real PostgreSQL.

A round trip is one wait for the server: a simple-protocol Query, or an extended-protocol batch that ends in Sync
(asyncpg prepares a statement once per connection in one batch, then binds and executes it in one more).
"""

import asyncio
import contextlib
import struct
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from credit import repository
from credit.config import Settings
from credit.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

AMA = "AMA_PRA_1"
EVALUATION = {"overall_rating": 4, "objectives_met": True, "free_of_commercial_bias": True}
mint = TokenMint()

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


class RoundTripCounter:
    """A TCP proxy in front of PostgreSQL that records what each client round trip carried: the SQL of a Query, or
    the statements parsed and bound in a batch up to its Sync."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.round_trips: list[str] = []
        self._statements: dict[str, str] = {}  # prepared statement name -> its SQL, as seen in Parse
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        to_client = asyncio.create_task(self._pipe(server_reader, client_writer))
        self._tasks.add(to_client)
        try:
            await self._from_client(client_reader, server_writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            to_client.cancel()
            for writer in (server_writer, client_writer):
                writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()  # the server hung up (e.g. after Terminate): so does the proxy, as the client waits for it

    async def _from_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # start-up: length-prefixed packets without a type byte, until the startup message itself
            length = struct.unpack("!i", await reader.readexactly(4))[0]
            body = await reader.readexactly(length - 4)
            writer.write(struct.pack("!i", length) + body)
            await writer.drain()
            if struct.unpack("!i", body[:4])[0] not in (SSL_REQUEST, GSSENC_REQUEST):
                break
        batch: list[str] = []
        while True:
            kind = await reader.readexactly(1)
            length = struct.unpack("!i", await reader.readexactly(4))[0]
            body = await reader.readexactly(length - 4)
            if kind == b"Q":
                self.round_trips.append(body.rstrip(b"\0").decode())
            elif kind == b"P":  # Parse: statement name, SQL
                name, sql = body.split(b"\0")[:2]
                self._statements[name.decode()] = sql.decode()
                batch.append(f"prepare: {sql.decode()}")
            elif kind == b"B":  # Bind: portal name, statement name
                name = body.split(b"\0")[1].decode()
                batch.append(self._statements.get(name, name))
            elif kind == b"S":
                self.round_trips.append(" | ".join(batch) or "sync")
                batch = []
            writer.write(kind + struct.pack("!i", length) + body)
            await writer.drain()


@pytest.fixture(scope="module")
async def counted(make_database):
    """The credit API whose database connections go through a RoundTripCounter."""
    dsn = urlsplit(await make_database("credit"))
    counter = RoundTripCounter(dsn.hostname or "127.0.0.1", dsn.port or 5432)
    port = await counter.start()
    netloc = f"{dsn.username}:{dsn.password}@127.0.0.1:{port}"
    # Without TLS, so the proxy can read the messages.
    proxied = urlunsplit((dsn.scheme, netloc, dsn.path, "sslmode=disable", ""))
    app = create_app(Settings(database_url=proxied))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client, counter
    await counter.stop()


async def live_course_with_registered_learner(app, learner_id=None):
    activity_id, learner_id = uuid.uuid4(), learner_id or uuid.uuid4()
    ends_at = datetime.now(UTC) - timedelta(days=2)
    async with app.state.pool.acquire() as conn:
        await repository.upsert_activity(
            conn,
            id=activity_id,
            title="Sepsis Update",
            format="live_course",
            starts_at=ends_at - timedelta(hours=8),
            ends_at=ends_at,
            location="Room 1",
            provider_name="Acme Clinic",
            designations=[{"credit_type": AMA, "max_credits": "2", "statement": "Acme Clinic designates ..."}],
            claim_window_days=30,
            available_until=None,
            moc_boards=[],
            requires_event_code=False,
            published_at=datetime.now(UTC),
        )
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=learner_id, activity_id=activity_id, email="j@example.org"
        )
    return learner_id, activity_id


async def claim_counting_round_trips(client, counter):
    learner_id, activity_id = await live_course_with_registered_learner(client.app)
    counter.round_trips.clear()
    response = await client.post(
        "/claims",
        headers=mint.headers(learner_id),
        json={"activity_id": str(activity_id), "credits": {AMA: "1"}, "evaluation": EVALUATION},
    )
    assert response.status_code == 201, response.text
    return list(counter.round_trips)


async def test_a_claim_costs_two_round_trips_once_its_statements_are_prepared(counted):
    client, counter = counted
    await claim_counting_round_trips(client, counter)  # the connection prepares each statement on first use

    round_trips = await claim_counting_round_trips(client, counter)

    # The eligibility read under the learner's lock; the claim with its outbox row and NOTIFY, in one statement that
    # locks the learner again and is its own transaction: no BEGIN, no COMMIT. The connection goes back to the pool
    # without a reset query.
    assert len(round_trips) == 2, "\n".join(round_trips)
    assert "claim_eligibility" in round_trips[0], round_trips[0]
    assert "unmerged_learner" in round_trips[1] and "INSERT INTO outbox" in round_trips[1], round_trips[1]
    assert not any(sql.startswith("prepare:") for sql in round_trips), "\n".join(round_trips)


async def claimable_list_counting_round_trips(client, counter, learner_id):
    counter.round_trips.clear()
    response = await client.get("/claimable", headers=mint.headers(learner_id))
    assert response.status_code == 200, response.text
    return len(response.json()), list(counter.round_trips)


async def test_the_claimable_list_costs_the_same_round_trips_for_one_activity_as_for_five(counted):
    client, counter = counted
    one, five = uuid.uuid4(), uuid.uuid4()
    await live_course_with_registered_learner(client.app, one)
    for _ in range(5):
        await live_course_with_registered_learner(client.app, five)
    await claimable_list_counting_round_trips(client, counter, one)  # prepares the statements

    listed_one, for_one = await claimable_list_counting_round_trips(client, counter, one)
    listed_five, for_five = await claimable_list_counting_round_trips(client, counter, five)

    assert (listed_one, listed_five) == (1, 5)
    # Who owns the learner's records; the activities with the learner's participation in each.
    assert len(for_one) == len(for_five) == 2, "\n".join(for_five)


async def test_a_claim_with_a_refused_token_takes_no_database_connection(counted):
    client, counter = counted
    counter.round_trips.clear()
    response = await client.post(
        "/claims",
        headers={"Authorization": "Bearer not.a.token"},
        json={"activity_id": str(uuid.uuid4()), "credits": {AMA: "1"}, "evaluation": EVALUATION},
    )
    assert response.status_code == 401, response.text
    assert counter.round_trips == []  # no connection was even taken from the pool
