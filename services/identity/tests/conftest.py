import pytest
from identity_testing import running_identity


@pytest.fixture(scope="module")
async def client(make_database):
    """Identity on a database of its own for the test module; per-address limits raised so that tests sharing the
        in-process client's address do not throttle each other (throttling tests call from addresses of their own:
    identity_testing.client_at)."""
    async with running_identity(await make_database("identity")) as client:
        yield client
