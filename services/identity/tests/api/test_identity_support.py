"""The help desk and admins against a real PostgreSQL: search, merges, audit log, roles, and who may do what."""

import uuid

import pytest
from identity_testing import (
    PASSWORD,
    admin_headers,
    bearer,
    client_at,
    outbox,
    sign_in,
    sign_up_and_in,
    signup_body,
    staff_member,
    valid_npi,
    verification_token,
)


def surname() -> str:
    return f"Zyx{uuid.uuid4().hex[:6]}"


async def test_support_finds_learners_by_name_any_email_npi_and_board_id(client):
    _, support = await staff_member(client)
    last, npi, board_id = surname(), valid_npi(), f"D{uuid.uuid4().hex[:7]}"
    profile, headers = await sign_up_and_in(
        client, first_name="Priya", last_name=last, npi=npi, board_ids={"ABP": board_id}
    )
    work = f"p.{last.lower()}@clinic.example.org"
    await client.post("/me/emails", json={"email": work}, headers=headers)
    await client.post(f"/email-verifications/{await verification_token(client, profile['id'], work)}")
    for q in (last, f"priya {last.upper()}", work[:12], npi, board_id.lower()):
        found = await client.get("/users", params={"q": q}, headers=support)
        assert found.status_code == 200, found.text
        assert [u["id"] for u in found.json()["items"]] == [profile["id"]], q
    item = found.json()["items"][0]
    assert item["name"] == f"Priya {last}" and set(item["emails"]) == {profile["email"], work}


async def test_search_results_come_in_pages(client):
    _, support = await staff_member(client)
    last = surname()
    for first in ("Ann", "Bea", "Cy"):
        await client.post("/users", json=signup_body(first_name=first, last_name=last))
    first_page = (await client.get("/users", params={"q": last, "limit": 2}, headers=support)).json()
    assert first_page["total"] == 3 and first_page["next_offset"] == 2
    assert [u["name"].split()[0] for u in first_page["items"]] == ["Ann", "Bea"]
    second = (await client.get("/users", params={"q": last, "limit": 2, "offset": 2}, headers=support)).json()
    assert [u["name"].split()[0] for u in second["items"]] == ["Cy"] and second["next_offset"] is None


async def test_a_search_for_percent_signs_matches_them_literally(client):
    _, support = await staff_member(client)
    found = await client.get("/users", params={"q": "%%"}, headers=support)
    assert found.status_code == 200 and found.json()["items"] == []


async def test_learners_reach_no_help_desk_or_admin_route_and_no_other_profile(client):
    other, _ = await sign_up_and_in(client)
    _, learner = await sign_up_and_in(client)
    merge = {"surviving_user_id": other["id"], "merged_user_id": str(uuid.uuid4()), "reason": "duplicate"}
    for method, path, body in [
        ("GET", "/users?q=jane", None),
        ("GET", f"/users/{other['id']}", None),
        ("POST", f"/users/{other['id']}/password-resets", None),
        ("POST", "/merges", merge),
        ("POST", "/merges/preview", {k: merge[k] for k in ("surviving_user_id", "merged_user_id")}),
        ("GET", "/merges", None),
        ("GET", "/audit", None),
        ("GET", "/signing-keys", None),
        ("POST", "/signing-keys", None),
        ("POST", f"/users/{other['id']}/roles", {"role": "admin"}),
    ]:
        response = await client.request(method, path, json=body, headers=learner)
        assert response.status_code == 403, (method, path, response.text)
    assert (await client.get("/audit")).status_code == 401


async def test_support_sees_any_profile_and_sends_a_reset_link_but_grants_no_roles(client):
    _, support = await staff_member(client)
    learner, _ = await sign_up_and_in(client)
    assert (await client.get(f"/users/{learner['id']}", headers=support)).json()["email"] == learner["email"]
    sent = await client.post(f"/users/{learner['id']}/password-resets", headers=support)
    assert sent.status_code == 202
    [event] = await outbox(client, "password_reset.requested", learner["email"])
    assert event["data"]["reset_url"] and event["data"]["user_id"] == learner["id"]
    assert (
        await client.post(f"/users/{learner['id']}/roles", json={"role": "staff"}, headers=support)
    ).status_code == 403


async def test_a_merge_moves_everything_disables_the_duplicate_and_is_audited(client):
    helper, support = await staff_member(client)
    survivor, _ = await sign_up_and_in(
        client, board_ids={"ABIM": "111111"}, birth_month=None, birth_day=None, specialty="Cardiology"
    )
    duplicate_body = signup_body(
        board_ids={"ABIM": "222222", "ABP": "333333"},
        birth_month=4,
        birth_day=30,
        specialty="Internal Medicine",
        npi=None,
    )
    duplicate = (await client.post("/users", json=duplicate_body)).json()
    duplicate_session = await sign_in(client, duplicate_body["email"])
    work = f"jane.{uuid.uuid4().hex[:6]}@hospital.example.org"
    await client.post("/me/emails", json={"email": work}, headers=bearer(duplicate_session))
    await client.post(f"/email-verifications/{await verification_token(client, duplicate['id'], work)}")
    version_before = (await client.get(f"/users/{survivor['id']}", headers=support)).json()["profile_version"]
    pair = {"surviving_user_id": survivor["id"], "merged_user_id": duplicate["id"]}

    preview = await client.post("/merges/preview", json=pair, headers=support)

    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["board_id_conflicts"] == {"ABIM": {"kept": "111111", "dropped": "222222"}}
    assert shown["boards_added"] == ["ABP"] and shown["filled"] == ["birth_date"]
    assert shown["conflicts"]["specialty"] == {"kept": "Cardiology", "dropped": "Internal Medicine"}
    assert sorted((e["email"], e["verified"]) for e in shown["moving_emails"]) == sorted(
        [(duplicate["email"], False), (work, True)]
    )
    assert shown["sessions_to_end"] == 1 and shown["roles_not_carried_over"] == []
    # Nothing changed: the duplicate still signs in, the survivor's profile is as it was.
    assert (await client.get("/me", headers=bearer(duplicate_session))).status_code == 200
    assert (await client.get(f"/users/{survivor['id']}", headers=support)).json()["profile_version"] == version_before
    assert await outbox(client, "account.merged", survivor["id"]) == []

    merged = await client.post(
        "/merges",
        headers=support,
        json={
            "surviving_user_id": survivor["id"],
            "merged_user_id": duplicate["id"],
            "reason": "Same physician: registered twice, once with a work email (ticket 4711)",
        },
    )
    assert merged.status_code == 201, merged.text
    detail = merged.json()["detail"]
    assert detail["board_id_conflicts"] == {"ABIM": {"kept": "111111", "dropped": "222222"}}
    assert detail["boards_added"] == ["ABP"] and detail["filled"] == ["birth_date"]
    assert detail["conflicts"]["specialty"] == {"kept": "Cardiology", "dropped": "Internal Medicine"}

    after = (await client.get(f"/users/{survivor['id']}", headers=support)).json()
    assert after["email"] == survivor["email"]
    assert {e["email"]: (e["primary"], e["verified"]) for e in after["email_addresses"]} == {
        survivor["email"]: (True, False),
        duplicate["email"]: (False, False),
        work: (False, True),
    }
    assert after["board_ids"] == {"ABIM": "111111", "ABP": "333333"}
    assert (after["birth_month"], after["birth_day"]) == (4, 30) and after["profile_version"] > version_before

    gone = (await client.get(f"/users/{duplicate['id']}", headers=support)).json()
    assert gone["status"] == "merged" and gone["merged_into"] == survivor["id"] and gone["emails"] == []
    assert (await client.get("/me", headers=bearer(duplicate_session))).status_code == 401
    assert (
        await client.post("/sessions/refresh", json={"refresh_token": duplicate_session["refresh_token"]})
    ).status_code == 401
    # The moved verified address now signs in to the surviving account, with its password.
    assert (await client.post("/sessions", json={"email": work, "password": PASSWORD})).status_code == 200

    [event] = await outbox(client, "account.merged", survivor["id"])
    assert event["data"]["merged_user_id"] == duplicate["id"] and "4711" in event["data"]["reason"]
    latest = (await outbox(client, "profile.updated", survivor["id"]))[-1]["data"]
    assert latest["version"] == after["profile_version"] and latest["profile"]["verified_emails"] == [work]
    assert latest["profile"]["board_ids"] == {"ABIM": "111111", "ABP": "333333"}

    audit = (await client.get("/audit", params={"user_id": survivor["id"]}, headers=support)).json()["items"]
    [record] = [e for e in audit if e["kind"] == "account.merged"]
    assert record["actor_id"] == helper["id"] and "4711" in record["detail"]["reason"] and record["at"]
    assert {"email.verified", "user.registered"} <= {e["kind"] for e in audit if e["user_id"] == duplicate["id"]}
    listed = (await client.get("/merges", params={"user_id": duplicate["id"]}, headers=support)).json()
    assert listed == [merged.json()]
    names = {k: merged.json()[k] for k in ("surviving_name", "merged_name", "actor_name")}
    assert names == {
        "surviving_name": f"{after['first_name']} {after['last_name']}",
        "merged_name": f"{gone['first_name']} {gone['last_name']}",
        "actor_name": f"{helper['first_name']} {helper['last_name']}",
    }


@pytest.mark.parametrize("case", ["itself", "already merged", "own account"])
async def test_merges_that_make_no_sense_are_refused(client, case):
    helper, support = await staff_member(client)
    a, _ = await sign_up_and_in(client)
    b, _ = await sign_up_and_in(client)
    body = {"surviving_user_id": a["id"], "merged_user_id": b["id"], "reason": "duplicate account"}
    if case == "itself":
        body["merged_user_id"] = a["id"]
    elif case == "already merged":
        assert (await client.post("/merges", json=body, headers=support)).status_code == 201
    else:
        body["merged_user_id"] = helper["id"]
    refused = await client.post("/merges", json=body, headers=support)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    pair = {k: body[k] for k in ("surviving_user_id", "merged_user_id")}
    previewed = await client.post("/merges/preview", json=pair, headers=support)
    assert previewed.status_code == 409 and previewed.json()["detail"] == refused.json()["detail"]


async def test_role_changes_are_audited_and_the_last_admin_stays(client):
    admin = await admin_headers(client)
    me = (await client.get("/me", headers=admin)).json()
    last = await client.delete(f"/users/{me['id']}/roles/admin", headers=admin)
    assert last.status_code == 409
    learner, _ = await sign_up_and_in(client)
    await client.post(f"/users/{learner['id']}/roles", json={"role": "support"}, headers=admin)
    removed = await client.delete(f"/users/{learner['id']}/roles/support", headers=admin)
    assert removed.json()["roles"] == ["learner"]
    events = (await client.get("/audit", params={"user_id": learner["id"]}, headers=admin)).json()["items"]
    assert [(e["kind"], e["actor_id"], e["detail"]["role"]) for e in events if e["kind"].startswith("role.")] == [
        ("role.removed", me["id"], "support"),
        ("role.granted", me["id"], "support"),
    ]
    # Named for the log's reader: the account and who changed it, as they are called now.
    granted = next(e for e in events if e["kind"] == "role.granted")
    assert (granted["user_name"], granted["user_email"]) == (
        f"{learner['first_name']} {learner['last_name']}",
        learner["email"],
    )
    assert granted["actor_name"] == f"{me['first_name']} {me['last_name']}"


async def test_refused_role_changes_name_the_field_and_the_reason(client):
    admin = await admin_headers(client)
    me = (await client.get("/me", headers=admin)).json()
    learner = await client.delete(f"/users/{me['id']}/roles/learner", headers=admin)
    assert learner.status_code == 422 and learner.json()["detail"] == "every account keeps the learner role"
    assert learner.json()["errors"] == [{"field": "role", "reason": "learner cannot be removed"}]
    last = await client.delete(f"/users/{me['id']}/roles/admin", headers=admin)
    reason = "this is the last admin: grant admin to someone else first"
    assert (last.status_code, last.json()["title"], last.json()["detail"]) == (409, "Conflict", reason)
    assert last.json()["errors"] == [{"field": "role", "reason": reason}]


async def test_a_removed_role_stops_working_in_identity_at_once(client):
    admin = await admin_headers(client)
    member, support = await staff_member(client)
    await client.delete(f"/users/{member['id']}/roles/support", headers=admin)
    assert (await client.get("/audit", headers=support)).status_code == 403


async def test_the_audit_log_records_sign_ins_and_pages_backwards(client):
    profile, _ = await sign_up_and_in(client)
    async with client_at(client, "192.0.2.7") as elsewhere:
        # What the client claims about its address is not believed: the audit log has the connection's.
        await elsewhere.post(
            "/sessions",
            json={"email": profile["email"], "password": "wrong passphrase!"},
            headers={"X-Real-IP": "203.0.113.1", "X-Forwarded-For": "203.0.113.1"},
        )
    _, support = await staff_member(client)
    page = (await client.get("/audit", params={"user_id": profile["id"], "limit": 2}, headers=support)).json()
    assert [e["kind"] for e in page["items"]] == ["sign_in.failed", "sign_in.succeeded"]
    assert page["items"][0]["client_ip"] == "192.0.2.7" and page["items"][0]["detail"]["reason"] == "bad_password"
    older = (
        await client.get(
            "/audit", params={"user_id": profile["id"], "before_id": page["next_before_id"]}, headers=support
        )
    ).json()
    assert [e["kind"] for e in older["items"]] == ["user.registered"] and older["next_before_id"] is None
