"""Pure rules: which event makes which email, what it says, how delivery failures are treated."""

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from notifications import domain, retry_policy, wording
from notifications.compose import context_for
from notifications.config import Settings
from opencme_contracts import events

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
PORTAL = "https://cme.example.org"


def profile(email="ada@example.org"):
    return events.LearnerProfile(first_name="Ada", last_name="Lovelace", primary_email=email)


def board_event(status, *, board="ABIM", reason=None):
    return events.BoardReportStatusChanged(
        report_id=uuid.uuid4(),
        learner_id=uuid.uuid4(),
        claim_id=uuid.uuid4(),
        board_code=board,
        status=status,
        reason=reason,
        attempts=0,
        changed_at=NOW,
    )


def registration(format="live_course", starts=None, ends=None, location=None, fee_cents=45000, currency="USD"):
    activity = events.ActivitySummary(
        activity_id=uuid.uuid4(),
        title="Cardiology Review",
        format=format,
        starts_at=starts,
        ends_at=ends,
        location=location,
    )
    return events.RegistrationConfirmed(
        registration_id=uuid.uuid4(),
        registration_number="R-7",
        learner_id=uuid.uuid4(),
        email="reg@example.org",
        activity=activity,
        attendee_category="nurse_practitioner",
        fee_cents=fee_cents,
        currency=currency,
        payment_status="pending",
        confirmed_at=NOW,
    )


def test_registration_with_a_verification_link_plans_one_to_the_primary_email():
    event = events.UserRegistered(
        user_id=uuid.uuid4(),
        profile=profile(),
        profile_version=1,
        registered_at=NOW,
        verify_email_url=f"{PORTAL}/verify?t=1",
    )
    planned = domain.plan_verify_email(event)
    assert (planned.kind, planned.to, planned.facts) == (
        "verify_email",
        "ada@example.org",
        {"verify_url": f"{PORTAL}/verify?t=1"},
    )
    assert domain.plan_verify_email(event.model_copy(update={"verify_email_url": None})) is None


def test_a_link_for_an_added_address_goes_to_that_address_and_expires_with_it():
    learner = uuid.uuid4()
    planned = domain.plan_verify_added_email(
        events.EmailVerificationRequested(
            user_id=learner,
            email="work@hospital.example.org",
            verify_url=f"{PORTAL}/verify?t=2",
            expires_at=NOW + timedelta(hours=48),
            requested_at=NOW,
        )
    )
    assert planned == domain.Planned(
        "verify_email",
        learner,
        "work@hospital.example.org",
        {"verify_url": f"{PORTAL}/verify?t=2"},
        expires_at=NOW + timedelta(hours=48),
    )


def test_reset_without_link_tells_the_address_it_has_no_account():
    planned = domain.plan_password_reset(events.PasswordResetRequested(email="x@example.org", requested_at=NOW))
    assert (planned.kind, planned.to, planned.learner_id, planned.expires_at) == (
        "password_reset_no_account",
        "x@example.org",
        None,
        None,
    )


def test_reset_link_expires_with_its_token_and_states_the_minutes_left_when_composed():
    learner = uuid.uuid4()
    planned = domain.plan_password_reset(
        events.PasswordResetRequested(
            email="x@example.org",
            user_id=learner,
            reset_url=f"{PORTAL}/r?t=1",
            expires_at=NOW + timedelta(minutes=30),
            requested_at=NOW,
        )
    )
    assert (planned.kind, planned.learner_id, planned.expires_at) == (
        "password_reset",
        learner,
        NOW + timedelta(minutes=30),
    )
    context = context_for(planned.kind, planned.facts, first_name="Ada", now=NOW + timedelta(minutes=4, seconds=1))
    assert context["expires_minutes"] == 26 and "expires_at" not in context
    late = context_for(planned.kind, planned.facts, first_name=None, now=NOW + timedelta(hours=1))
    assert late["expires_minutes"] == 1


def test_reset_link_without_expiry_is_refused():
    with pytest.raises(ValueError, match="expires_at"):
        domain.plan_password_reset(
            events.PasswordResetRequested(
                email="x@example.org", user_id=uuid.uuid4(), reset_url=f"{PORTAL}/r", requested_at=NOW
            )
        )


def test_certificate_email_goes_to_the_primary_email_with_a_portal_link():
    certificate = uuid.uuid4()
    event = events.CertificateIssued(
        certificate_id=certificate,
        certificate_number="C-1",
        verification_code="V",
        claim_id=uuid.uuid4(),
        learner_id=uuid.uuid4(),
        activity_id=uuid.uuid4(),
        activity_title="Sepsis",
        issued_at=NOW,
    )
    planned = domain.plan_certificate_issued(event, portal_url=PORTAL + "/")
    assert planned.to is None and planned.kind in domain.NEEDS_RECIPIENT
    assert planned.facts["certificate_url"] == f"{PORTAL}/certificates/{certificate}"


def test_live_registration_keeps_its_times_for_the_calendar_and_shows_them_in_local_time():
    starts = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    planned = domain.plan_registration_confirmed(
        registration(starts=starts, ends=starts + timedelta(hours=9, minutes=30), location="Hall A"), zone=NEW_YORK
    )
    facts = planned.facts
    assert facts["dates"] == "Friday, May 1, 2026, 8:00 AM - 5:30 PM EDT"
    assert (facts["location"], facts["fee"], facts["payment_status"], facts["attendee_category"]) == (
        "Hall A",
        "$450.00",
        "Payment pending",
        "Nurse practitioner",
    )
    context = context_for(planned.kind, facts, first_name=None, now=NOW)
    assert context["starts_at"] == starts and context["ends_at"].tzinfo is not None


@pytest.mark.parametrize(
    ("format", "starts", "ends"),
    [
        ("enduring", NOW, NOW + timedelta(hours=1)),  # not a live format
        ("live_course", NOW, None),  # no end
        ("live_course", NOW, NOW),  # no duration
    ],
)
def test_no_calendar_file_without_a_live_format_and_a_real_time_span(format, starts, ends):
    facts = domain.plan_registration_confirmed(registration(format, starts, ends), zone=UTC).facts
    assert "starts_at" not in facts and "ends_at" not in facts


def test_registration_fee_and_place_read_naturally():
    facts = domain.plan_registration_confirmed(registration("webcast", fee_cents=0), zone=UTC).facts
    assert (facts["fee"], facts["location"], facts["dates"]) == ("No fee", "Online", "Self-paced (no fixed date)")
    assert (
        domain.plan_registration_confirmed(registration(fee_cents=123456, currency="eur"), zone=UTC).facts["fee"]
        == "1,234.56 EUR"
    )
    assert domain.plan_registration_confirmed(registration(), zone=UTC).facts["location"] == "To be announced"


def test_dates_spanning_days_name_both_days():
    zone = timezone(timedelta(hours=-5), "EST")
    starts = datetime(2026, 1, 9, 13, 5, tzinfo=UTC)
    assert wording.format_dates(starts, starts + timedelta(days=1), zone) == (
        "Friday, January 9, 2026, 8:05 AM - Saturday, January 10, 2026, 8:05 AM EST"
    )
    assert wording.format_dates(starts, None, zone) == "Friday, January 9, 2026, 8:05 AM EST"
    noon = datetime(2026, 1, 9, 17, tzinfo=UTC)
    assert wording.format_dates(noon, None, zone) == "Friday, January 9, 2026, 12:00 PM EST"


@pytest.mark.parametrize("status", ["held", "rejected"])
def test_held_and_rejected_reports_ask_for_action_with_the_reason(status):
    claim = domain.ClaimInfo("Sepsis Update", uuid.uuid4())
    planned = domain.plan_board_report(board_event(status, reason="learner not matched"), claim, portal_url=PORTAL)
    assert planned.kind == "board_report_action_needed" and planned.to is None
    assert planned.facts == {
        "board_name": "American Board of Internal Medicine",
        "activity_title": "Sepsis Update",
        "reason": "learner not matched",
        "profile_url": f"{PORTAL}/profile",
    }


def test_a_held_report_without_reason_explains_what_is_usually_missing():
    planned = domain.plan_board_report(board_event("held"), None, portal_url=PORTAL)
    assert "board ID" in planned.facts["reason"]
    assert planned.facts["activity_title"] == "an activity you claimed credit for"


def test_self_report_instructions_point_abs_diplomates_to_the_abs_website_and_the_certificate():
    certificate = uuid.uuid4()
    planned = domain.plan_board_report(
        board_event("self_report", board="ABS"), domain.ClaimInfo("Trauma", certificate), portal_url=PORTAL
    )
    assert planned.kind == "board_self_report" and planned.facts["board_name"] == "American Board of Surgery"
    assert "absurgery.org" in planned.facts["instructions"]
    assert planned.facts["instructions"].endswith(f"{PORTAL}/certificates/{certificate}")
    other = domain.plan_board_report(board_event("self_report", board="XYZB"), None, portal_url=PORTAL)
    assert "XYZB website" in other.facts["instructions"] and "certificates/" not in other.facts["instructions"]


@pytest.mark.parametrize("status", ["queued", "submitted", "accepted", "failed"])
def test_other_report_statuses_make_no_email(status):
    assert domain.plan_board_report(board_event(status), None, portal_url=PORTAL) is None


def test_a_resent_certificate_goes_to_the_current_primary_email_others_to_their_original_address():
    recipient = domain.Recipient(uuid.uuid4(), "Ada", "new@example.org")
    assert domain.resend_address("certificate_issued", "old@example.org", recipient) == "new@example.org"
    assert domain.resend_address("registration_confirmed", "reg@example.org", recipient) == "reg@example.org"
    assert domain.resend_address("verify_email", "second@example.org", recipient) == "second@example.org"
    with pytest.raises(domain.NotResendable):
        domain.resend_address("password_reset", "old@example.org", recipient)


@pytest.mark.parametrize(
    ("code", "phase", "permanent"),
    [
        (550, "rcpt", True),
        (553, "rcpt", True),
        (554, "data", True),
        (552, "mail", True),
        (451, "rcpt", False),
        (452, "data", False),
        (421, "connect", False),
        (550, "mail", False),  # our sender address refused: configuration, not this message
        (535, "connect", False),  # authentication failed: configuration
        (None, "connect", False),  # no answer at all: network
    ],
)
def test_only_a_5xx_about_the_recipient_or_content_is_permanent(code, phase, permanent):
    assert retry_policy.is_permanent(code, phase) is permanent


def test_retry_delay_doubles_with_jitter_and_never_exceeds_the_cap():
    assert [retry_policy.retry_delay(n, base=5, cap=300, rand=0.999999) for n in (1, 2, 3)] == pytest.approx(
        [5, 10, 20]
    )
    assert retry_policy.retry_delay(1, base=5, cap=300, rand=0.0) == 2.5
    rng = random.Random(7)
    for attempts in range(1, 10_000, 37):
        delay = retry_policy.retry_delay(attempts, base=5, cap=300, rand=rng.random())
        assert 0 < delay <= 300
    assert retry_policy.retry_delay(10**9, base=5, cap=300, rand=0.5) == 225


def test_a_claim_lease_shorter_than_a_slow_send_is_refused_at_start_up():
    with pytest.raises(ValueError, match="claim_lease_seconds"):
        Settings(database_url="postgresql://x@127.0.0.1/x", smtp_timeout=30, claim_lease_seconds=60)
    assert Settings(database_url="postgresql://x@127.0.0.1/x").message_id_domain == "opencme.local"
