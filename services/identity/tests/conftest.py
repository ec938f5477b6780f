import sys
from pathlib import Path

import pytest

# The shared helpers (identity_testing.py) sit beside the tests; importlib mode does not put them on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_testing import running_identity  # noqa: E402


@pytest.fixture(scope="module")
async def client(make_database):
    """Identity on a database of its own for the test module; per-address limits raised so that tests sharing the
    in-process client's address do not throttle each other (throttling tests send their own X-Real-IP)."""
    async with running_identity(await make_database("identity")) as client:
        yield client
