"""Idempotency keys against a real PostgreSQL: a command sent again with its key answers as the first time, once."""

import asyncio
import uuid

import pytest
from pydantic import BaseModel

from opencme_kit import errors, idempotency


class Order(BaseModel):
    item: str
    quantity: int


class Placed(BaseModel):
    id: uuid.UUID
    item: str


@pytest.fixture
async def pool(pool_with):
    return await pool_with("CREATE TABLE placed (id uuid PRIMARY KEY, item text NOT NULL);")


async def place(pool, order: Order, key: str | None, caller: uuid.UUID, *, refuse: bool = False, pause: float = 0):
    async with pool.acquire() as conn:

        async def run() -> Placed:
            placed = Placed(id=uuid.uuid4(), item=order.item)
            await conn.execute("INSERT INTO placed (id, item) VALUES ($1, $2)", placed.id, placed.item)
            await asyncio.sleep(pause)  # a slow effect: a second request with the key arrives meanwhile
            if refuse:
                raise errors.Conflict("item", "sold out")
            return placed

        return await idempotency.once(
            conn, key, caller=caller, operation="POST /orders", request=order, answer=Placed, run=run
        )


async def placed_count(pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM placed")
        return count


async def test_a_command_sent_again_with_its_key_answers_the_same_and_takes_effect_once(pool):
    caller, key = uuid.uuid4(), str(uuid.uuid4())
    first = await place(pool, Order(item="pen", quantity=1), key, caller)
    again = await place(pool, Order(item="pen", quantity=1), key, caller)
    assert again == first and await placed_count(pool) == 1


async def test_without_a_key_every_command_takes_effect(pool):
    caller = uuid.uuid4()
    first = await place(pool, Order(item="pen", quantity=1), None, caller)
    second = await place(pool, Order(item="pen", quantity=1), None, caller)
    assert first.id != second.id and await placed_count(pool) == 2


async def test_the_same_key_for_another_request_is_refused_naming_the_header(pool):
    caller, key = uuid.uuid4(), str(uuid.uuid4())
    await place(pool, Order(item="pen", quantity=1), key, caller)
    with pytest.raises(errors.Invalid) as refused:
        await place(pool, Order(item="pen", quantity=2), key, caller)
    assert refused.value.field == "Idempotency-Key" and "different request" in refused.value.reason
    assert await placed_count(pool) == 1


async def test_a_refused_command_keeps_no_key_so_sending_it_again_tries_again(pool):
    caller, key = uuid.uuid4(), str(uuid.uuid4())
    with pytest.raises(errors.Conflict):
        await place(pool, Order(item="pen", quantity=1), key, caller, refuse=True)
    assert await placed_count(pool) == 0  # the effect rolled back with the key
    placed = await place(pool, Order(item="pen", quantity=1), key, caller)
    assert placed.item == "pen" and await placed_count(pool) == 1


async def test_two_requests_with_one_key_at_once_take_effect_once_and_answer_alike(pool):
    caller, key = uuid.uuid4(), str(uuid.uuid4())
    order = Order(item="pen", quantity=1)
    first, second = await asyncio.gather(
        place(pool, order, key, caller, pause=0.3), place(pool, order, key, caller, pause=0.3)
    )
    assert first == second and await placed_count(pool) == 1


async def test_keys_of_different_callers_never_meet(pool):
    key = str(uuid.uuid4())
    mine = await place(pool, Order(item="pen", quantity=1), key, uuid.uuid4())
    theirs = await place(pool, Order(item="pen", quantity=1), key, uuid.uuid4())
    assert mine.id != theirs.id and await placed_count(pool) == 2
