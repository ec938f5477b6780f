from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from notifications_testing import Sink, make_settings

from notifications.config import MIGRATIONS, Settings
from opencme_kit import db


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    server = Sink(tmp_path / "mail")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def settings(make_database, sink: Sink) -> Settings:
    return make_settings(await make_database("notifications"), sink.port)


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[db.Pool]:
    pool = await db.create_pool(settings.database_url, max_size=5)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()
