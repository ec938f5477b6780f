from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from credit import domain
from opencme_kit import errors

AMA = "AMA_PRA_1"


def activity(**overrides):
    base = {
        "format": "live_course",
        "starts_at": datetime(2026, 3, 4, 9, tzinfo=UTC),
        "ends_at": datetime(2026, 3, 4, 17, tzinfo=UTC),
        "claim_window_days": 30,
        "designations": {AMA: (Decimal("7.25"), "designates ..."), "ANCC": (Decimal("6"), "ANCC ...")},
        "moc_boards": frozenset({"ABIM"}),
        "requires_event_code": False,
        "available_until": None,
    }
    return domain.ClaimableActivity(**{**base, **overrides})


REGISTERED = domain.Participation(registered=True, attended_on=None, extension_until=None)


def decide(act=None, participation=REGISTERED, today=date(2026, 3, 10), **kwargs):
    params = {"requested": {AMA: Decimal("7")}, "moc_boards": set(), "share_permission": False}
    return domain.decide_claim(act or activity(), participation, today=today, **{**params, **kwargs})


def test_a_registered_learner_claims_within_the_window():
    completed_on, credits = decide()
    assert completed_on == date(2026, 3, 4)
    assert [(c.credit_type, c.amount) for c in credits] == [(AMA, Decimal("7"))]


def test_claim_after_window_is_refused_with_the_closing_date():
    with pytest.raises(domain.ClaimRefused) as refused:
        decide(today=date(2026, 4, 4))
    assert "closed on 2026-04-03" in refused.value.reason


def test_support_extension_reopens_the_window_for_that_learner():
    extended = domain.Participation(registered=True, attended_on=None, extension_until=date(2026, 5, 1))
    completed_on, _ = decide(participation=extended, today=date(2026, 4, 20))
    assert completed_on == date(2026, 3, 4)


def test_an_activity_may_set_a_longer_window():
    decide(act=activity(claim_window_days=90), today=date(2026, 5, 30))


@pytest.mark.parametrize("amount", ["0.1", "7.5", "0", "-1"])
def test_amounts_must_be_positive_quarter_steps_up_to_the_maximum(amount):
    with pytest.raises(domain.ClaimRefused) as refused:
        decide(requested={AMA: Decimal(amount)})
    assert refused.value.field == f"credits.{AMA}"


def test_quarter_steps_up_to_the_maximum_are_accepted():
    _, credits = decide(requested={AMA: Decimal("7.25"), "ANCC": Decimal("0.25")})
    assert sorted(c.credit_type for c in credits) == [AMA, "ANCC"]


def test_a_credit_type_the_activity_does_not_offer_is_refused():
    with pytest.raises(domain.ClaimRefused, match="does not offer"):
        decide(requested={"ACPE": Decimal("1")})


def test_grand_rounds_need_the_event_code_first():
    rounds = activity(format="grand_rounds", requires_event_code=True)
    with pytest.raises(domain.NotEligible) as refused:
        decide(act=rounds)
    assert isinstance(refused.value, errors.Forbidden) and "event code" in refused.value.reason
    attended = domain.Participation(registered=False, attended_on=date(2026, 3, 6), extension_until=None)
    completed_on, _ = decide(act=rounds, participation=attended)
    assert completed_on == date(2026, 3, 6)


def test_grand_rounds_are_offered_for_claiming_once_the_event_code_is_entered_not_on_registration():
    rounds = activity(format="grand_rounds", requires_event_code=True)
    assert domain.claimable(rounds, REGISTERED, today=date(2026, 3, 10)) is None
    attended = domain.Participation(registered=True, attended_on=date(2026, 3, 6), extension_until=None)
    offered = domain.claimable(rounds, attended, today=date(2026, 3, 10))
    assert offered is not None and offered.completed_on == date(2026, 3, 6)


def test_a_live_course_without_registration_points_to_the_email_used_to_register():
    nobody = domain.Participation(registered=False, attended_on=None, extension_until=None)
    with pytest.raises(domain.NotEligible, match="another email"):
        decide(participation=nobody)


def test_enduring_material_completes_when_claimed_and_needs_no_registration():
    enduring = activity(format="enduring", starts_at=None, ends_at=None)
    nobody = domain.Participation(registered=False, attended_on=None, extension_until=None)
    completed_on, _ = decide(act=enduring, participation=nobody, today=date(2026, 8, 1))
    assert completed_on == date(2026, 8, 1)


def test_credit_cannot_be_claimed_before_the_activity_ends():
    with pytest.raises(domain.ClaimRefused, match="from 2026-03-04"):
        decide(today=date(2026, 3, 3))


def test_moc_reporting_needs_an_approved_board_and_permission():
    with pytest.raises(domain.ClaimRefused) as refused:
        decide(moc_boards={"ABP"}, share_permission=True)
    assert refused.value.field == "moc_boards"
    with pytest.raises(domain.ClaimRefused) as refused:
        decide(moc_boards={"ABIM"}, share_permission=False)
    assert refused.value.field == "share_permission"
    decide(moc_boards={"ABIM"}, share_permission=True)


def test_totals_add_up_per_credit_type():
    assert domain.totals([{AMA: Decimal("1.5")}, {AMA: Decimal("2.25"), "ANCC": Decimal("1")}]) == {
        AMA: Decimal("3.75"),
        "ANCC": Decimal("1"),
    }


def test_an_extension_must_end_after_the_learners_normal_window():
    # ended 2026-03-04, 30-day window: closes 2026-04-03
    assert domain.decide_extension(activity(), REGISTERED, until=date(2026, 4, 25), today=date(2026, 4, 20)) == date(
        2026, 4, 3
    )
    with pytest.raises(domain.ExtensionRefused) as refused:
        domain.decide_extension(activity(), REGISTERED, until=date(2026, 4, 3), today=date(2026, 3, 20))
    assert refused.value.field == "until" and "2026-04-03" in refused.value.reason


def test_an_extension_ending_in_the_past_is_refused():
    with pytest.raises(domain.ExtensionRefused) as refused:
        domain.decide_extension(activity(), REGISTERED, until=date(2026, 4, 19), today=date(2026, 4, 20))
    assert refused.value.field == "until" and "past" in refused.value.reason


def test_the_normal_window_of_an_extension_follows_the_learners_attendance_and_ignores_an_earlier_extension():
    attended = domain.Participation(registered=False, attended_on=date(2026, 3, 20), extension_until=date(2026, 6, 1))
    assert domain.decide_extension(activity(), attended, until=date(2026, 4, 20), today=date(2026, 4, 1)) == date(
        2026, 4, 19
    )


def correct(requested, *, current=None, current_boards=frozenset(), moc_boards=None, share_permission=False):
    return domain.decide_correction(
        activity(),
        current=current or {AMA: Decimal("3")},
        current_boards=set(current_boards),
        requested=requested,
        moc_boards=set(current_boards if moc_boards is None else moc_boards),
        share_permission=share_permission,
    )


def test_a_correction_follows_the_claims_amount_rules_and_ignores_the_window():
    decided = correct({AMA: Decimal("2.5"), "ANCC": Decimal("1")})
    assert [(c.credit_type, c.amount) for c in decided] == [(AMA, Decimal("2.50")), ("ANCC", Decimal("1.00"))]
    for requested, field in (
        ({AMA: Decimal("7.5")}, f"credits.{AMA}"),
        ({AMA: Decimal("1.1")}, f"credits.{AMA}"),
        ({AMA: Decimal("0")}, f"credits.{AMA}"),
        ({"ACPE": Decimal("1")}, "credits.ACPE"),
        ({}, "credits"),
    ):
        with pytest.raises(domain.CorrectionRefused) as refused:
            correct(requested)
        assert refused.value.field == field and isinstance(refused.value, errors.Invalid)


def test_a_correction_that_changes_nothing_is_a_conflict():
    with pytest.raises(domain.NothingToCorrect) as refused:
        correct({AMA: Decimal("3.00")}, current={AMA: Decimal("3")}, current_boards={"ABIM"}, share_permission=True)
    assert refused.value.field == "credits" and isinstance(refused.value, errors.Conflict)
    assert correct({AMA: Decimal("3")}, current_boards={"ABIM"}, moc_boards=set(), share_permission=True)


def test_a_correction_cannot_add_a_board_the_learner_did_not_permit_sharing_with():
    with pytest.raises(domain.CorrectionRefused) as refused:
        correct({AMA: Decimal("3")}, moc_boards={"ABIM"}, share_permission=False)
    assert refused.value.field == "moc_boards" and "permission" in refused.value.reason
    assert correct({AMA: Decimal("3")}, moc_boards={"ABIM"}, share_permission=True)


# A cancelled activity (activity.cancelled)

CANCELLED_AT = datetime(2026, 3, 3, 15, tzinfo=UTC)


def test_a_cancelled_live_activity_is_refused_to_a_registrant_without_recorded_attendance():
    with pytest.raises(domain.NotEligible) as refused:
        decide(activity(cancelled_at=CANCELLED_AT))
    assert refused.value.field == "activity_id"
    assert refused.value.reason.startswith("this activity was cancelled on 2026-03-03")


def test_a_cancelled_live_activity_stays_claimable_for_recorded_attendance():
    attended = domain.Participation(registered=False, attended_on=date(2026, 3, 4), extension_until=None)
    completed_on, _ = decide(activity(cancelled_at=CANCELLED_AT), attended)
    assert completed_on == date(2026, 3, 4)


def test_a_cancelled_live_activity_without_attendance_is_not_offered_as_claimable():
    assert domain.claimable(activity(cancelled_at=CANCELLED_AT), REGISTERED, today=date(2026, 3, 10)) is None


def test_cancelled_self_paced_material_is_claimable_for_a_completion_up_to_the_day_it_was_cancelled():
    material = activity(format="enduring", starts_at=datetime(2026, 1, 1, tzinfo=UTC), ends_at=None)
    cancelled = activity(**{**material.__dict__, "cancelled_at": CANCELLED_AT})
    nobody = domain.Participation(registered=False, attended_on=None, extension_until=None)

    completed_on, _ = decide(cancelled, nobody, completed_on=date(2026, 3, 3))
    assert completed_on == date(2026, 3, 3)
    with pytest.raises(domain.ClaimRefused) as refused:
        decide(cancelled, nobody, completed_on=date(2026, 3, 4))
    assert refused.value.field == "completed_on" and "available until 2026-03-03" in refused.value.reason
