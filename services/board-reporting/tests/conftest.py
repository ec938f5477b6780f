import sys
from pathlib import Path

import pytest

from board_reporting.config import MIGRATIONS
from board_reporting.kit import db

# Factories shared by the test modules live beside this file; with --import-mode=importlib it is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
async def pool(make_database):
    """A fresh, migrated database per test: the submitter takes every due report, so tests must not share one."""
    pool = await db.create_pool(await make_database("board"), max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()
