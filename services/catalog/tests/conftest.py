import sys
from pathlib import Path

import pytest

from catalog.config import MIGRATIONS
from catalog.kit import db

# Factories shared by the test modules live beside this file; with --import-mode=importlib it is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="module")
async def pool(make_database):
    """A migrated database per module; tests keep apart by using fresh learner and activity ids."""
    pool = await db.create_pool(await make_database("catalog"), max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()
