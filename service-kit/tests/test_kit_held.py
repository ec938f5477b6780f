"""db.held against a real PostgreSQL: a connection a loop kept session state on (a LISTEN, a session advisory lock)
goes back to a pool that resets nothing on return (every service's) without that state, or is closed."""

import asyncpg
import pytest

from opencme_kit import db

LOCK = 0x0C3E_7E57
HELD_ADVISORY_LOCKS = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"


@pytest.fixture
async def dsn(make_database):
    return await make_database("kit_held")


@pytest.fixture
async def pool(dsn):
    pool = await db.create_pool(dsn, min_size=1, max_size=1, reset_session=False)
    yield pool
    await pool.close()


async def test_a_held_connection_goes_back_without_its_listen_and_session_lock(pool):
    async with db.held(pool) as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
        await conn.add_listener("kit_held", lambda *_: None)
        backend = await conn.fetchval("SELECT pg_backend_pid()")

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT pg_backend_pid()") == backend  # the pool's one connection, lent again
        assert await conn.fetch("SELECT pg_listening_channels()") == []
        assert await conn.fetchval(HELD_ADVISORY_LOCKS) == 0


async def loop_whose_connection_broke(pool: db.Pool, dsn: str) -> int:
    """Holds a connection with a session lock, has its server process ended, and fails; returns that process's id."""
    async with db.held(pool) as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
        backend: int = await conn.fetchval("SELECT pg_backend_pid()")
        other = await asyncpg.connect(dsn)
        try:
            assert await other.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await other.close()
        raise RuntimeError(f"the loop ended ({backend})")


async def test_a_held_connection_that_cannot_be_reset_is_closed_and_the_loops_error_is_what_is_raised(pool, dsn):
    with pytest.raises(RuntimeError, match="the loop ended") as raised:
        await loop_whose_connection_broke(pool, dsn)
    backend = int(str(raised.value).split("(")[1].rstrip(")"))

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT pg_backend_pid()") != backend
        assert await conn.fetchval(HELD_ADVISORY_LOCKS) == 0
