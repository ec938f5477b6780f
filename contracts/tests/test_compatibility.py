"""The committed snapshots hold, and the checker catches the changes that would break a consumer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel, create_model

from opencme_contracts import events
from opencme_contracts.envelope import EventPayload, registered_events
from opencme_contracts.snapshots import (
    SCHEMAS_DIR,
    check_compatible,
    check_snapshots,
    schema_for,
    snapshot_file,
    write_snapshots,
)

EVENTS = sorted(registered_events().items())
EVENT_IDS = [f"{event_type}.v{version}" for (event_type, version), _ in EVENTS]


def committed(event_type: str, version: int = 1) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / snapshot_file(event_type, version)).read_text(encoding="utf-8"))


def edited(schema: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(schema)


def variant(model: type[BaseModel], *, drop: str | None = None, **fields: Any) -> type[BaseModel]:
    """A copy of a real model under the same name and config, without `drop` and with `fields` replaced or added."""
    kept = {name: (info.annotation, info) for name, info in model.model_fields.items() if name != drop}
    return create_model(model.__name__, __config__=model.model_config, **{**kept, **fields})


def mentions(problems: list[str], *fragments: str) -> bool:
    return any(all(fragment in problem for fragment in fragments) for problem in problems)


# --- the committed contract -----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "model"), EVENTS, ids=EVENT_IDS)
def test_current_model_is_compatible_with_its_committed_snapshot(key: tuple[str, int], model: type) -> None:
    path = SCHEMAS_DIR / snapshot_file(*key)
    assert path.exists(), f"no snapshot for {key}: run `python -m opencme_contracts.snapshots --write` and commit it"
    problems = check_compatible(json.loads(path.read_text(encoding="utf-8")), schema_for(model))
    assert problems == [], (
        f"{key[0]} v{key[1]} breaks its committed snapshot; within a version only add optional fields, "
        "otherwise register a new event version:\n" + "\n".join(problems)
    )


def test_committed_snapshots_are_up_to_date_and_none_is_orphaned() -> None:
    breaking, outdated = check_snapshots()
    assert [p for p in breaking if "no model is registered" in p] == []
    assert outdated == [], "compatible changes not recorded: run `python -m opencme_contracts.snapshots --write`"


def test_check_reports_a_registered_event_without_snapshot(tmp_path) -> None:
    breaking, _ = check_snapshots(tmp_path)
    assert len(breaking) == len(EVENTS)
    assert mentions(breaking, "email.verified v1", "no committed snapshot")


def test_check_reports_an_unrecorded_optional_field_as_outdated_not_breaking(tmp_path) -> None:
    write_snapshots(tmp_path)
    path = tmp_path / snapshot_file("user.registered", 1)
    older = edited(committed("user.registered"))
    del older["$defs"]["UserRegistered"]["properties"]["verify_email_url"]  # as before the field was added
    path.write_text(json.dumps(older), encoding="utf-8")

    assert check_snapshots(tmp_path) == ([], [path.name])


def test_check_reports_a_snapshot_whose_event_is_no_longer_registered(tmp_path) -> None:
    write_snapshots(tmp_path)
    (tmp_path / "credit.adjusted.v1.json").write_text("{}", encoding="utf-8")

    breaking, _ = check_snapshots(tmp_path)

    assert mentions(breaking, "credit.adjusted v1", "no model is registered")


def test_write_refuses_to_overwrite_a_snapshot_with_a_breaking_change(tmp_path) -> None:
    write_snapshots(tmp_path)
    path = tmp_path / snapshot_file("email.verified", 1)
    widened = edited(committed("email.verified"))
    widened["$defs"]["EmailVerified"]["properties"]["email_hash"] = {"type": "string"}
    # As if email_hash had been released and then dropped from the model.
    path.write_text(json.dumps(widened), encoding="utf-8")

    written, refused = write_snapshots(tmp_path)

    assert written == []
    assert mentions(refused, "email.verified v1", "data.email_hash", "property removed")
    assert json.loads(path.read_text(encoding="utf-8")) == widened
    written, _ = write_snapshots(tmp_path, force=True)
    assert written == [path.name]


# --- hand-made changes to a real snapshot ---------------------------------------------------------


def test_identical_schemas_have_no_breaking_change() -> None:
    schema = committed("credit.claimed")
    assert check_compatible(schema, edited(schema)) == []


def test_removing_a_field_is_reported_by_name() -> None:
    old = committed("email.verified")
    new = edited(old)
    payload = new["$defs"]["EmailVerified"]
    del payload["properties"]["email"]
    payload["required"].remove("email")

    assert check_compatible(old, new) == ["data.email: property removed (EmailVerified.email)"]


def test_removing_an_envelope_field_is_reported() -> None:
    old = committed("email.verified")
    new = edited(old)
    del new["properties"]["correlation_id"]

    assert check_compatible(old, new) == ["correlation_id: property removed"]


def test_removing_a_field_of_a_shared_definition_is_reported_where_it_is_used() -> None:
    old = committed("user.registered")
    new = edited(old)
    profile = new["$defs"]["LearnerProfile"]
    del profile["properties"]["first_name"]
    profile["required"].remove("first_name")

    assert check_compatible(old, new) == ["data.profile.first_name: property removed (LearnerProfile.first_name)"]


def test_changing_a_type_is_reported() -> None:
    old = committed("email.verified")
    new = edited(old)
    new["$defs"]["EmailVerified"]["properties"]["email"] = {"type": "integer", "title": "Email"}

    assert check_compatible(old, new) == ["data.email: type changed from string to integer"]


def test_making_a_required_field_nullable_is_reported() -> None:
    old = committed("email.verified")
    new = edited(old)
    new["$defs"]["EmailVerified"]["properties"]["email"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

    assert mentions(check_compatible(old, new), "data.email", "type changed from string to null | string")


def test_adding_a_required_field_is_reported() -> None:
    old = committed("email.verified")
    new = edited(old)
    payload = new["$defs"]["EmailVerified"]
    payload["properties"]["locale"] = {"type": "string", "title": "Locale"}
    payload["required"].append("locale")

    assert check_compatible(old, new) == ["data.locale: new required property (EmailVerified.locale)"]


def test_making_an_optional_field_required_is_reported() -> None:
    old = committed("user.registered")
    new = edited(old)
    new["$defs"]["UserRegistered"]["required"].append("verify_email_url")

    assert check_compatible(old, new) == [
        "data.verify_email_url: optional property became required (UserRegistered.verify_email_url)"
    ]


def test_making_a_required_field_optional_is_reported() -> None:
    old = committed("user.registered")
    new = edited(old)
    new["$defs"]["UserRegistered"]["required"].remove("registered_at")

    assert mentions(check_compatible(old, new), "data.registered_at", "required property became optional")


def test_adding_an_optional_field_is_not_reported() -> None:
    old = committed("email.verified")
    new = edited(old)
    new["$defs"]["EmailVerified"]["properties"]["locale"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }

    assert check_compatible(old, new) == []


def test_narrowing_or_widening_a_literal_is_reported() -> None:
    old = committed("activity.published")
    narrowed, widened = edited(old), edited(old)
    narrowed["$defs"]["ActivitySummary"]["properties"]["format"]["enum"].remove("webcast")
    widened["$defs"]["ActivitySummary"]["properties"]["format"]["enum"].append("podcast")

    assert mentions(check_compatible(old, narrowed), "data.activity.format", "values removed", "'webcast'")
    assert mentions(check_compatible(old, widened), "data.activity.format", "values added", "'podcast'")


def test_changing_a_const_is_reported() -> None:
    old = {"type": "object", "properties": {"kind": {"const": "a", "type": "string"}}, "required": ["kind"]}
    new = edited(old)
    new["properties"]["kind"]["const"] = "b"

    problems = check_compatible(old, new)
    assert mentions(problems, "kind", "values removed", "'a'")
    assert mentions(problems, "kind", "values added", "'b'")


def test_changing_a_date_to_a_datetime_is_reported() -> None:
    old = committed("attendance.recorded")
    new = edited(old)
    new["$defs"]["AttendanceRecorded"]["properties"]["attended_on"]["format"] = "date-time"

    assert check_compatible(old, new) == ["data.attended_on: format changed from date to date-time"]


def test_a_decimal_that_no_longer_accepts_strings_is_reported() -> None:
    old = committed("activity.published")
    new = edited(old)
    new["$defs"]["CreditDesignation"]["properties"]["max_credits"] = {"type": "number", "exclusiveMinimum": 0.0}

    assert check_compatible(old, new) == [
        "data.credit_designations[].max_credits: type changed from number | string to number"
    ]


def test_removing_a_field_of_a_tuple_item_is_reported() -> None:
    old = committed("credit.claimed")
    new = edited(old)
    credit = new["$defs"]["ClaimedCredit"]
    del credit["properties"]["amount"]
    credit["required"].remove("amount")

    assert check_compatible(old, new) == ["data.credits[].amount: property removed (ClaimedCredit.amount)"]


def test_changing_the_item_type_of_a_tuple_is_reported() -> None:
    old = committed("credit.claimed")
    new = edited(old)
    new["$defs"]["CreditClaimed"]["properties"]["moc_boards"]["items"] = {"type": "integer"}

    assert check_compatible(old, new) == ["data.moc_boards[]: type changed from string to integer"]


def test_changing_the_value_type_of_a_dict_is_reported() -> None:
    old = committed("profile.updated")
    new = edited(old)
    new["$defs"]["LearnerProfile"]["properties"]["board_ids"]["additionalProperties"] = {"type": "integer"}

    assert check_compatible(old, new) == ["data.profile.board_ids{}: type changed from string to integer"]


def test_changing_a_fixed_length_tuple_is_reported() -> None:
    pair = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "minItems": 2, "maxItems": 2}
    old = {"type": "object", "properties": {"pair": pair}, "required": ["pair"]}
    longer, retyped = edited(old), edited(old)
    longer["properties"]["pair"].update(prefixItems=[*pair["prefixItems"], {"type": "string"}], minItems=3, maxItems=3)
    retyped["properties"]["pair"]["prefixItems"][1] = {"type": "string"}

    assert mentions(check_compatible(old, longer), "pair", "tuple length changed from 2 to 3")
    assert check_compatible(old, retyped) == ["pair[1]: type changed from integer to string"]


def test_changing_a_constraint_is_reported() -> None:
    old = committed("user.registered")
    new = edited(old)
    new["$defs"]["UserRegistered"]["properties"]["profile_version"]["minimum"] = 0

    assert check_compatible(old, new) == ["data.profile_version: constraint minimum changed from 1 to 0"]


# --- real models changed the way a developer would change them ------------------------------------


def test_a_real_model_without_a_field_is_reported_by_name() -> None:
    without_email = variant(events.EmailVerified, drop="email")

    assert check_compatible(committed("email.verified"), schema_for(without_email)) == [
        "data.email: property removed (EmailVerified.email)"
    ]


def test_a_real_model_without_a_nested_field_is_reported_by_name() -> None:
    profile = variant(events.LearnerProfile, drop="first_name")
    registered = variant(events.UserRegistered, profile=(profile, ...))

    assert check_compatible(committed("user.registered"), schema_for(registered)) == [
        "data.profile.first_name: property removed (LearnerProfile.first_name)"
    ]


def test_a_real_model_with_a_retyped_field_is_reported() -> None:
    retyped = variant(events.AttendanceRecorded, attended_on=(str, ...))

    assert check_compatible(committed("attendance.recorded"), schema_for(retyped)) == [
        "data.attended_on: format changed from date to none"
    ]


def test_a_real_model_with_a_new_optional_field_is_compatible() -> None:
    class EmailVerifiedWithLocale(events.EmailVerified):
        locale: str | None = None

    assert check_compatible(schema_for(events.EmailVerified), schema_for(EmailVerifiedWithLocale)) == []


def test_a_self_referencing_model_is_compared_without_recursing_forever() -> None:
    class Node(BaseModel):
        name: str
        children: tuple[Node, ...] = ()
        parent: Node | None = None

    class Tree(EventPayload):
        root: Node

    unnamed = variant(Tree, root=(variant(Node, drop="name"), ...))

    assert check_compatible(schema_for(Tree), schema_for(Tree)) == []
    assert check_compatible(schema_for(Tree), schema_for(unnamed)) == ["data.root.name: property removed (Node.name)"]
