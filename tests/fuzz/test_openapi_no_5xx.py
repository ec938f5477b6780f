"""Property-based runs of every service's OpenAPI (identity has its own, with real sign-ins) with schemathesis,
against each ASGI app and a real PostgreSQL: no request a client can send may answer 5xx, and every 4xx must be
problem+json. Besides schemathesis' own positive and negative cases, a third kind takes a well-formed request and puts
hostile text in every string it sends (devstack.testing.HOSTILE_STRINGS).

The caller holds every role (learner, staff, support, admin), so staff and help-desk routes run past their role checks
into validation and the database. Bounded: a few examples per operation and no deadline, so the run stays short.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python import asgi

from devstack.testing import HostileRequest, TokenMint, hostile_variant

PACKAGES = {
    "catalog": "catalog",
    "credit": "credit",
    "certificates": "certificates",
    "board-reporting": "board_reporting",
    "notifications": "notifications",
}
EXAMPLES_PER_OPERATION = 30
UNUSED_DSN = "postgresql://unused@127.0.0.1/unused"


def _service(package: str):
    return importlib.import_module(f"{package}.main"), importlib.import_module(f"{package}.config")


def _operations() -> dict[tuple[str, str], object]:
    found = {}
    for service, package in PACKAGES.items():
        main, config = _service(package)
        openapi = main.create_app(config.Settings(database_url=UNUSED_DSN)).openapi()
        for result in schemathesis.openapi.from_dict(openapi).get_all_operations():
            operation = result.ok()
            found[(service, operation.label)] = operation
    return found


# The operations come from each app's own OpenAPI document (no database needed to produce it), one test each.
OPERATIONS = _operations()


async def _database(admin_dsn: str, name: str, *, drop: bool = False) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def jwks_server():
    """The test's token mint and its JWKS served over HTTP, where the services fetch keys as they do from identity."""
    mint = TokenMint()
    body = json.dumps(mint.jwks()).encode()

    class JWKS(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JWKS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mint, f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def apps(infra, jwks_server):
    """Each service's app on a database of its own, started once for the module, trusting the test's token mint."""
    mint, jwks_url = jwks_server
    started, databases = {}, []

    def app_for(service: str):
        if service not in started:
            package = PACKAGES[service]
            name = f"t_{package}_st_{uuid.uuid4().hex[:8]}"
            asyncio.run(_database(infra.admin_dsn, name))
            databases.append(name)
            main, config = _service(package)
            app = main.create_app(config.Settings(database_url=infra.dsn_for(name), jwks_url=jwks_url))
            app.state.test_headers = mint.headers(uuid.uuid4(), roles=("learner", "staff", "support", "admin"))
            started[service] = app
        return started[service]

    try:
        yield app_for
    finally:
        asgi.shutdown_lifespans()
        for name in databases:
            asyncio.run(_database(infra.admin_dsn, name, drop=True))


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=lambda key: f"{key[0]}: {key[1]}")
def test_no_request_makes_a_service_fail_and_every_refusal_is_a_problem(key, apps):
    service, _ = key
    operation = OPERATIONS[key]
    app = apps(service)
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
        if isinstance(case, HostileRequest):
            response = asgi.get_client(app).request(
                case.method,
                f"http://testserver{case.path}",
                params=case.query,
                data=case.body,
                headers={"content-type": "application/json", **app.state.test_headers},
            )
            where = f"{service}: {case.method} {case.path} {case.query} {(case.body or b'')[:300]!r}"
        else:
            response = case.call(app=app, headers={**(case.headers or {}), **app.state.test_headers})
            where = f"{service}: {case.method} {case.formatted_path} {case.query or ''}"
        assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:500]}"
        if 400 <= response.status_code < 500:
            content_type = response.headers.get("content-type", "")
            if isinstance(content_type, list):  # schemathesis' own responses list each header's values
                content_type = content_type[0] if content_type else ""
            assert content_type.startswith("application/problem+json"), (
                f"{where} -> {response.status_code} as {content_type}"
            )

    check()
