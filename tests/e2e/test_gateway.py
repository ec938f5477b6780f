"""The gateway as a browser and an API client meet it: the portal at every page path, real 404s under /api/ and
/assets/, the security headers on every answer, and one request's failure never spilling onto the next."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from e2e_helpers import sign_in

from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e

STRICT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"


def assert_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"].startswith(STRICT_POLICY), response.url
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-correlation-id"]


async def test_every_page_path_is_the_portal_and_every_answer_carries_the_security_headers(stack):
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client:
        for path in ("/", "/catalog", "/verify/ABCD-2345", "/reset-password?token=x"):
            page = await client.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
            assert page.headers["cache-control"] == "no-cache"  # a new deploy is seen at once
            assert '<div id="root"' in page.text and "<script>" not in page.text  # no inline script (CSP)
            assert_security_headers(page)
        asset = re.search(r'src="(/assets/[^"]+\.js)"', page.text)
        assert asset, "the portal's index.html loads its hashed script from /assets/"
        script = await client.get(asset.group(1))
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert_security_headers(script)

        for path in ("/api/catalog/activities", "/healthz"):
            answer = await client.get(path)
            assert answer.status_code == 200, path
            assert_security_headers(answer)


async def test_api_and_asset_paths_that_do_not_exist_are_real_404s_not_the_portal(stack):
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client:
        for path in ("/api/no-such-service/x", "/api/", "/api/catalog/no-such-route"):
            missing = await client.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["content-type"].startswith("application/problem+json"), path
            assert missing.json()["status"] == 404
            assert_security_headers(missing)
        asset = await client.get("/assets/no-such-file.js")
        assert asset.status_code == 404 and '<div id="root"' not in asset.text
        assert_security_headers(asset)


async def test_a_request_after_an_internal_error_succeeds_on_the_gateways_pooled_connection(stack, databases):
    """A 500 once closed the service's keep-alive connection; nginx handed the next request (another user's POST,
    never retried) the closed connection and answered 502. The error here is real: the catalog's table is renamed
    under it for a moment."""
    activity = {
        "title": "Keep-alive after a failure",
        "format": "live_course",
        "starts_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "ends_at": (datetime.now(UTC) + timedelta(days=30, hours=2)).isoformat(),
        "location": "Room 1",
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "2"}],
    }
    catalog_db = await asyncpg.connect(databases["catalog"])
    try:
        async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client:
            admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
            for _ in range(3):
                await catalog_db.execute("ALTER TABLE activities RENAME TO activities_away")
                try:
                    failed = await client.get("/api/catalog/activities")
                finally:
                    await catalog_db.execute("ALTER TABLE activities_away RENAME TO activities")
                assert failed.status_code == 500
                assert failed.headers["content-type"].startswith("application/problem+json")
                assert "activities_away" not in failed.text  # nothing internal leaks
                created = await client.post("/api/catalog/activities", json=activity, headers=admin)
                assert created.status_code == 201, created.text
    finally:
        await catalog_db.close()


def client_from(stack, address: str) -> httpx.AsyncClient:
    """A client whose connections to the gateway come from `address` (any of 127.0.0.0/8 is this machine)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=stack.config.gateway_url, transport=transport, timeout=30)


async def test_two_clients_get_their_own_throttle_buckets_and_audit_entries_and_a_claimed_address_changes_nothing(
    stack,
):
    """The gateway passes the connection's address on and overwrites what a client claims; identity believes it
    only from the gateway. Reset requests are throttled per address (20 per 15 minutes)."""
    run = uuid.uuid4().hex[:8]
    limit = 20

    async def ask_reset(client: httpx.AsyncClient, n: int, **headers: str) -> httpx.Response:
        return await client.post(
            "/api/identity/password-resets", json={"email": f"nobody.{run}.{n}@example.org"}, headers=headers
        )

    async with (
        client_from(stack, "127.0.0.2") as first,
        client_from(stack, "127.0.0.3") as second,
        client_from(stack, "127.0.0.4") as pretender,
    ):
        answers = [(await ask_reset(first, n)).status_code for n in range(limit + 1)]
        assert answers == [202] * limit + [429]  # one bucket, filled by its own address
        assert (await ask_reset(second, 100)).status_code == 202  # another address, another bucket
        claimed = {"X-Real-IP": "127.0.0.2", "X-Forwarded-For": "127.0.0.2"}
        assert (await ask_reset(pretender, 101, **claimed)).status_code == 202  # claiming the full one's address
        claimed = {"X-Real-IP": "127.0.0.9", "X-Forwarded-For": "127.0.0.9"}
        assert (await ask_reset(pretender, 102, **claimed)).status_code == 202

        admin = await sign_in(first, ADMIN_EMAIL, ADMIN_PASSWORD)
        page = await first.get(
            "/api/identity/audit", params={"kind": "password_reset.requested", "limit": 200}, headers=admin
        )
    assert page.status_code == 200, page.text
    addresses = {e["email"]: e["client_ip"] for e in page.json()["items"] if run in (e["email"] or "")}
    assert addresses[f"nobody.{run}.0@example.org"] == "127.0.0.2"
    assert addresses[f"nobody.{run}.100@example.org"] == "127.0.0.3"
    assert addresses[f"nobody.{run}.101@example.org"] == "127.0.0.4"
    assert addresses[f"nobody.{run}.102@example.org"] == "127.0.0.4"
