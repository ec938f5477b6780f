"""A browser's session, without I/O: which requests may use the session cookie (OWASP's CSRF defences), the cookie
as it is written, and the organisation's contact from configuration."""

import pytest
from fastapi import Response

from identity import domain, organisation, schemas
from identity.browser import Browser
from identity.config import Settings
from identity.domain import CrossSiteRefused
from opencme_kit import errors

PORTAL_ORIGIN = "https://cme.example.org"


def settings(**values) -> Settings:
    return Settings(database_url="postgresql://unused@127.0.0.1/unused", **values)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://cme.example.org", "https://cme.example.org"),
        ("https://CME.example.org/", "https://cme.example.org"),
        ("https://cme.example.org:443/portal/", "https://cme.example.org"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
        ("null", None),
        ("https://cme.example.org:99999", None),
        ("", None),
    ],
)
def test_an_origin_is_scheme_host_and_a_port_other_than_the_default(url, origin):
    assert domain.origin_of(url) == origin


def test_a_portal_request_that_looks_same_origin_or_says_nothing_is_allowed():
    for sec_fetch_site, origin in [
        ("same-origin", PORTAL_ORIGIN),
        (None, None),
        ("same-origin", None),
        (None, PORTAL_ORIGIN),
        ("Same-Origin", "https://CME.example.org"),
    ]:
        domain.check_portal_request(sec_fetch_site=sec_fetch_site, origin=origin, portal_origin=PORTAL_ORIGIN)


@pytest.mark.parametrize("sec_fetch_site", ["cross-site", "same-site", "none", ""])
def test_a_portal_request_from_another_site_is_refused_saying_why(sec_fetch_site):
    with pytest.raises(CrossSiteRefused) as refused:
        domain.check_portal_request(sec_fetch_site=sec_fetch_site, origin=None, portal_origin=PORTAL_ORIGIN)
    assert isinstance(refused.value, errors.Forbidden) and "Sec-Fetch-Site" in str(refused.value)


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://cme.example.org", "https://cme.example.org.evil.example", "null"]
)
def test_a_portal_request_from_another_origin_is_refused_saying_why(origin):
    with pytest.raises(CrossSiteRefused) as refused:
        domain.check_portal_request(sec_fetch_site="same-origin", origin=origin, portal_origin=PORTAL_ORIGIN)
    assert "Origin" in str(refused.value) and PORTAL_ORIGIN in str(refused.value)


def test_the_cookie_is_honoured_only_with_the_portal_header():
    domain.check_cookie_use(client="portal")
    for client in (None, "cli", "Portal"):
        with pytest.raises(CrossSiteRefused, match="X-OpenCME-Client: portal"):
            domain.check_cookie_use(client=client)


def tokens(refresh_token: str | None = "t0k3n", refresh_expires_in: int = 3600) -> schemas.SessionTokens:
    return schemas.SessionTokens(
        access_token="a.b.c", expires_in=900, refresh_token=refresh_token, refresh_expires_in=refresh_expires_in
    )


def test_the_portal_gets_its_refresh_token_in_a_cookie_with_exactly_the_agreed_attributes():
    response = Response()
    answered = Browser(client="portal", cookie=None, settings=settings()).hand_over(tokens(), response)
    assert answered.refresh_token is None and answered.access_token == "a.b.c"
    assert response.headers.getlist("set-cookie") == [
        "opencme_refresh=t0k3n; Path=/api/identity/sessions; HttpOnly; SameSite=Strict; Max-Age=3600; Secure"
    ]


def test_the_cookie_path_and_secure_flag_come_from_the_settings():
    browser = Browser(
        client="portal", cookie=None, settings=settings(session_cookie_path="/sessions", session_cookie_secure=False)
    )
    given, cleared = Response(), Response()
    browser.hand_over(tokens(), given)
    browser.forget(cleared)
    assert given.headers.getlist("set-cookie") == [
        "opencme_refresh=t0k3n; Path=/sessions; HttpOnly; SameSite=Strict; Max-Age=3600"
    ]
    assert cleared.headers.getlist("set-cookie") == [
        "opencme_refresh=; Path=/sessions; HttpOnly; SameSite=Strict; Max-Age=0"
    ]


def test_other_clients_get_the_refresh_token_in_the_body_and_no_cookie():
    response = Response()
    browser = Browser(client=None, cookie=None, settings=settings())
    assert browser.hand_over(tokens(), response).refresh_token == "t0k3n"
    browser.forget(response)
    assert response.headers.getlist("set-cookie") == []


def test_where_the_refresh_token_is_taken_from():
    body = schemas.RefreshRequest(refresh_token="from-the-body")
    assert Browser(client=None, cookie="c", settings=settings()).refresh_token(body) == "from-the-body"
    assert Browser(client="portal", cookie="c00kie", settings=settings()).refresh_token(None) == "c00kie"
    # A cookie that is no token of ours is never looked up: it is answered like an unknown token.
    assert Browser(client="portal", cookie="bad\\value", settings=settings()).refresh_token(None) == ""
    assert Browser(client="portal", cookie=None, settings=settings()).token_to_revoke(None) is None
    with pytest.raises(errors.Invalid, match="refresh_token"):
        Browser(client="portal", cookie="c00kie", settings=settings()).refresh_token(body)
    with pytest.raises(CrossSiteRefused):
        Browser(client=None, cookie="c00kie", settings=settings()).refresh_token(None)
    with pytest.raises(errors.Invalid, match="refresh_token"):
        Browser(client=None, cookie=None, settings=settings()).token_to_revoke(None)


def test_until_an_admin_saves_them_the_organisation_comes_from_the_variables_notifications_reads(monkeypatch):
    for variable in ("ORG_NAME", "ORG_ADDRESS", "ORG_PHONE", "ORG_SUPPORT_EMAIL", "ORG_BRAND_COLOUR"):
        monkeypatch.delenv(variable, raising=False)
    assert organisation.configured(settings()) == schemas.Organisation(
        name="OpenCME Demo Health System",
        address="1 Main Street\nSpringfield, MA 01101",
        phone="+1 555 010 0100",
        support_email="cme-support@example.org",
        brand_colour="#1f5f8b",
        revision=0,
        updated_at=None,
    )
    monkeypatch.setenv("ORG_NAME", "Example Medical Center")
    monkeypatch.setenv("ORG_ADDRESS", "9500 Euclid Ave\nCleveland, OH 44195")
    monkeypatch.setenv("ORG_PHONE", "+1 216 444 2200")
    monkeypatch.setenv("ORG_SUPPORT_EMAIL", "cme@example.org")
    monkeypatch.setenv("ORG_BRAND_COLOUR", "#00557F")
    assert organisation.configured(settings()).model_dump() == {
        "name": "Example Medical Center",
        "address": "9500 Euclid Ave\nCleveland, OH 44195",
        "phone": "+1 216 444 2200",
        "support_email": "cme@example.org",
        "brand_colour": "#00557f",
        "revision": 0,
        "updated_at": None,
    }
    monkeypatch.setenv("ORG_BRAND_COLOUR", "blue")
    with pytest.raises(ValueError, match="org_brand_colour"):
        settings()
