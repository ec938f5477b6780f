import pytest

from board_reporting.config import MIGRATIONS
from opencme_kit import db


@pytest.fixture
async def pool(make_database):
    """A fresh, migrated database per test: the submitter takes every due report, so tests must not share one."""
    pool = await db.create_pool(await make_database("board"), max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()
