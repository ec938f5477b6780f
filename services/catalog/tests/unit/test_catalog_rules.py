from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from catalog import domain
from opencme_kit import errors

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def rules(**overrides):
    base = {
        "status": "published",
        "capacity": None,
        "opens_at": None,
        "closes_at": None,
        "ends_at": NOW + timedelta(days=10),
        "available_until": None,
        "fees": {"physician": 25000, "resident": 5000, "guest": 10000},
    }
    return domain.RegistrationRules(**{**base, **overrides})


def test_fee_is_the_one_of_the_attendee_category():
    assert domain.fee_for(rules(), "resident", taken_seats=0, now=NOW) == 5000


def test_unknown_category_is_refused_as_invalid_naming_the_offered_ones():
    with pytest.raises(domain.CategoryNotOffered) as refused:
        domain.fee_for(rules(), "student", taken_seats=0, now=NOW)
    assert refused.value.field == "attendee_category"
    assert "guest, physician, resident" in refused.value.reason
    assert isinstance(refused.value, errors.Invalid)


def test_a_full_course_refuses_further_attendees_including_guests_as_a_conflict():
    with pytest.raises(domain.RegistrationRefused, match="full") as refused:
        domain.fee_for(rules(capacity=2), "guest", taken_seats=2, now=NOW)
    assert isinstance(refused.value, errors.Conflict)


def test_registration_is_refused_before_it_opens_and_after_it_closes():
    with pytest.raises(domain.RegistrationRefused, match="opens"):
        domain.fee_for(rules(opens_at=NOW + timedelta(hours=1)), "physician", taken_seats=0, now=NOW)
    with pytest.raises(domain.RegistrationRefused, match="closed"):
        domain.fee_for(rules(closes_at=NOW - timedelta(hours=1)), "physician", taken_seats=0, now=NOW)


def test_free_activity_without_fee_table_costs_nothing():
    assert domain.fee_for(rules(fees={}), "physician", taken_seats=0, now=NOW) == 0


def test_draft_activity_cannot_be_registered_for_as_if_it_did_not_exist():
    with pytest.raises(domain.NotOpenForRegistration) as refused:
        domain.fee_for(rules(status="draft"), "physician", taken_seats=0, now=NOW)
    assert isinstance(refused.value, errors.NotFound) and refused.value.field == "activity_id"


def test_ama_designation_statement_uses_the_required_wording():
    text = domain.designation_statement("Acme Clinic", "live_course", "AMA_PRA_1", Decimal("7.25"))
    assert text.startswith(
        "Acme Clinic designates this live activity for a maximum of 7.25 AMA PRA Category 1 Credits™."
    )
    assert "commensurate with the extent of their participation" in text


def test_a_range_of_days_runs_from_the_start_of_the_first_to_the_end_of_the_last_in_utc():
    after, before = domain.days_as_instants(date(2026, 6, 1), date(2026, 6, 30))
    assert (after, before) == (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    assert domain.days_as_instants(None, date(2026, 12, 31)) == (None, datetime(2027, 1, 1, tzinfo=UTC))
    assert domain.days_as_instants(None, None) == (None, None)


def test_event_codes_avoid_ambiguous_characters():
    codes = {domain.new_event_code() for _ in range(200)}
    assert len(codes) == 200
    assert not any(set(code) & set("01ILO") for code in codes)


def test_event_code_validity_window():
    start, end = NOW, NOW + timedelta(days=1)
    assert domain.event_code_refusal(valid_from=start, valid_until=end, now=NOW) is None
    assert "expired" in domain.event_code_refusal(valid_from=start, valid_until=end, now=end + timedelta(seconds=1))
    assert "becomes valid" in domain.event_code_refusal(
        valid_from=start, valid_until=end, now=start - timedelta(seconds=1)
    )


def test_a_learner_may_cancel_before_the_start_but_not_after():
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    before = start - timedelta(minutes=1)
    assert domain.learner_cancellation_refusal(starts_at=start, attended=False, now=before) is None
    refusal = domain.learner_cancellation_refusal(starts_at=start, attended=False, now=start)
    assert refusal is not None and "contact the organiser" in refusal


def test_without_a_start_a_learner_may_cancel_until_attendance_is_recorded():
    now = datetime(2026, 5, 1, 9, tzinfo=UTC)
    assert domain.learner_cancellation_refusal(starts_at=None, attended=False, now=now) is None
    assert "attendance" in domain.learner_cancellation_refusal(starts_at=None, attended=True, now=now)


ACTIVITY = {
    "title": "Cardiology Update",
    "description": "",
    "starts_at": NOW,
    "capacity": 10,
    "fees": {"physician": 25000},
    "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": Decimal("7.25")}],
    "moc_boards": ["ABIM"],
}


def edited(**changes):
    return {**ACTIVITY, **changes}


def test_an_edit_changes_only_the_fields_whose_value_differs():
    after = edited(
        description="New",
        starts_at=NOW.astimezone(timezone(timedelta(hours=-5))),  # the same instant
        credit_designations=[{"credit_type": "AMA_PRA_1", "max_credits": Decimal("7.250")}],
    )

    assert domain.check_edit(published=True, before=ACTIVITY, after=after, confirmed=0) == ["description"]


def test_a_draft_may_change_every_field():
    after = edited(title="Renamed", starts_at=None, moc_boards=[], capacity=None)

    changed = domain.check_edit(published=False, before=ACTIVITY, after=after, confirmed=0)

    assert changed == ["title", "starts_at", "capacity", "moc_boards"]


def test_a_published_activity_refuses_every_field_other_services_use_at_once():
    after = edited(title="Renamed", fees={}, moc_boards=["ABP"], capacity=20)

    with pytest.raises(domain.PublishedFieldsLocked) as refused:
        domain.check_edit(published=True, before=ACTIVITY, after=after, confirmed=0)

    assert refused.value.fields == ("title", "moc_boards")
    assert refused.value.reason == domain.LOCKED_ONCE_PUBLISHED
    assert isinstance(refused.value, errors.Conflict)


@pytest.mark.parametrize(("capacity", "confirmed"), [(5, 6), (1, 2)])
def test_the_capacity_may_not_fall_below_the_confirmed_registrations(capacity, confirmed):
    with pytest.raises(domain.EditRefused) as refused:
        domain.check_edit(published=True, before=ACTIVITY, after=edited(capacity=capacity), confirmed=confirmed)

    assert (refused.value.field, refused.value.reason) == (
        "capacity",
        f"must not be below the {confirmed} registrations already confirmed",
    )


@pytest.mark.parametrize("capacity", [6, None])
def test_a_capacity_holding_the_confirmed_registrations_or_none_is_accepted(capacity):
    changed = domain.check_edit(published=True, before=ACTIVITY, after=edited(capacity=capacity), confirmed=6)

    assert changed == ["capacity"]


def test_an_edit_leaving_an_oversold_capacity_alone_is_not_refused_for_it():
    oversold = edited(capacity=2)

    changed = domain.check_edit(published=True, before=oversold, after={**oversold, "description": "x"}, confirmed=3)

    assert changed == ["description"]


# Taking an activity out of the catalog


def test_a_published_activity_nobody_registered_for_or_attended_may_be_unpublished():
    assert domain.unpublish_refusal(status="published", live_registrations=0, attendances=0) is None


def test_a_draft_may_be_unpublished_again_as_a_no_op():
    assert domain.unpublish_refusal(status="draft", live_registrations=0, attendances=0) is None


def test_unpublishing_with_registrations_is_a_conflict_telling_staff_to_cancel_instead():
    refusal = domain.unpublish_refusal(status="published", live_registrations=2, attendances=0)
    assert isinstance(refusal, errors.Conflict)
    assert refusal.field == "status" and refusal.reason.startswith("2 learners are registered; cancel the activity")


def test_unpublishing_with_one_registration_says_one_learner_is_registered():
    refusal = domain.unpublish_refusal(status="published", live_registrations=1, attendances=0)
    assert refusal is not None and refusal.reason.startswith("1 learner is registered")


def test_unpublishing_with_recorded_attendance_is_a_conflict():
    refusal = domain.unpublish_refusal(status="published", live_registrations=0, attendances=3)
    assert refusal is not None and "attendance has been recorded" in refusal.reason


def test_a_cancelled_activity_is_never_unpublished():
    refusal = domain.unpublish_refusal(status="cancelled", live_registrations=0, attendances=0)
    assert refusal is not None and refusal.reason == "the activity was cancelled; a cancelled activity stays cancelled"


def test_a_draft_cannot_be_cancelled_but_a_published_or_cancelled_one_can():
    refusal = domain.cancel_refusal(status="draft")
    assert isinstance(refusal, errors.Conflict) and refusal.field == "status"
    assert domain.cancel_refusal(status="published") is None
    assert domain.cancel_refusal(status="cancelled") is None  # cancelling again answers as it is


def test_a_cancelled_activity_cannot_be_edited_but_drafts_and_published_ones_can():
    assert domain.edit_refusal(status="cancelled") is not None
    assert domain.edit_refusal(status="draft") is None and domain.edit_refusal(status="published") is None


def test_registering_for_a_cancelled_activity_is_refused_saying_it_was_cancelled():
    with pytest.raises(domain.RegistrationRefused) as refused:
        domain.fee_for(rules(status="cancelled"), "physician", taken_seats=0, now=NOW)
    assert refused.value.reason == "this activity was cancelled"
