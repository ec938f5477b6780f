import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from board_reporting import domain

NOW = datetime(2026, 3, 15, 18, tzinfo=UTC)
ABIM = domain.Board("ABIM", "American Board of Internal Medicine", "report", 60)
ABPATH = domain.Board("ABPath", "American Board of Pathology", "report", 60)
ABS = domain.Board("ABS", "American Board of Surgery", "self_report", None, "Add it in your ABS portal.")


def learner(**overrides):
    base = {"first_name": "Ana", "last_name": "Ruiz", "board_ids": {"ABIM": "123456"}, "birth_month": 4, "birth_day": 9}
    return domain.Learner(**{**base, **overrides})


def decide(board=ABIM, who=None, *, share=True, credits=None, claimed_at=NOW):
    return domain.decide(
        board,
        learner() if who is None else who,
        share_permission=share,
        credits={"AMA_PRA_1": Decimal("3.00")} if credits is None else credits,
        claimed_at=claimed_at,
    )


def test_a_complete_profile_queues_the_report_due_sixty_days_after_the_claim():
    decision = decide()
    assert decision.status == "queued" and decision.reason is None
    assert decision.due_by == date(2026, 5, 14)


def test_the_due_date_counts_from_the_claim_date_in_utc():
    evening_in_boston = datetime(2026, 3, 15, 20, 30, tzinfo=timezone(timedelta(hours=-4)))  # 00:30 UTC on the 16th
    assert domain.due_date(ABIM, evening_in_boston) == date(2026, 5, 15)
    assert domain.due_date(domain.Board("ABP", "Pediatrics", "report", 30), NOW) == date(2026, 4, 14)


def test_surgery_participants_report_themselves_with_instructions_and_no_deadline():
    decision = decide(ABS, share=False)
    assert decision.status == "self_report"
    assert decision.reason == "Add it in your ABS portal."
    assert decision.due_by is None


def test_without_permission_to_share_nothing_is_reported():
    assert decide(share=False) is None


@pytest.mark.parametrize(
    ("who", "missing"),
    [
        (learner(board_ids={}), ["ABIM board (diplomate) ID"]),
        (learner(board_ids={"ABIM": "  "}), ["ABIM board (diplomate) ID"]),
        (learner(birth_day=None), ["birth month and day"]),
        (learner(birth_month=2, birth_day=30), ["birth month and day"]),
        (learner(board_ids={"ABP": "9"}, birth_month=None), ["ABIM board (diplomate) ID", "birth month and day"]),
    ],
)
def test_missing_board_id_or_birthday_holds_the_report_naming_what_is_missing(who, missing):
    decision = decide(who=who)
    assert decision.status == "held"
    assert decision.reason == domain.hold_reason(missing)
    assert all(part in decision.reason for part in missing)


def test_an_unknown_learner_is_held_for_all_the_board_needs():
    decision = domain.decide(ABIM, None, share_permission=True, credits={"MOC_ABIM": Decimal(1)}, claimed_at=NOW)
    assert decision.status == "held"
    assert "ABIM board (diplomate) ID and birth month and day" in decision.reason


def test_leap_day_is_a_birthday():
    assert domain.missing_for(learner(birth_month=2, birth_day=29), "ABIM") == []


def test_board_ids_match_whatever_the_case_of_the_code():
    assert domain.missing_for(learner(board_ids={"abpath": "P-77"}), "ABPath") == []
    assert learner(board_ids={"ABPATH": " P-77 "}).board_id("ABPath") == "P-77"


def test_moc_points_of_the_board_are_reported_before_ama_credit():
    credits = {"AMA_PRA_1": Decimal("3.00"), "MOC_ABIM": Decimal("2.50"), "MOC_ABP": Decimal("1.00")}
    assert domain.credit_to_report("ABIM", credits) == ("MOC_ABIM", Decimal("2.50"))
    assert domain.credit_to_report("ABPath", {"MOC_ABPATH": Decimal("1.25")}) == ("MOC_ABPATH", Decimal("1.25"))


def test_without_moc_points_for_the_board_the_ama_credit_is_reported():
    credits = {"AMA_PRA_1": Decimal("3.00"), "MOC_ABP": Decimal("1.00")}
    assert domain.credit_to_report("ABIM", credits) == ("AMA_PRA_1", Decimal("3.00"))


def test_a_claim_without_reportable_credit_fails_with_the_reason():
    decision = decide(credits={"ANCC": Decimal("2.00")})
    assert decision.status == "failed"
    assert "no ABIM MOC points or AMA PRA Category 1 credit" in decision.reason


@pytest.mark.parametrize(
    ("amount", "points"),
    [
        ("3.00", "3.00"),
        ("0.25", "0.25"),
        ("1.30", "1.25"),
        ("0.10", "0.00"),
    ],
)
def test_points_are_reported_in_quarter_steps_never_above_the_claim(amount, points):
    assert domain.quarter_points(Decimal(amount)) == Decimal(points)


def test_held_report_is_queued_once_the_profile_has_what_the_board_needs():
    assert domain.after_profile_change("held", "ABIM", learner(), None) == domain.Transition("queued")


def test_held_report_stays_held_with_what_is_still_missing():
    transition = domain.after_profile_change("held", "ABIM", learner(birth_day=None), None)
    assert transition == domain.Transition("held", domain.hold_reason(["birth month and day"]))


def test_rejected_report_is_resubmitted_only_when_what_the_board_matches_on_changed():
    sent = domain.learner_identity(learner(), "ABIM")
    assert domain.after_profile_change("rejected", "ABIM", learner(), sent) is None
    fixed = learner(board_ids={"ABIM": "654321"})
    assert domain.after_profile_change("rejected", "ABIM", fixed, sent) == domain.Transition("queued")


@pytest.mark.parametrize("status", ["queued", "submitted", "accepted", "self_report", "failed"])
def test_profile_changes_leave_other_reports_alone(status):
    assert domain.after_profile_change(status, "ABIM", learner(), None) is None


@pytest.mark.parametrize("attempt", range(1, 30))
def test_backoff_doubles_up_to_the_cap_and_jitters_within_its_upper_half(attempt):
    ceiling = min(3600.0, 30.0 * 2 ** (attempt - 1))
    low = domain.backoff_seconds(attempt, base=30, cap=3600, jitter=0.0)
    high = domain.backoff_seconds(attempt, base=30, cap=3600, jitter=0.999999)
    assert low == ceiling / 2
    assert ceiling / 2 <= high < ceiling


def test_backoff_survives_absurd_attempt_counts():
    assert domain.backoff_seconds(10_000, base=30, cap=3600, jitter=0.5) == 2700


def answer(outcome, **kwargs):
    return domain.after_answer(
        domain.BoardAnswer(outcome, **kwargs), attempts=1, max_attempts=3, now=NOW, base=60, cap=3600, jitter=0.0
    )


def test_transient_failure_is_retried_later_until_the_last_attempt_fails_the_report():
    retry = domain.after_answer(
        domain.BoardAnswer("transient", reason="HTTP 503"),
        attempts=2,
        max_attempts=3,
        now=NOW,
        base=60,
        cap=3600,
        jitter=0.0,
    )
    assert retry == domain.Transition("queued", None, NOW + timedelta(seconds=60), "HTTP 503")
    final = domain.after_answer(
        domain.BoardAnswer("transient", reason="HTTP 503"),
        attempts=3,
        max_attempts=3,
        now=NOW,
        base=60,
        cap=3600,
        jitter=0.0,
    )
    assert final.status == "failed" and "3 attempts" in final.reason and final.last_error == "HTTP 503"


def test_board_answers_settle_the_report():
    assert answer("accepted", board_report_id="PARS-1").status == "accepted"
    rejected = answer("rejected", reason="learner not matched")
    assert (rejected.status, rejected.reason) == ("rejected", "learner not matched")
    invalid = answer("invalid", reason="HTTP 422: bad field")
    assert invalid.status == "failed" and invalid.last_error == "HTTP 422: bad field"


def test_the_record_follows_accmes_draft_learner_report_schema():
    report_id, claim_id, activity_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    record = domain.build_record(
        report_id=report_id,
        claim_id=claim_id,
        activity_id=activity_id,
        completed_on=date(2026, 3, 14),
        board_code="ABIM",
        credits=Decimal("2.75"),
        learner=learner(),
        provider="Acme Clinic",
    )
    assert record == {
        "ProviderOrganization": "Acme Clinic",
        "Module": {"moduleID": str(activity_id)},
        "Status": "Completed",
        "CompletedDateTime": "2026-03-14T00:00:00+00:00",
        "LearnerRecordAction": "add",
        "Learner": {
            "BoardCode": "ABIM",
            "BoardID": "123456",
            "FirstName": "Ana",
            "LastName": "Ruiz",
            "BirthMonth": 4,
            "BirthDay": 9,
        },
        "CreditCertificate": [
            {
                "UniqueID": [{"value": str(claim_id), "domain": "opencme"}],
                "CreditReceived": {"activityCertification": "ABIM", "unit": "Point", "credits": 2.75},
                "CreditID": str(report_id),
            }
        ],
        "PermissionToShare": True,
    }


def test_the_record_is_one_the_fake_board_accepts():
    from devstack.fake_board import LearnerReport, rejection_reason

    record = domain.build_record(
        report_id=uuid.uuid4(),
        claim_id=uuid.uuid4(),
        activity_id=uuid.uuid4(),
        completed_on=date(2026, 3, 14),
        board_code="ABIM",
        credits=Decimal("1.25"),
        learner=learner(),
        provider="Acme Clinic",
    )
    assert rejection_reason(LearnerReport.model_validate(record)) is None


def test_the_worker_handles_only_topics_the_registry_routes_to_board_reporting():
    from board_reporting.consumers import HANDLERS
    from opencme_contracts.topics import consumed_by

    assert set(HANDLERS) <= {t.name for t in consumed_by("board-reporting")}


def test_the_worker_handles_every_topic_the_registry_routes_to_board_reporting():
    from board_reporting.consumers import HANDLERS
    from opencme_contracts.topics import consumed_by

    assert {t.name for t in consumed_by("board-reporting")} <= set(HANDLERS)
    assert {"account.merged", "credit.revoked"} <= set(HANDLERS)


@pytest.mark.parametrize("status", ["held", "queued", "rejected", "failed", "self_report"])
def test_a_revoked_claims_report_the_board_has_not_recorded_is_withdrawn(status):
    assert domain.on_revocation(status) == "withdraw"


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_a_revoked_claims_report_the_board_may_hold_is_flagged_for_a_correction(status):
    assert domain.on_revocation(status) == "flag"
    assert domain.needs_board_correction(status, revoked=True)
    assert not domain.needs_board_correction(status, revoked=False)


def test_a_withdrawn_report_stays_withdrawn_and_needs_no_correction():
    assert domain.on_revocation("withdrawn") is None
    assert not domain.needs_board_correction("withdrawn", revoked=True)


def test_the_withdrawal_reason_names_the_revocation_and_asks_self_reporters_to_remove_theirs():
    assert domain.withdrawal_reason("queued", "duplicate") == "the claim was revoked (duplicate), so it is not reported"
    assert domain.withdrawal_reason("self_report", "duplicate").endswith(
        "if you already reported it to the board yourself, remove it there"
    )


def test_only_an_acceptance_survives_a_revocation_during_the_call():
    accepted = domain.Transition("accepted")
    assert domain.after_revoked_answer(accepted, "duplicate") is accepted
    retry = domain.after_answer(
        domain.BoardAnswer("transient", reason="HTTP 503"),
        attempts=1,
        max_attempts=5,
        now=NOW,
        base=30,
        cap=600,
        jitter=0.5,
    )
    assert retry.status == "queued"
    withdrawn = domain.after_revoked_answer(retry, "duplicate")
    assert (withdrawn.status, withdrawn.next_attempt_at, withdrawn.last_error) == ("withdrawn", None, "HTTP 503")
    assert "revoked (duplicate)" in withdrawn.reason
