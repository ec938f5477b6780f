"""db.Lender against a real PostgreSQL: connections are lent in the order they were asked for, also to a borrower
who was woken but has not run yet when a newcomer asks, and a turn is not lost to a cancelled wait."""

import asyncio

import pytest

from opencme_kit import db


@pytest.fixture
async def pool(make_database):
    pool = await db.create_pool(await make_database("kit"), min_size=1, max_size=1, reset_session=False)
    yield pool
    await pool.close()


async def borrowing_order(lender: db.Lender, *, newcomer_during_the_return: bool) -> list[str]:
    order = []

    async def borrow(name: str) -> None:
        conn = await lender.lend()
        order.append(name)
        await lender.take_back(conn)

    first = await lender.lend()
    waiting = asyncio.create_task(borrow("waiting"))
    await asyncio.sleep(0.05)  # it waits in line for the pool's one connection
    if newcomer_during_the_return:
        returning = asyncio.create_task(lender.take_back(first))
        await asyncio.sleep(0)  # the return is under way
        await asyncio.gather(returning, waiting, borrow("newcomer"))
    else:
        await lender.take_back(first)  # the waiting borrower is woken, but has not run yet
        await borrow("newcomer")  # asks before the woken one has run
        await waiting
    return order


@pytest.mark.parametrize("newcomer_during_the_return", [False, True])
async def test_a_borrower_woken_for_a_connection_gets_it_before_a_newcomer(pool, newcomer_during_the_return):
    order = await borrowing_order(db.Lender(pool), newcomer_during_the_return=newcomer_during_the_return)
    assert order == ["waiting", "newcomer"]
    assert pool.get_idle_size() == pool.get_size() == 1


async def test_a_borrower_cancelled_while_waiting_leaves_its_turn_to_the_next(pool):
    lender = db.Lender(pool)
    first = await lender.lend()
    cancelled = asyncio.create_task(lender.lend())
    await asyncio.sleep(0.05)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    await lender.take_back(first)

    async with asyncio.timeout(5):
        conn = await lender.lend()
    await lender.take_back(conn)
    assert pool.get_idle_size() == pool.get_size() == 1
