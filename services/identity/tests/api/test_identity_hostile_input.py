"""Text a client controls, sent to every route of identity that takes some: NUL, a lone surrogate, C0 and C1 controls,
bidirectional controls and 100 KB are each a 422 problem naming the field, never a 5xx; and rules across a model's
fields name the field a form must mark, never `body`."""

import json
import uuid
from urllib.parse import quote

import pytest
from identity_testing import admin_headers, sign_up_and_in, signup_body, staff_member

HOSTILE = {
    "NUL": "\x00",
    "lone surrogate": "\ud800",
    "C0 control (BEL)": "\x07",
    "C1 control (NEL)": "\x85",
    "right-to-left override": "\u202e",
    "100 KB": "x" * 100_000,
}
# Where bidirectional controls are harmless and allowed: a password is never shown.
BIDI_ALLOWED = {"password", "current_password", "new_password"}


@pytest.fixture(scope="module")
async def callers(client):
    """A learner, a help-desk member and an admin, signed in once for the module."""
    _, learner = await sign_up_and_in(client)
    _, support = await staff_member(client)
    return {"learner": learner, "support": support, "admin": await admin_headers(client)}


def profile(**changes):
    body = {k: v for k, v in signup_body().items() if k not in ("email", "password")}
    return {**body, **changes}


# Each profile field with a value it accepts; the hostile text goes in its middle.
PROFILE_TEXT = {
    "first_name": "Jane",
    "middle_name": "Quinn",
    "last_name": "Doe",
    "suffix": "Jr.",
    "degree": "MD",
    "profession": "Physician",
    "specialty": "Cardiology",
    "organisation": "Example Clinic",
    "state": "OH",
    "npi": "1234567893",
    "phone": "+1 216 444 9990",
    "country": "US",
}


def hostile(field: str, value: str) -> str:
    valid = PROFILE_TEXT[field]
    return valid[:1] + value + valid[1:]


# (route, who calls, the field the problem must name, the body with the value in that field)
BODIES = [
    *[("POST /users", None, field, lambda v, f=field: signup_body(**{f: hostile(f, v)})) for field in PROFILE_TEXT],
    ("POST /users", None, "board_ids.ABIM", lambda v: signup_body(board_ids={"ABIM": f"12{v}34"})),
    ("POST /users", None, "board_ids", lambda v: signup_body(board_ids={f"AB{v}IM": "1234"})),
    ("POST /users", None, "email", lambda v: signup_body(email=f"jane{v}@example.org")),
    ("POST /users", None, "password", lambda v: signup_body(password=f"a long enough{v} passphrase")),
    *[
        ("PUT /me", "learner", field, lambda v, f=field: profile(**{f: hostile(f, v)}))
        for field in ("first_name", "last_name", "degree", "specialty", "organisation", "state", "npi")
    ],
    ("PUT /me", "learner", "board_ids.ABP", lambda v: profile(board_ids={"ABP": f"D{v}1"})),
    ("POST /sessions", None, "email", lambda v: {"email": f"jane{v}@example.org", "password": "whatever it is"}),
    ("POST /sessions", None, "password", lambda v: {"email": "jane@example.org", "password": f"what{v}ever"}),
    ("POST /sessions/refresh", None, "refresh_token", lambda v: {"refresh_token": f"abc{v}"}),
    ("POST /sessions/revoke", None, "refresh_token", lambda v: {"refresh_token": f"abc{v}"}),
    (
        "POST /me/password",
        "learner",
        "current_password",
        lambda v: {"current_password": f"a{v}b", "new_password": "a new long passphrase"},
    ),
    (
        "POST /me/password",
        "learner",
        "new_password",
        # Not the current password: where the new one is allowed, the change is refused and the session survives.
        lambda v: {"current_password": "not the password at all", "new_password": f"a new{v} long passphrase"},
    ),
    ("POST /password-resets", None, "email", lambda v: {"email": f"jane{v}@example.org"}),
    ("POST /password-resets/confirm", None, "token", lambda v: {"token": f"abcdefghijkl{v}", "new_password": "x"}),
    (
        "POST /password-resets/confirm",
        None,
        "new_password",
        lambda v: {"token": "abcdefghijkl", "new_password": f"a fresh{v} passphrase"},
    ),
    ("POST /me/emails", "learner", "email", lambda v: {"email": f"work{v}@example.org"}),
    (
        "POST /merges",
        "support",
        "reason",
        lambda v: {"surviving_user_id": str(uuid.uuid4()), "merged_user_id": str(uuid.uuid4()), "reason": f"du{v}p"},
    ),
]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(("route", "caller", "field", "body"), BODIES, ids=[f"{r} {f}" for r, _, f, _ in BODIES])
async def test_hostile_text_in_a_body_is_a_422_naming_the_field(client, callers, route, caller, field, body, value):
    method, path = route.split()
    headers = {"Content-Type": "application/json", **(callers[caller] if caller else {})}
    # Sent as JSON text with \\u escapes, as a browser would: a lone surrogate cannot be encoded as UTF-8 bytes.
    response = await client.request(method, path, content=json.dumps(body(value)), headers=headers)
    if value == HOSTILE["right-to-left override"] and field in BIDI_ALLOWED:
        assert response.status_code < 500, response.text
        return
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    named = [e["field"] for e in response.json()["errors"]]
    assert any(name == field or name.startswith(f"{field}.") for name in named), named


# Path and query parameters: a URL carries no lone surrogate (it is not UTF-8) and at most 64 KB (httpx's limit; a
# server's is far lower), every other kind is tried.
IN_URLS = {k: v for k, v in HOSTILE.items() if k not in ("lone surrogate", "100 KB")} | {"60 KB": "x" * 60_000}
URLS = [
    ("GET", "/users?q={}", "support", "q"),
    ("GET", "/audit?kind={}", "support", "kind"),
    ("POST", "/email-verifications/{}", None, "token"),
    ("POST", "/me/emails/{}/verification", "learner", "email"),
    ("POST", "/me/emails/{}/primary", "learner", "email"),
    ("DELETE", "/me/emails/{}", "learner", "email"),
    ("POST", "/signing-keys/{}/retire", "admin", "kid"),
]


@pytest.mark.parametrize("value", IN_URLS.values(), ids=IN_URLS.keys())
@pytest.mark.parametrize(("method", "url", "caller", "field"), URLS, ids=[f"{m} {u}" for m, u, _, _ in URLS])
async def test_hostile_text_in_a_path_or_query_is_a_422_naming_the_parameter(
    client, callers, method, url, caller, field, value
):
    response = await client.request(
        method, url.format(quote(f"ab{value}cd", safe="")), headers=callers[caller] if caller else {}
    )
    assert response.status_code == 422, response.text[:300]
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_one_character_search_is_refused_naming_q(client, callers):
    refused = await client.get("/users", params={"q": " a "}, headers=callers["support"])
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "q", "reason": "give at least 2 characters"}]


# Rules across a profile's fields (SignUp and ProfileUpdate share them): each names the field to mark.
CROSS_FIELD = [
    ({"birth_month": 4, "birth_day": None}, "birth_day", "give the birth day with the month, or neither"),
    ({"birth_month": None, "birth_day": 30}, "birth_month", "give the birth month with the day, or neither"),
    ({"birth_month": 2, "birth_day": 30}, "birth_day", "does not exist in that month"),
    ({"country": "US", "state": "Ontario"}, "state", "give the two-letter USPS code for a US address"),
]


@pytest.mark.parametrize(("changes", "field", "reason"), CROSS_FIELD, ids=[c[1] for c in CROSS_FIELD])
@pytest.mark.parametrize("route", ["POST /users", "PUT /me"])
async def test_rules_across_profile_fields_name_the_field_a_form_must_mark(
    client, callers, route, changes, field, reason
):
    method, path = route.split()
    body = signup_body(**changes) if method == "POST" else profile(**changes)
    refused = await client.request(method, path, json=body, headers=callers["learner"] if method == "PUT" else {})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": field, "reason": reason}]


async def test_names_are_stored_in_nfc_and_a_region_in_any_script(client):
    decomposed = "Jose\u0301"  # "José" typed with a combining accent
    profile_, _ = await sign_up_and_in(client, first_name=decomposed, country="FR", state="I\u0302le-de-France")
    assert profile_["first_name"] == "José" and profile_["state"] == "Île-de-France"
