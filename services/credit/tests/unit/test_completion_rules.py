"""When each format is completed, and the claim window that runs from the completion, at the edges."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from credit import domain

AMA = "AMA_PRA_1"
SELF_PACED = ["text_based", "journal_based", "webcast", "enduring"]


def activity(**overrides):
    base = {
        "format": "live_course",
        "starts_at": datetime(2026, 3, 4, 9, tzinfo=UTC),
        "ends_at": datetime(2026, 3, 4, 17, tzinfo=UTC),  # a 30-day window closes on 2026-04-03
        "claim_window_days": 30,
        "designations": {AMA: (Decimal("2"), "designates ...")},
        "moc_boards": frozenset(),
        "requires_event_code": False,
        "available_until": None,
    }
    return domain.ClaimableActivity(**{**base, **overrides})


def material(format="enduring", **overrides):
    """Available from 2026-01-10 until 2026-06-30 (evening, UTC): a 30-day window from its last day closes 07-30."""
    availability = {
        "starts_at": datetime(2026, 1, 10, 8, tzinfo=UTC),
        "ends_at": None,
        "available_until": datetime(2026, 6, 30, 22, tzinfo=UTC),
    }
    return activity(format=format, **{**availability, **overrides})


def took_part(*, attended_on=None, extension_until=None):
    return domain.Participation(registered=True, attended_on=attended_on, extension_until=extension_until)


def completed(act, today, *, given=None, participation=None):
    """The completion date decide_claim records, or the refusal's (field, reason)."""
    try:
        completed_on, _ = domain.decide_claim(
            act,
            participation or took_part(),
            requested={AMA: Decimal("1")},
            moc_boards=set(),
            share_permission=False,
            completed_on=given,
            today=today,
        )
    except domain.ClaimRefused as refused:
        return refused.field, refused.reason
    return completed_on


# --- live activities -----------------------------------------------------------------------------------------------


def test_a_live_course_is_claimable_on_the_windows_last_day_and_not_the_day_after():
    assert completed(activity(), date(2026, 4, 3)) == date(2026, 3, 4)
    assert completed(activity(), date(2026, 4, 4)) == (
        "activity_id",
        "the claim window closed on 2026-04-03; contact support if you need an exception",
    )


def test_a_live_course_completes_on_its_last_day_which_the_claim_may_repeat_but_not_change():
    assert completed(activity(), date(2026, 3, 10), given=date(2026, 3, 4)) == date(2026, 3, 4)
    field, reason = completed(activity(), date(2026, 3, 10), given=date(2026, 3, 10))
    assert field == "completed_on" and "completed on 2026-03-04" in reason


def test_a_live_course_completes_on_its_last_day_in_utc():
    late_evening_in_new_york = datetime.fromisoformat("2026-03-04T21:00:00-05:00")  # 03-05 02:00 UTC
    assert completed(activity(ends_at=late_evening_in_new_york), date(2026, 3, 10)) == date(2026, 3, 5)


def test_a_live_course_without_an_end_completes_on_its_start_and_one_without_dates_on_attendance():
    assert completed(activity(ends_at=None), date(2026, 3, 10)) == date(2026, 3, 4)
    undated = activity(starts_at=None, ends_at=None)
    field, reason = completed(undated, date(2026, 3, 10))
    assert field == "activity_id" and "attendance is recorded" in reason
    assert completed(undated, date(2026, 3, 10), participation=took_part(attended_on=date(2026, 3, 8))) == date(
        2026, 3, 8
    )


def test_grand_rounds_complete_on_the_attended_session_and_the_window_runs_from_it():
    rounds = activity(format="grand_rounds", requires_event_code=True, ends_at=datetime(2026, 12, 1, tzinfo=UTC))
    session = took_part(attended_on=date(2026, 3, 6))
    assert completed(rounds, date(2026, 4, 5), participation=session) == date(2026, 3, 6)
    field, reason = completed(rounds, date(2026, 4, 6), participation=session)
    assert field == "activity_id" and "closed on 2026-04-05" in reason
    extended = took_part(attended_on=date(2026, 3, 6), extension_until=date(2026, 4, 20))
    assert completed(rounds, date(2026, 4, 20), participation=extended) == date(2026, 3, 6)
    assert "closed on 2026-04-20" in completed(rounds, date(2026, 4, 21), participation=extended)[1]


def test_a_live_course_cannot_be_claimed_before_it_ends():
    field, reason = completed(activity(), date(2026, 3, 3))
    assert (field, reason) == ("activity_id", "credit can be claimed from 2026-03-04, after the activity")


# --- enduring and online material ----------------------------------------------------------------------------------


@pytest.mark.parametrize("format", SELF_PACED)
def test_material_completed_on_its_last_available_day_is_claimable_and_today_is_the_default(format):
    assert completed(material(format), date(2026, 6, 30)) == date(2026, 6, 30)
    assert completed(material(format), date(2026, 3, 1)) == date(2026, 3, 1)


@pytest.mark.parametrize("format", SELF_PACED)
def test_material_cannot_have_been_completed_the_day_after_its_availability(format):
    field, reason = completed(material(format), date(2026, 7, 1))
    assert field == "completed_on"
    assert reason == (
        "this activity was available until 2026-06-30; give the day you completed it, on or before 2026-06-30"
    )
    assert completed(material(format), date(2026, 7, 1), given=date(2026, 7, 1))[0] == "completed_on"
    assert completed(material(format), date(2026, 7, 1), given=date(2026, 6, 30)) == date(2026, 6, 30)


@pytest.mark.parametrize("format", SELF_PACED)
def test_the_window_runs_from_the_completion_the_learner_gives_to_its_last_day(format):
    assert completed(material(format), date(2026, 7, 30), given=date(2026, 6, 30)) == date(2026, 6, 30)
    assert completed(material(format), date(2026, 7, 31), given=date(2026, 6, 30)) == (
        "completed_on",
        "the claim window closed on 2026-07-30; contact support if you need an exception",
    )


@pytest.mark.parametrize("format", SELF_PACED)
def test_a_support_extension_keeps_the_window_open_for_material_to_its_day(format):
    extended = took_part(extension_until=date(2026, 8, 15))
    last_day = date(2026, 6, 30)
    assert completed(material(format), date(2026, 8, 15), given=last_day, participation=extended) == last_day
    assert completed(material(format), date(2026, 8, 16), given=last_day, participation=extended)[0] == "completed_on"


def test_the_activitys_own_window_runs_from_the_completion_of_material():
    longer = material(claim_window_days=90)
    assert completed(longer, date(2026, 9, 28), given=date(2026, 6, 30)) == date(2026, 6, 30)
    assert "closed on 2026-09-28" in completed(longer, date(2026, 9, 29), given=date(2026, 6, 30))[1]


def test_a_completion_in_the_future_or_before_the_material_was_available_is_refused():
    assert completed(material(), date(2026, 3, 1), given=date(2026, 3, 2)) == (
        "completed_on",
        "must not be in the future (today is 2026-03-01)",
    )
    assert completed(material(), date(2026, 3, 1), given=date(2026, 1, 9)) == (
        "completed_on",
        "this activity is available from 2026-01-10; it cannot be completed earlier",
    )
    assert completed(material(), date(2026, 1, 10), given=date(2026, 1, 10)) == date(2026, 1, 10)


def test_material_without_an_availability_end_is_available_until_its_end_date_or_for_ever():
    broadcast = material("webcast", ends_at=datetime(2026, 5, 1, 20, tzinfo=UTC), available_until=None)
    assert completed(broadcast, date(2026, 5, 2))[0] == "completed_on"
    assert completed(broadcast, date(2026, 5, 2), given=date(2026, 5, 1)) == date(2026, 5, 1)
    open_ended = material(starts_at=None, available_until=None)
    assert completed(open_ended, date(2030, 1, 1)) == date(2030, 1, 1)


def test_a_board_review_is_live_with_an_end_date_and_self_study_without_one():
    live = activity(format="board_review")
    assert completed(live, date(2026, 3, 10), given=date(2026, 3, 9))[0] == "completed_on"
    self_study = material("board_review")
    assert completed(self_study, date(2026, 3, 10), given=date(2026, 3, 9)) == date(2026, 3, 9)


# --- what the claimable list shows ---------------------------------------------------------------------------------


def test_a_live_course_is_listed_from_its_end_to_the_windows_last_day_with_a_fixed_completion():
    assert domain.claimable(activity(), took_part(), today=date(2026, 3, 3)) is None
    assert domain.claimable(activity(), took_part(), today=date(2026, 4, 3)) == domain.Claimable(
        completed_on=date(2026, 3, 4),
        completed_on_earliest=date(2026, 3, 4),
        completed_on_editable=False,
        window_closes=date(2026, 4, 3),
        window_extended=False,
    )
    assert domain.claimable(activity(), took_part(), today=date(2026, 4, 4)) is None
    extended = domain.claimable(activity(), took_part(extension_until=date(2026, 4, 20)), today=date(2026, 4, 4))
    assert extended is not None and (extended.window_closes, extended.window_extended) == (date(2026, 4, 20), True)


def test_available_material_is_listed_with_the_days_the_learner_may_give():
    listed = domain.claimable(material(), took_part(), today=date(2026, 3, 1))
    assert listed == domain.Claimable(
        completed_on=date(2026, 3, 1),
        completed_on_earliest=date(2026, 1, 30),  # 30 days ago: an earlier completion's window has closed
        completed_on_editable=True,
        window_closes=date(2026, 3, 31),
        window_extended=False,
    )
    early = domain.claimable(material(), took_part(), today=date(2026, 1, 20))
    assert early is not None and early.completed_on_earliest == date(2026, 1, 10)  # not before it was available
    assert domain.claimable(material(), took_part(), today=date(2026, 1, 9)) is None


def test_material_that_left_the_catalog_is_listed_from_its_last_day_until_that_window_closes():
    listed = domain.claimable(material(), took_part(), today=date(2026, 7, 30))
    assert listed is not None
    assert (listed.completed_on, listed.completed_on_earliest, listed.window_closes) == (
        date(2026, 6, 30),
        date(2026, 6, 30),
        date(2026, 7, 30),
    )
    assert domain.claimable(material(), took_part(), today=date(2026, 7, 31)) is None
    extended = domain.claimable(material(), took_part(extension_until=date(2026, 8, 15)), today=date(2026, 8, 15))
    assert extended == domain.Claimable(
        completed_on=date(2026, 6, 30),
        completed_on_earliest=date(2026, 1, 10),
        completed_on_editable=True,
        window_closes=date(2026, 8, 15),
        window_extended=True,
    )


def test_an_extension_for_material_must_end_after_the_window_from_its_last_available_day():
    assert domain.decide_extension(material(), took_part(), until=date(2026, 7, 31), today=date(2026, 7, 5)) == date(
        2026, 7, 30
    )
    with pytest.raises(domain.ExtensionRefused) as refused:
        domain.decide_extension(material(), took_part(), until=date(2026, 7, 30), today=date(2026, 7, 5))
    assert refused.value.field == "until" and "2026-07-30" in refused.value.reason
    # While it is available the learner may give today, so the normal window closes 30 days from today.
    with pytest.raises(domain.ExtensionRefused):
        domain.decide_extension(material(), took_part(), until=date(2026, 3, 31), today=date(2026, 3, 1))
