"""The web portal's sessions against a real PostgreSQL: the refresh token in an HttpOnly cookie, never in a body, and
the cookie honoured only for requests from the portal's own pages (OWASP's CSRF defences)."""

import re
import uuid

import pytest
from identity_testing import PASSWORD, bearer, client_at, sign_up_and_in

PORTAL = {"X-OpenCME-Client": "portal"}
# What the browser sends on the portal's own fetches (identity_settings' PORTAL_URL is https://cme.example.org).
SAME_ORIGIN = {**PORTAL, "Sec-Fetch-Site": "same-origin", "Origin": "https://cme.example.org"}
FOURTEEN_DAYS = 14 * 24 * 3600
SET = re.compile(
    r"^opencme_refresh=([A-Za-z0-9_-]{43}); Path=/api/identity/sessions; HttpOnly; SameSite=Strict; "
    rf"Max-Age={FOURTEEN_DAYS}; Secure$"
)
CLEARED = "opencme_refresh=; Path=/api/identity/sessions; HttpOnly; SameSite=Strict; Max-Age=0; Secure"


def cookie_of(response) -> str:
    """The refresh token the answer set in the cookie, checking every attribute of it."""
    [header] = response.headers.get_list("set-cookie")
    match = SET.match(header)
    assert match, header
    return match.group(1)


def with_cookie(token: str, headers: dict[str, str] = SAME_ORIGIN) -> dict[str, str]:
    return {**headers, "Cookie": f"opencme_refresh={token}"}


async def portal_sign_in(client, email: str) -> tuple[dict, str]:
    signed_in = await client.post("/sessions", json={"email": email, "password": PASSWORD}, headers=SAME_ORIGIN)
    assert signed_in.status_code == 200, signed_in.text
    return signed_in.json(), cookie_of(signed_in)


async def security_events(client, user_id: str) -> list[str]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT kind FROM security_events WHERE user_id = $1 ORDER BY id", uuid.UUID(user_id))
    return [r["kind"] for r in rows]


async def test_a_portal_sign_in_sets_the_refresh_token_in_an_httponly_cookie_and_none_in_the_body(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        body, token = await portal_sign_in(browser, profile["email"])
    assert body["refresh_token"] is None and body["refresh_expires_in"] == FOURTEEN_DAYS
    assert (await client.get("/me", headers=bearer(body))).json()["id"] == profile["id"]
    # The cookie's token is a real refresh token: another client could exchange it in a body.
    exchanged = await client.post("/sessions/refresh", json={"refresh_token": token})
    assert exchanged.status_code == 200 and exchanged.json()["refresh_token"]


async def test_a_portal_refresh_reads_the_cookie_rotates_it_and_answers_no_body_token(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        _, first = await portal_sign_in(browser, profile["email"])
        # The portal sends no body at all, only the header and the cookie.
        refreshed = await browser.post("/sessions/refresh", headers=with_cookie(first))
        assert refreshed.status_code == 200, refreshed.text
        second = cookie_of(refreshed)
        assert second != first and refreshed.json()["refresh_token"] is None
        assert (await client.get("/me", headers=bearer(refreshed.json()))).status_code == 200
        # An empty JSON object is no body either.
        again = await browser.post("/sessions/refresh", json={}, headers=with_cookie(second))
        assert again.status_code == 200 and cookie_of(again) not in (first, second)


async def test_two_refreshes_with_the_same_cookie_end_the_whole_session(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        _, first = await portal_sign_in(browser, profile["email"])
        refreshed = await browser.post("/sessions/refresh", headers=with_cookie(first))
        newest = cookie_of(refreshed)
        replay = await browser.post("/sessions/refresh", headers=with_cookie(first))
        assert replay.status_code == 401 and replay.headers["content-type"] == "application/problem+json"
        assert replay.headers.get_list("set-cookie") == [CLEARED]
        # Whoever holds the newest cookie is signed out too: the family is gone, not just the replayed token.
        after = await browser.post("/sessions/refresh", headers=with_cookie(newest))
        assert after.status_code == 401 and after.headers.get_list("set-cookie") == [CLEARED]
        assert (await client.get("/me", headers=bearer(refreshed.json()))).status_code == 401
    assert "session.refresh_token_reused" in await security_events(client, profile["id"])


@pytest.mark.parametrize("cookie", [None, "not-a-token-of-ours", "bad\\value;", "x" * 300])
async def test_a_portal_refresh_without_a_valid_cookie_is_401_and_clears_the_cookie(client, cookie):
    async with client_at(client) as browser:
        headers = SAME_ORIGIN if cookie is None else {**SAME_ORIGIN, "Cookie": f"opencme_refresh={cookie}"}
        refused = await browser.post("/sessions/refresh", headers=headers)
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert refused.headers.get_list("set-cookie") == [CLEARED]


async def test_a_portal_revoke_ends_the_cookies_session_and_clears_it(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        body, token = await portal_sign_in(browser, profile["email"])
        revoked = await browser.post("/sessions/revoke", headers=with_cookie(token))
        assert revoked.status_code == 204 and revoked.headers.get_list("set-cookie") == [CLEARED]
        assert (await client.get("/me", headers=bearer(body))).status_code == 401
        assert (await browser.post("/sessions/refresh", headers=with_cookie(token))).status_code == 401
        # Signing out without a cookie (it expired, or was never set) answers the same.
        again = await browser.post("/sessions/revoke", headers=SAME_ORIGIN)
        assert again.status_code == 204 and again.headers.get_list("set-cookie") == [CLEARED]
    assert "signed_out" in await security_events(client, profile["id"])


async def test_signing_out_with_the_access_token_clears_the_portals_cookie(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        for path in ("/sessions/current", "/sessions"):
            body, token = await portal_sign_in(browser, profile["email"])
            signed_out = await browser.delete(path, headers={**with_cookie(token), **bearer(body)})
            assert signed_out.status_code == 204 and signed_out.headers.get_list("set-cookie") == [CLEARED]
            assert (await browser.post("/sessions/refresh", headers=with_cookie(token))).status_code == 401


async def test_a_portal_password_change_puts_the_new_sessions_refresh_token_in_the_cookie(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        body, old = await portal_sign_in(browser, profile["email"])
        changed = await browser.post(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": "a newer passphrase"},
            headers={**SAME_ORIGIN, **bearer(body)},
        )
        assert changed.status_code == 200, changed.text
        new = cookie_of(changed)
        assert changed.json()["refresh_token"] is None
        assert (await browser.post("/sessions/refresh", headers=with_cookie(old))).status_code == 401
        assert (await browser.post("/sessions/refresh", headers=with_cookie(new))).status_code == 200


async def test_the_cookie_without_the_portal_header_is_refused_as_cross_site_and_ends_nothing(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        _, token = await portal_sign_in(browser, profile["email"])
        for path in ("/sessions/refresh", "/sessions/revoke"):
            # What a cross-site form post carries: the cookie (were it not SameSite=Strict), no custom header.
            refused = await browser.post(path, headers={"Cookie": f"opencme_refresh={token}"})
            assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
            problem = refused.json()
            assert problem["title"] == "Cross-site request refused"
            assert "X-OpenCME-Client: portal" in problem["detail"]
            assert refused.headers.get_list("set-cookie") == []
        # Nothing was ended or rotated: the cookie still works from the portal.
        assert (await browser.post("/sessions/refresh", headers=with_cookie(token))).status_code == 200


@pytest.mark.parametrize(
    ("browser_says", "why"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site"),
        ({"Sec-Fetch-Site": "same-site"}, "Sec-Fetch-Site"),
        ({"Origin": "https://evil.example"}, "Origin"),
        ({"Origin": "http://cme.example.org"}, "Origin"),
        ({"Origin": "https://cme.example.org:8443"}, "Origin"),
        ({"Origin": "null"}, "Origin"),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "https://cme.example.org.evil.example"}, "Origin"),
    ],
)
async def test_a_portal_request_from_another_site_is_refused(client, browser_says, why):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        _, token = await portal_sign_in(browser, profile["email"])
        for path, body in (
            ("/sessions/refresh", None),
            ("/sessions/revoke", None),
            ("/sessions", {"email": profile["email"], "password": PASSWORD}),
        ):
            refused = await browser.post(path, json=body, headers={**with_cookie(token, PORTAL), **browser_says})
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["title"] == "Cross-site request refused" and why in refused.json()["detail"]
            assert refused.headers.get_list("set-cookie") == []
        # The session survived every refused attempt.
        assert (await browser.post("/sessions/refresh", headers=with_cookie(token))).status_code == 200


async def test_the_portal_header_without_sec_fetch_site_or_origin_is_accepted(client):
    """Older browsers send neither; the custom header alone is OWASP's defence then."""
    profile, _ = await sign_up_and_in(client)
    async with client_at(client) as browser:
        signed_in = await browser.post(
            "/sessions", json={"email": profile["email"], "password": PASSWORD}, headers=PORTAL
        )
        refreshed = await browser.post("/sessions/refresh", headers=with_cookie(cookie_of(signed_in), PORTAL))
    assert refreshed.status_code == 200 and cookie_of(refreshed)


async def test_other_clients_keep_the_refresh_token_in_bodies_and_name_the_field_when_it_is_missing(client):
    profile, _ = await sign_up_and_in(client)
    signed_in = await client.post("/sessions", json={"email": profile["email"], "password": PASSWORD})
    assert signed_in.headers.get_list("set-cookie") == [] and signed_in.json()["refresh_token"]
    for path in ("/sessions/refresh", "/sessions/revoke"):
        for missing in ({}, None):
            refused = await client.post(path, json=missing)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "refresh_token"
    # The portal's token is the cookie's: one in a body from the portal is refused, naming the field.
    in_body = await client.post(
        "/sessions/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}, headers=SAME_ORIGIN
    )
    assert in_body.status_code == 422 and in_body.json()["errors"][0]["field"] == "refresh_token"
    refreshed = await client.post("/sessions/refresh", json={"refresh_token": signed_in.json()["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.headers.get_list("set-cookie") == []
