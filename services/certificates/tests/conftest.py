import pytest
from certificates_testing import MINT, Worker

from certificates.config import SERVICE, Settings
from certificates.consumers import HANDLERS
from certificates.issuing import Issuer
from certificates.main import create_app
from devstack.testing import running_app
from opencme_kit.auth import TokenVerifier
from opencme_kit.messaging import InboxConsumer, create_broker


@pytest.fixture(scope="module")
async def service(make_database, infra):
    """The certificates API on a database of its own for the module, trusting MINT's tokens, with the worker at
    `service.consumer` (certificates_testing.Worker) for delivering events through the real inbox and issuer."""
    settings = Settings(
        database_url=await make_database("certificates"),
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        public_base_url="https://cme.example.org",
    )
    app = create_app(settings)
    consumer = InboxConsumer(
        create_broker(infra.kafka_bootstrap, "test"), service=SERVICE, handlers=HANDLERS, settings=settings
    )
    async with running_app(app, jwks=MINT.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        consumer.pool = app.state.pool
        client.app, client.consumer = app, Worker(consumer, Issuer(app.state.pool, settings))
        yield client
