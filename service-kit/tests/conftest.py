"""What several of the kit's tests share: a database of their own, with the kit's tables and one of the test's."""

import pytest

from opencme_kit import db


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
