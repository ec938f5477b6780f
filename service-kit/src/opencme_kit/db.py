"""asyncpg pool and migrations: plain SQL files applied in name order, once, under an advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
import asyncpg.pool

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    # What every function that takes `conn` accepts: a plain connection or one lent by the pool.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
    Lent: TypeAlias = asyncpg.pool.PoolConnectionProxy[asyncpg.Record]  # a connection a pool lent
else:
    Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy
    Pool = asyncpg.Pool
    Lent = asyncpg.pool.PoolConnectionProxy

MIGRATION_LOCK = 0x0C3E_0001

# What a database that is down, restarting or out of connections raises: worth waiting out and trying again, unlike an
# error in the statement or the data. (asyncpg raises the shutdown errors on connections that PostgreSQL closed.)
UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
)


@dataclass(frozen=True)
class Migrations:
    """A folder of SQL files shipped inside a package, applied in name order, each once.

    `prefix` keeps the names of one set apart from another's in `schema_migrations`; a service's own set has none.
    """

    directory: Traversable
    prefix: str = ""

    @classmethod
    def of(cls, package: str) -> Migrations:
        """The `migrations/` folder of `package` (package data, so the service also runs installed non-editable)."""
        return cls(resources.files(package) / "migrations")

    def files(self) -> list[tuple[str, Traversable]]:
        found = [f for f in self.directory.iterdir() if f.name.endswith(".sql")]
        return [(self.prefix + f.name, f) for f in sorted(found, key=lambda f: f.name)]


# Applied before anything else in every service's database.
CORE = Migrations(resources.files(__package__) / "migrations" / "core", prefix="kit/core/")


async def _init_connection(conn: Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: Connection) -> None:
    """A pool's reset that sends nothing (asyncpg itself still rolls back a transaction left open)."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, reset_session: bool = True) -> Pool:
    """`reset_session=False`: a connection goes back to the pool without asyncpg's reset query (UNLISTEN *, RESET ALL,
    CLOSE ALL, pg_advisory_unlock_all: a round trip each time), for a pool whose borrowers leave nothing in the session
    behind them: they run transactions, SET LOCAL and transaction-level advisory locks only, and borrow the connection
    they LISTEN or take a session lock on with `held`. A transaction left open is still rolled back."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=30,
        reset=None if reset_session else _keep_session,
    )


@contextlib.asynccontextmanager
async def held(pool: Pool) -> AsyncIterator[Lent]:
    """A connection borrowed for as long as a loop runs, to keep session state on: a LISTEN, a session advisory lock.
    It goes back to the pool reset (asyncpg's reset query: UNLISTEN *, pg_advisory_unlock_all(), RESET ALL, CLOSE ALL,
    and its listeners dropped), or closed when it cannot be reset (it broke, or the reset was cancelled): no borrower
    after it inherits the state, also from a pool that does not reset what it takes back (`reset_session=False`)."""
    async with pool.acquire() as conn:
        try:
            yield conn
        finally:
            try:
                await conn.reset()
            except BaseException as exc:
                # Closed instead: the pool opens a new one (it may have seen the connection close and taken it back).
                with contextlib.suppress(asyncpg.InterfaceError):
                    conn.terminate()
                if not isinstance(exc, Exception):
                    raise  # a cancellation goes on; after a failure, the caller hears of what ended its loop


class Lender:
    """Lends a pool's connections in the order they were asked for.

    asyncpg's pool gives a connection handed back to whoever asks next, even before the borrower it woke for it has
    run: under load a borrower lost its turn to newcomers again and again (up to 3.4 s of waiting in the claim
    benchmark, with a median claim of 30 ms). A first-in, first-out semaphore as large as the pool keeps the line."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._turns = asyncio.Semaphore(pool.get_max_size())

    async def lend(self) -> Lent:
        await self._turns.acquire()
        try:
            return await self.pool.acquire()
        except BaseException:
            self._turns.release()
            raise

    async def take_back(self, conn: Lent) -> None:
        try:
            await self.pool.release(conn)  # asyncpg shields the release from a cancellation
        finally:
            self._turns.release()


async def apply_migrations(pool: Pool, sets: Sequence[Migrations]) -> list[str]:
    """Apply the kit's core set, then each of `sets` in order, skipping files already applied; returns those applied
    now."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        # Several processes of one service (API and worker) may start together: one migrates, the others wait.
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            await conn.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                                      name        text PRIMARY KEY,
                                      applied_at  timestamptz NOT NULL DEFAULT now())""")
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for migrations in (CORE, *sets):
                for name, file in migrations.files():
                    if name in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(file.read_text(encoding="utf-8"))
                        await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                    applied_now.append(name)
                    log.info("applied migration %s", name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    return applied_now
