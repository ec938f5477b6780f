import pytest
from catalog_factories import MINT, inbox_consumer

from catalog.config import MIGRATIONS, Settings
from catalog.main import create_app
from devstack.testing import running_app
from opencme_kit import db
from opencme_kit.auth import TokenVerifier


@pytest.fixture(scope="module")
async def pool(make_database):
    """A migrated database per module; tests keep apart by using fresh learner and activity ids."""
    pool = await db.create_pool(await make_database("catalog"), max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def client(make_database):
    """The catalog API on a database of its own for the module, trusting the tests' token mint (MINT); its worker's
    consumer is at `client.consumer` for delivering events without Kafka."""
    app = create_app(Settings(database_url=await make_database("catalog"), provider_name="Acme Clinic"))
    async with running_app(app, jwks=MINT.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        client.consumer = inbox_consumer(app.state.pool)
        yield client
