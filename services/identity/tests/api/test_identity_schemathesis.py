"""Property-based run of identity's OpenAPI with schemathesis, against the ASGI app and a real PostgreSQL.

Every operation gets valid and invalid requests (as an admin, so the help-desk and admin routes run past their role
checks), and well-formed ones with hostile text in every string they send (devstack.testing.HOSTILE_STRINGS: NUL, lone
surrogates, C0/C1 and bidi controls, 100 KB, ...); none may answer 5xx, and every 4xx must be problem+json.
Bounded: a few examples per operation, no deadline, so the whole run stays short.
"""

import asyncio
import uuid

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identity_testing import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, identity_settings, signup_body
from schemathesis import GenerationMode
from schemathesis.python import asgi

from devstack.testing import HostileRequest, hostile_variant
from identity.config import Settings
from identity.main import create_app

EXAMPLES_PER_OPERATION = 25
# These end the caller's session; each example gets a throwaway learner's so the admin's session survives the run.
SESSION_ENDING = {("DELETE", "/sessions/current"), ("DELETE", "/sessions"), ("POST", "/me/password")}


async def _database(admin_dsn: str, name: str, *, drop: bool = False) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def identity_app(infra):
    name = f"t_identity_st_{uuid.uuid4().hex[:8]}"
    asyncio.run(_database(infra.admin_dsn, name))
    app = create_app(identity_settings(infra.dsn_for(name)))
    with asgi.get_client(app) as client:
        learner = signup_body()
        assert client.post("/users", json=learner).status_code == 201
        tokens = client.post("/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()
    app.state.test_admin = {"Authorization": f"Bearer {tokens['access_token']}"}
    app.state.test_learner = learner["email"]
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()
        asyncio.run(_database(infra.admin_dsn, name, drop=True))


# The operations come from the app's own OpenAPI document (no database needed to produce it), one test each.
# (schemathesis.pytest.from_fixture would do this too, but it does not run under pytest 9.)
OPENAPI = create_app(Settings(database_url="postgresql://unused@127.0.0.1/unused")).openapi()
OPERATIONS = {op.label: op for op in (r.ok() for r in schemathesis.openapi.from_dict(OPENAPI).get_all_operations())}


def _headers_for(case, app) -> dict[str, str]:
    if (case.method.upper(), case.path) not in SESSION_ENDING:
        return app.state.test_admin
    with asgi.get_client(app) as client:
        # The run's many failed sign-ins share this address; identity_settings raises its limit far above them.
        tokens = client.post("/sessions", json={"email": app.state.test_learner, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_request_makes_identity_fail_and_every_refusal_is_a_problem(label, identity_app):
    operation = OPERATIONS[label]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        # Every string a well-formed request sends replaced by NUL, a lone surrogate, controls, bidi controls or 100 KB.
        operation.as_strategy(GenerationMode.POSITIVE).flatmap(hostile_variant),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        if isinstance(case, HostileRequest):  # raw JSON: schemathesis can neither serialise nor re-check a surrogate
            response = asgi.get_client(identity_app).request(
                case.method,
                f"http://testserver{case.path}",
                params=case.query,
                data=case.body,
                headers={"content-type": "application/json", **_headers_for(case, identity_app)},
            )
            where = f"{case.method} {case.path} {case.query} {(case.body or b'')[:300]!r}"
        else:
            response = case.call(app=identity_app, headers={**(case.headers or {}), **_headers_for(case, identity_app)})
            where = f"{case.method} {case.formatted_path} {case.query or ''}"
        assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:500]}"
        if 400 <= response.status_code < 500:
            content_type = response.headers.get("content-type", "")
            if isinstance(content_type, list):  # schemathesis' own responses list each header's values
                content_type = content_type[0] if content_type else ""
            assert content_type.startswith("application/problem+json"), (
                f"{where} -> {response.status_code} as {content_type}"
            )

    check()
