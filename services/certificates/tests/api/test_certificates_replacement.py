"""A name change that took effect before a claim but arrived after its certificate: a replacement certificate, the
issued one untouched and marked superseded (BRIEF rule 9). Real PostgreSQL, events through the real inbox handlers."""

import uuid
from datetime import UTC, datetime, timedelta

from certificates_testing import MINT, claimed, issued_events, profile, registered, renamed, revoked

from opencme_contracts import events, new_envelope

NOW = datetime.now(UTC)


async def deliver(service, *envelopes):
    for envelope in envelopes:
        await service.consumer.deliver(envelope)


async def mine(service, learner):
    response = await service.get("/certificates/mine", headers=MINT.headers(learner))
    assert response.status_code == 200
    return response.json()


async def pdf(service, learner, certificate_id):
    response = await service.get(f"/certificates/{certificate_id}/pdf", headers=MINT.headers(learner))
    assert response.status_code == 200
    return response.content


async def verify(service, certificate):
    response = await service.get(f"/verify/{certificate['verification_code']}")
    assert response.status_code == 200
    return response.json()


async def issued_once(service, last_name="Doe"):
    """A learner registered a month ago with `last_name`, and their certificate for a claim made two days ago."""
    learner = uuid.uuid4()
    claim = claimed(learner, NOW - timedelta(days=2))
    await deliver(service, registered(learner, NOW - timedelta(days=30), last_name), claim)
    [certificate] = await mine(service, learner)
    return learner, claim, certificate


def degree_changed(learner, version, at, degree):
    changed = profile().model_copy(update={"degree": degree})
    return new_envelope(
        events.ProfileUpdated(user_id=learner, profile=changed, version=version, effective_at=at),
        producer="identity",
        subject=learner,
    )


async def test_a_late_name_change_made_before_the_claim_replaces_the_certificate_and_the_old_one_stays_as_issued(
    service,
):
    learner, claim, old = await issued_once(service)
    old_pdf = await pdf(service, learner, old["id"])

    # identity's relay was slower than credit's: the rename took effect before the claim but arrives after it.
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=5), "Smith"))

    [new] = await mine(service, learner)
    assert new["learner_name"] == "Jane Smith" and new["claim_id"] == old["claim_id"]
    assert new["id"] != old["id"] and new["number"] != old["number"]
    assert new["verification_code"] != old["verification_code"]
    assert new["replaces_certificate_id"] == old["id"] and new["superseded"] is False
    assert b"%PDF" in await pdf(service, learner, new["id"])

    kept = (await service.get(f"/certificates/{old['id']}", headers=MINT.headers(learner))).json()
    assert kept["superseded"] is True and kept["superseded_by"] == new["id"] and kept["learner_name"] == "Jane Doe"
    assert await pdf(service, learner, old["id"]) == old_pdf  # byte for byte as issued

    old_check, new_check = await verify(service, old), await verify(service, new)
    assert old_check["valid"] is False and old_check["status"] == "superseded" and old_check["revoked"] is False
    assert old_check["superseded_by_number"] == new["number"] and old_check["learner_name"] == "Jane Doe"
    assert new_check["valid"] is True and new_check["status"] == "valid"
    assert new_check["replaces_certificate_number"] == old["number"] and new_check["superseded_by_number"] is None

    announced = await issued_events(service.app.state.pool, claim)
    assert [e["data"]["certificate_id"] for e in announced] == [old["id"], new["id"]]
    assert announced[1]["key"] == str(learner) and announced[1]["data"]["certificate_number"] == new["number"]


async def test_a_redelivered_profile_version_issues_nothing_new(service):
    learner, claim, _ = await issued_once(service)
    rename = renamed(learner, 2, NOW - timedelta(days=5), "Smith")
    await deliver(service, rename)
    [replacement] = await mine(service, learner)

    # The same envelope again, and the same version published again under a new event id.
    await deliver(service, rename, renamed(learner, 2, NOW - timedelta(days=5), "Smith"))

    assert await mine(service, learner) == [replacement]
    assert len(await issued_events(service.app.state.pool, claim)) == 2


async def test_a_name_change_effective_after_the_claim_never_touches_its_certificate(service):
    learner, claim, certificate = await issued_once(service)
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=1), "Smith"))
    assert await mine(service, learner) == [certificate]
    assert len(await issued_events(service.app.state.pool, claim)) == 1


async def test_a_version_that_changes_nothing_printed_issues_nothing(service):
    learner, claim, certificate = await issued_once(service)
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=5), "Doe"))  # e.g. only the email changed
    assert await mine(service, learner) == [certificate]
    assert len(await issued_events(service.app.state.pool, claim)) == 1


async def test_a_late_degree_change_is_printed_too(service):
    learner, _, old = await issued_once(service)
    await deliver(service, degree_changed(learner, 2, NOW - timedelta(days=5), "DO"))
    [new] = await mine(service, learner)
    assert new["replaces_certificate_id"] == old["id"] and new["learner_name"] == "Jane Doe"


async def test_a_newer_version_restoring_the_name_replaces_again_only_when_the_printed_name_differs(service):
    learner, claim, first = await issued_once(service)
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=6), "Smith"))
    [second] = await mine(service, learner)

    await deliver(service, renamed(learner, 3, NOW - timedelta(days=4), "Doe"))  # the rename was undone
    [third] = await mine(service, learner)
    assert third["learner_name"] == "Jane Doe" and third["replaces_certificate_id"] == second["id"]
    # The first certificate's page points at the claim's current certificate.
    assert (await verify(service, first))["superseded_by_number"] == third["number"]

    # A still newer version printing the same name as the current certificate: nothing new.
    await deliver(service, renamed(learner, 4, NOW - timedelta(days=3), "Doe"))
    assert await mine(service, learner) == [third]
    assert len(await issued_events(service.app.state.pool, claim)) == 3


async def test_a_revocation_after_a_replacement_revokes_the_replacement(service):
    learner, claim, old = await issued_once(service)
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=5), "Smith"))
    [new] = await mine(service, learner)

    await deliver(service, revoked(claim))

    [listed] = await mine(service, learner)
    assert listed["id"] == new["id"] and listed["revoked"] is True
    check = await verify(service, new)
    assert check["valid"] is False and check["status"] == "revoked" and check["revoked"] is True
    assert (await verify(service, old))["valid"] is False
    # A revoked certificate is not replaced by a later name change either.
    await deliver(service, renamed(learner, 3, NOW - timedelta(days=4), "Jones"))
    assert [c["id"] for c in await mine(service, learner)] == [new["id"]]


async def test_transcript_and_bundle_leave_out_the_superseded_certificate_and_strangers_cannot_see_it(service):
    learner, _, old = await issued_once(service)
    await deliver(service, renamed(learner, 2, NOW - timedelta(days=5), "Smith"))
    [new] = await mine(service, learner)
    headers = MINT.headers(learner)

    transcript = (await service.get("/transcript", headers=headers)).json()
    assert [r["certificate_id"] for r in transcript["rows"]] == [new["id"]]

    refused = await service.post("/certificates/bundle", json={"ids": [new["id"], old["id"]]}, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "ids.1" and refused.json()["superseded_by"] == new["id"]
    bundle = await service.post("/certificates/bundle", json={"ids": [new["id"]]}, headers=headers)
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/pdf"

    stranger = MINT.headers(uuid.uuid4())
    assert (await service.get(f"/certificates/{old['id']}", headers=stranger)).status_code == 404
    assert (await service.get(f"/certificates/{old['id']}/pdf", headers=stranger)).status_code == 404
