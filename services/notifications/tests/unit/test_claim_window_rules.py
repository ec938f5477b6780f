"""Pure rules of the claim-window reminder and the cancellation notice."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications import claim_window, domain

PORTAL = "https://cme.example.org"
TODAY = date(2026, 6, 10)


def make_participation(**overrides) -> claim_window.Participation:
    values = {
        "learner_id": uuid.uuid4(),
        "activity_id": uuid.uuid4(),
        "title": "Sepsis Grand Rounds",
        "format": "grand_rounds",
        "ends_at": None,
        "claim_window_days": 30,
        "attended_on": date(2026, 5, 15),
        "registered": False,
        "claimed": False,
    }
    return claim_window.Participation(**{**values, **overrides})


def test_grand_rounds_window_runs_from_the_attendance_date():
    assert claim_window.window_closes(make_participation(attended_on=date(2026, 5, 15))) == date(2026, 6, 14)


def test_a_registered_live_course_without_attendance_runs_from_its_last_day_in_utc():
    # 22:30 in Boston on May 2 is May 3 in UTC, which is how credit counts it.
    ends = datetime(2026, 5, 3, 2, 30, tzinfo=UTC)
    p = make_participation(format="live_course", ends_at=ends, attended_on=None, registered=True)
    assert claim_window.completed_on(p) == date(2026, 5, 3)
    assert claim_window.window_closes(p) == date(2026, 6, 2)


def test_recorded_attendance_counts_before_the_end_date_as_credit_does():
    p = make_participation(
        format="live_course",
        ends_at=datetime(2026, 5, 20, 21, tzinfo=UTC),
        attended_on=date(2026, 5, 19),
        registered=True,
    )
    assert claim_window.window_closes(p) == date(2026, 6, 18)


@pytest.mark.parametrize("format", ["enduring", "text_based", "journal_based", "webcast"])
def test_material_completed_when_claimed_has_no_closing_window(format):
    p = make_participation(format=format, attended_on=date(2026, 5, 15), registered=True)
    assert claim_window.window_closes(p) is None
    assert claim_window.reminder_due(p, today=date(2026, 6, 10), lead_days=7) is None


def test_a_reminder_is_due_from_lead_days_before_the_last_day_through_that_day():
    p = make_participation(attended_on=date(2026, 5, 15))  # closes June 14
    assert claim_window.reminder_due(p, today=date(2026, 6, 6), lead_days=7) is None
    assert claim_window.reminder_due(p, today=date(2026, 6, 7), lead_days=7) == date(2026, 6, 14)
    assert claim_window.reminder_due(p, today=date(2026, 6, 14), lead_days=7) == date(2026, 6, 14)
    assert claim_window.reminder_due(p, today=date(2026, 6, 15), lead_days=7) is None


def test_no_reminder_once_claimed_or_without_registration_or_attendance():
    assert claim_window.reminder_due(make_participation(claimed=True), today=TODAY, lead_days=7) is None
    registered_only_no_end = make_participation(format="live_course", attended_on=None, registered=True)
    assert claim_window.reminder_due(registered_only_no_end, today=TODAY, lead_days=7) is None
    cancelled = make_participation(
        format="live_course", attended_on=None, registered=False, ends_at=datetime(2026, 5, 15, 21, tzinfo=UTC)
    )
    assert claim_window.reminder_due(cancelled, today=TODAY, lead_days=7) is None


def test_no_reminder_before_the_activity_is_over_even_for_a_short_window():
    p = make_participation(
        format="live_course",
        attended_on=None,
        registered=True,
        claim_window_days=3,
        ends_at=datetime(2026, 6, 12, 21, tzinfo=UTC),
    )
    assert claim_window.reminder_due(p, today=TODAY, lead_days=7) is None
    assert claim_window.reminder_due(p, today=date(2026, 6, 12), lead_days=7) == date(2026, 6, 15)


def test_a_due_reminder_always_falls_inside_the_open_window_and_names_its_last_day():
    # Every combination of a window, a lead and a day around it (hypothesis is not among the project's test tools).
    attended = date(2026, 2, 27)  # across the end of February
    for days in (1, 2, 7, 30, 31, 90):
        for lead in (0, 1, 7, 30):
            for offset in range(-3, days + lead + 4):
                today = attended + timedelta(days=offset)
                p = make_participation(attended_on=attended, claim_window_days=days)
                closes = claim_window.reminder_due(p, today=today, lead_days=lead)
                last_day = attended + timedelta(days=days)
                expected = attended <= today <= last_day <= today + timedelta(days=lead)
                assert (closes is not None) == expected, (days, lead, offset)
                assert closes in (None, last_day)


def test_the_reminder_links_the_claim_page_and_the_preferences_and_expires_after_the_last_day():
    p = make_participation()
    planned = claim_window.plan_claim_window_closing(p, date(2026, 6, 14), portal_url=PORTAL + "/")
    assert planned.kind == "claim_window_closing" and planned.to is None and planned.learner_id == p.learner_id
    assert planned.facts == {
        "activity_title": "Sepsis Grand Rounds",
        "closes_on": "Sunday, June 14, 2026",
        "claim_url": f"{PORTAL}/activities/{p.activity_id}/claim",
        "preferences_url": f"{PORTAL}/preferences",
    }
    assert planned.expires_at == datetime(2026, 6, 15, tzinfo=UTC)
    assert "claim_window_closing" in domain.REMINDERS


def test_one_reminder_cause_per_learner_and_activity():
    learner, activity = uuid.uuid4(), uuid.uuid4()
    assert claim_window.reminder_cause(learner, activity) == claim_window.reminder_cause(learner, activity)
    assert claim_window.reminder_cause(learner, activity) != claim_window.reminder_cause(activity, learner)
    assert claim_window.reminder_cause(learner, activity) != claim_window.reminder_cause(learner, uuid.uuid4())


def test_the_cancellation_restates_the_confirmation_with_the_day_it_was_cancelled_in_local_time():
    learner = uuid.uuid4()
    confirmation = {"activity_title": "Cardiology Review", "registration_number": "R-7", "fee": "$450.00"}
    planned = domain.plan_registration_cancelled(
        learner_id=learner,
        email="reg@example.org",
        confirmation=confirmation,
        cancelled_at=datetime(2026, 4, 21, 2, 0, tzinfo=UTC),
        zone=ZoneInfo("America/New_York"),
    )
    assert (planned.kind, planned.learner_id, planned.to) == ("registration_cancelled", learner, "reg@example.org")
    assert planned.facts == {**confirmation, "cancelled_on": "Monday, April 20, 2026"}
    assert "registration_cancelled" not in domain.REMINDERS
