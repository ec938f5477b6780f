"""The organisation's settings against a real PostgreSQL: the configuration's until an admin saves them, then the
stored ones; a change is validated, audited and published as organisation.updated in the same transaction."""

import random
from datetime import datetime

import pytest
from identity_testing import admin_headers, outbox, sign_up_and_in, staff_member

from identity import organisation
from opencme_contracts import events, parse_envelope

TOPIC, KEY = "organisation.updated", "organisation"


def organisation_body(**overrides):
    """A valid PUT body with a phone number of its own, so that every save of one is a change."""
    body = {
        "name": "Example Medical Center CME",
        "address": "9500 Euclid Avenue\nCleveland, OH 44195",
        "phone": f"+1 216 444 {random.randrange(10_000):04d}",
        "support_email": "cme-support@example.org",
        "brand_colour": "#00557f",
    }
    return {**body, **overrides}


async def stored(client):
    answer = await client.get("/organisation")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_configured_organisation_answers_until_an_admin_saves_one_then_the_saved_one_does(client):
    before = await stored(client)
    admin = await admin_headers(client)
    body = organisation_body(
        name="  Example Medical Center CME ",
        address="  9500 Euclid Avenue \r\n\r\nCleveland, OH 44195\r\n",
        brand_colour="#00557F",
    )

    saved = await client.put("/organisation", json=body, headers=admin)

    assert saved.status_code == 200, saved.text
    answer = saved.json()
    assert {k: v for k, v in answer.items() if k != "updated_at"} == {
        "name": "Example Medical Center CME",
        "address": "9500 Euclid Avenue\nCleveland, OH 44195",  # lines trimmed, blank ones dropped, LF
        "phone": body["phone"],
        "support_email": "cme-support@example.org",
        "brand_colour": "#00557f",
        "revision": before["revision"] + 1,
    }
    assert datetime.fromisoformat(answer["updated_at"]).tzinfo is not None
    assert await stored(client) == answer


async def test_a_change_is_published_as_organisation_updated_with_the_stored_values(client):
    saved = (await client.put("/organisation", json=organisation_body(), headers=await admin_headers(client))).json()

    message = (await outbox(client, TOPIC, KEY))[-1]
    envelope = parse_envelope(message)
    assert isinstance(envelope.data, events.OrganisationUpdated)
    assert (envelope.producer, envelope.subject) == ("identity", KEY)
    assert envelope.data.model_dump(exclude={"updated_at"}) == {k: v for k, v in saved.items() if k != "updated_at"}
    assert envelope.data.updated_at == datetime.fromisoformat(saved["updated_at"])


async def test_the_change_and_its_event_are_one_transaction(client, monkeypatch):
    admin = await admin_headers(client)
    before, published = await stored(client), len(await outbox(client, TOPIC, KEY))

    async def broker_of_events_down(*args, **kwargs):
        raise RuntimeError("the outbox insert failed")

    monkeypatch.setattr(organisation.outbox, "emit", broker_of_events_down)
    failed = await client.put("/organisation", json=organisation_body(name="Never Saved"), headers=admin)

    assert failed.status_code == 500
    assert await stored(client) == before
    assert len(await outbox(client, TOPIC, KEY)) == published


async def test_a_change_is_audited_with_the_admin_and_what_changed(client):
    admin = await admin_headers(client)
    me = (await client.get("/me", headers=admin)).json()
    before = await stored(client)
    body = organisation_body(name=before["name"], address=before["address"], support_email="help@example.org")

    saved = (await client.put("/organisation", json=body, headers=admin)).json()

    audit = await client.get("/audit", params={"kind": "organisation.updated", "limit": 1}, headers=admin)
    [entry] = audit.json()["items"]
    assert (entry["actor_id"], entry["detail"]["revision"]) == (me["id"], saved["revision"])
    changed = {"phone", "support_email"} | ({"brand_colour"} if before["brand_colour"] != "#00557f" else set())
    assert set(entry["detail"]["changes"]) == changed
    assert entry["detail"]["changes"]["support_email"] == {"from": before["support_email"], "to": "help@example.org"}


async def test_saving_the_stored_settings_again_changes_and_publishes_nothing(client):
    admin = await admin_headers(client)
    body = organisation_body()
    first = (await client.put("/organisation", json=body, headers=admin)).json()
    published = len(await outbox(client, TOPIC, KEY))

    again = await client.put("/organisation", json=body, headers=admin)

    assert again.status_code == 200 and again.json() == first
    assert len(await outbox(client, TOPIC, KEY)) == published


async def test_only_an_admin_changes_the_organisation(client):
    before = await stored(client)
    _, learner = await sign_up_and_in(client)
    _, support = await staff_member(client)

    assert (await client.put("/organisation", json=organisation_body())).status_code == 401
    for headers in (learner, support):
        refused = await client.put("/organisation", json=organisation_body(), headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await stored(client) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call the front desk"),
        ("phone", "+1 555\n0100"),
        ("support_email", "not an email"),
        ("support_email", "help@"),
        ("brand_colour", "blue"),
        ("brand_colour", "#12345"),
        ("brand_colour", "#12345g"),
        ("brand_colour", "1f5f8b"),
        ("name", "   "),
        ("name", "x" * 201),
        ("name", "Example\nMedical Center"),
        ("name", "\u202eretneC lacideM"),
        ("address", ""),
        ("address", "1\n2\n3\n4\n5\n6"),
        ("address", "x" * 501),
        ("address", "9500 Euclid Avenue\nCleveland\x00 OH"),
        ("address", "9500 Euclid Avenue\n\u202eCleveland"),
    ],
)
async def test_a_bad_value_is_refused_naming_the_field_and_nothing_changes(client, field, value):
    admin = await admin_headers(client)
    before = await stored(client)

    refused = await client.put("/organisation", json=organisation_body(**{field: value}), headers=admin)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in refused.json()["errors"]] == [field]
    assert await stored(client) == before


async def test_a_field_it_does_not_know_or_one_missing_is_refused(client):
    admin = await admin_headers(client)
    unknown = await client.put("/organisation", json=organisation_body(logo_url="https://x"), headers=admin)
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["logo_url"]
    body = organisation_body()
    del body["brand_colour"]
    missing = await client.put("/organisation", json=body, headers=admin)
    assert missing.status_code == 422 and [e["field"] for e in missing.json()["errors"]] == ["brand_colour"]
