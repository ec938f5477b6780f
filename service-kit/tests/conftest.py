"""What several of the kit's tests share: a database of their own, with the kit's tables and one of the test's; an
event as large as a test needs."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import opencme_contracts
from opencme_contracts import ActivityCancelled, Envelope, new_envelope
from opencme_kit import db

OCCURRED_AT = datetime(2026, 12, 3, 10, 30, 0, 123456, tzinfo=UTC)


@pytest.fixture
async def pool_with(make_database, tmp_path):
    """`await pool_with("CREATE TABLE ...")`: a pool on a new database holding the kit's core tables and `schema`."""
    pools: list[db.Pool] = []

    async def make(schema: str) -> db.Pool:
        pool = await db.create_pool(await make_database("kit"))
        pools.append(pool)
        (tmp_path / "001_test.sql").write_text(schema)
        await db.apply_migrations(pool, [db.Migrations(tmp_path)])
        return pool

    yield make
    for pool in pools:
        await pool.close()


@pytest.fixture
def cancellation() -> Callable[[str], ActivityCancelled]:
    """`cancellation(reason)`: the contracts' example of an activity's cancellation, giving `reason`."""
    example = Path(opencme_contracts.__file__).parents[2] / "examples" / "activity.cancelled.json"
    data = json.loads(example.read_text())["data"]
    return lambda reason: ActivityCancelled.model_validate(data | {"reason": reason})


@pytest.fixture
def cancellation_of(cancellation) -> Callable[[int], Envelope[ActivityCancelled]]:
    """`cancellation_of(size)`: a cancellation's event that is exactly `size` bytes of JSON as the outbox queues it.
    Its time is pinned: one that falls on a whole second is written 7 bytes shorter."""

    def make(size: int) -> Envelope[ActivityCancelled]:
        def event(reason: str) -> Envelope[ActivityCancelled]:
            return new_envelope(cancellation(reason), producer="kit-test", subject="activity", occurred_at=OCCURRED_AT)

        return event("r" * (size - len(event("").model_dump_json())))

    return make
