"""The promise every service that consumes `account.merged` keeps, as one test suite each runs on its own database.

    from opencme_kit.merges_contract import MergedAccountsContract

    class TestCreditKeepsTheMergedAccountsContract(MergedAccountsContract):
        migrations = MIGRATIONS

A test dependency (it imports pytest): only test suites import it. `make_database` is devstack's pytest fixture.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from . import db, merges
from .messaging import Rejected

AT = datetime(2026, 5, 1, tzinfo=UTC)


def ids(n: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(n)]


class MergedAccountsContract:
    migrations: ClassVar[Sequence[db.Migrations]]  # the service's migrations, the kit's merged_accounts among them

    @pytest.fixture(scope="class")
    @classmethod
    async def pool(cls, make_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[db.Pool]:
        pool = await db.create_pool(await make_database("merges"), max_size=4)
        await db.apply_migrations(pool, cls.migrations)
        yield pool
        await pool.close()

    @staticmethod
    async def merge(pool: db.Pool, merged: uuid.UUID, surviving: uuid.UUID) -> merges.Merge:
        async with pool.acquire() as conn, conn.transaction():
            return await merges.record_merge(conn, merged_id=merged, surviving_id=surviving, merged_at=AT)

    @staticmethod
    async def survivor(pool: db.Pool, learner: uuid.UUID) -> uuid.UUID:
        async with pool.acquire() as conn:
            return await merges.survivor_of(conn, learner)

    async def test_an_account_never_merged_is_its_own_survivor(self, pool: db.Pool) -> None:
        (a,) = ids(1)
        assert await self.survivor(pool, a) == a

    async def test_a_merge_maps_the_merged_account_to_the_survivor(self, pool: db.Pool) -> None:
        a, b = ids(2)
        assert await self.merge(pool, a, b) == merges.Merge(a, b, repeated=False)
        assert (await self.survivor(pool, a), await self.survivor(pool, b)) == (b, b)

    async def test_a_merge_seen_again_is_a_no_op(self, pool: db.Pool) -> None:
        a, b = ids(2)
        await self.merge(pool, a, b)
        assert await self.merge(pool, a, b) == merges.Merge(a, b, repeated=True)
        assert await self.survivor(pool, a) == b

    async def test_a_chain_ends_on_the_last_survivor_when_merged_in_order(self, pool: db.Pool) -> None:
        a, b, c = ids(3)
        await self.merge(pool, a, b)
        assert await self.merge(pool, b, c) == merges.Merge(b, c, repeated=False)
        assert [await self.survivor(pool, x) for x in (a, b, c)] == [c, c, c]

    async def test_a_chain_ends_on_the_last_survivor_when_the_later_merge_arrives_first(self, pool: db.Pool) -> None:
        a, b, c = ids(3)
        await self.merge(pool, b, c)
        assert await self.merge(pool, a, b) == merges.Merge(a, c, repeated=False)
        assert [await self.survivor(pool, x) for x in (a, b, c)] == [c, c, c]

    async def test_a_repeat_after_the_survivor_was_merged_on_is_a_no_op(self, pool: db.Pool) -> None:
        a, b, c = ids(3)
        await self.merge(pool, a, b)
        await self.merge(pool, b, c)
        assert await self.merge(pool, a, b) == merges.Merge(a, c, repeated=True)

    async def test_a_merge_into_itself_is_rejected(self, pool: db.Pool) -> None:
        (a,) = ids(1)
        with pytest.raises(Rejected, match="into itself"):
            await self.merge(pool, a, a)

    async def test_merging_back_along_a_chain_is_rejected_as_a_cycle(self, pool: db.Pool) -> None:
        a, b, c = ids(3)
        await self.merge(pool, a, b)
        await self.merge(pool, b, c)
        with pytest.raises(Rejected, match="cycle"):
            await self.merge(pool, c, a)
        assert [await self.survivor(pool, x) for x in (a, b, c)] == [c, c, c]

    async def test_a_merged_account_merged_again_elsewhere_is_rejected_and_the_map_kept(self, pool: db.Pool) -> None:
        a, b, d = ids(3)
        await self.merge(pool, a, b)
        with pytest.raises(Rejected, match="already merged"):
            await self.merge(pool, a, d)
        assert (await self.survivor(pool, a), await self.survivor(pool, d)) == (b, d)

    async def test_owner_of_needs_the_writing_transaction(self, pool: db.Pool) -> None:
        async with pool.acquire() as conn:
            with pytest.raises(RuntimeError, match="transaction"):
                await merges.owner_of(conn, uuid.uuid4())

    async def test_a_merge_waits_for_a_writer_of_the_merged_account_to_commit(self, pool: db.Pool) -> None:
        a, b = ids(2)
        writer_holds, release = asyncio.Event(), asyncio.Event()

        async def writer() -> uuid.UUID:
            async with pool.acquire() as conn, conn.transaction():
                owner = await merges.owner_of(conn, a, shared=True)
                writer_holds.set()
                await release.wait()
                return owner

        writing = asyncio.create_task(writer())
        await writer_holds.wait()
        merging = asyncio.create_task(self.merge(pool, a, b))
        await asyncio.sleep(0.3)
        assert not merging.done(), "the merge went ahead while a writer of the merged account held it"
        release.set()
        assert await writing == a  # it wrote before the merge: the merge then moves what it wrote
        assert (await merging).surviving_id == b

    async def test_a_writer_that_waited_for_a_merge_records_for_the_survivor(self, pool: db.Pool) -> None:
        a, b = ids(2)
        merge_holds, release = asyncio.Event(), asyncio.Event()

        async def merge_and_hold() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await merges.record_merge(conn, merged_id=a, surviving_id=b, merged_at=AT)
                merge_holds.set()
                await release.wait()

        merging = asyncio.create_task(merge_and_hold())
        await merge_holds.wait()

        async def writer() -> uuid.UUID:
            async with pool.acquire() as conn, conn.transaction():
                return await merges.owner_of(conn, a)

        writing = asyncio.create_task(writer())
        await asyncio.sleep(0.3)
        assert not writing.done(), "a writer of the merged account went ahead while its merge was uncommitted"
        release.set()
        await merging
        assert await writing == b
