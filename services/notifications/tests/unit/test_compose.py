from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from icalendar import Calendar

from notifications.compose import KINDS, Organisation, compose

ORG = Organisation(
    name="Example Medical School CME",
    address="1 Main Street\nBoston, MA 02115",
    phone="+1 617 555 0100",
    support_email="cme-support@example.org",
    portal_url="https://cme.example.org",
)
SENDER = "no-reply@cme.example.org"
HOSTILE = '<script>alert("x")</script> & <b>Bob</b>'
BOSTON = timezone(timedelta(hours=-4))


def make_context(kind: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, dict[str, Any]] = {
        "password_reset": {
            "first_name": "Ada",
            "reset_url": "https://cme.example.org/reset?t=abc",
            "expires_minutes": 30,
        },
        "password_reset_no_account": {"email": "someone@example.net"},
        "verify_email": {"first_name": "Ada", "verify_url": "https://cme.example.org/verify?t=abc"},
        "certificate_issued": {
            "first_name": "Ada",
            "activity_title": "Grand Rounds: Sepsis",
            "certificate_number": "C-2026-000123",
            "certificate_url": "https://cme.example.org/certificates/C-2026-000123",
        },
        "board_report_action_needed": {
            "first_name": "Ada",
            "board_name": "American Board of Internal Medicine",
            "activity_title": "Grand Rounds: Sepsis",
            "reason": "learner not matched: no diplomate with this board ID",
            "profile_url": "https://cme.example.org/profile/boards",
        },
        "board_self_report": {
            "first_name": "Ada",
            "board_name": "American Board of Surgery",
            "activity_title": "Trauma Update",
            "instructions": "Sign in to the ABS portal.\nEnter the activity under Continuous Certification.",
        },
        "registration_confirmed": {
            "first_name": "Ada",
            "activity_title": "Cardiology Review Course",
            "dates": "May 1-2, 2026",
            "location": "Hotel Commonwealth, Boston",
            "attendee_category": "Physician",
            "fee": "$450.00",
            "payment_status": "Paid",
            "registration_number": "R-1001",
        },
        "registration_cancelled": {
            "first_name": "Ada",
            "activity_title": "Cardiology Review Course",
            "dates": "May 1-2, 2026",
            "location": "Hotel Commonwealth, Boston",
            "attendee_category": "Physician",
            "fee": "$450.00",
            "payment_status": "Paid",
            "registration_number": "R-1001",
            "cancelled_on": "Monday, April 20, 2026",
        },
        "activity_cancelled": {
            "first_name": "Ada",
            "activity_title": "Cardiology Review Course",
            "dates": "May 1-2, 2026",
            "location": "Hotel Commonwealth, Boston",
            "attendee_category": "Physician",
            "fee": "$450.00",
            "payment_status": "Paid",
            "registration_number": "R-1001",
            "cancelled_on": "Monday, April 20, 2026",
            "reason": "The course director is ill; we will announce a new date.",
        },
        "claim_window_closing": {
            "first_name": "Ada",
            "activity_title": "Grand Rounds: Sepsis",
            "closes_on": "Sunday, May 31, 2026",
            "claim_url": "https://cme.example.org/activities/a1/claim",
            "preferences_url": "https://cme.example.org/preferences",
        },
    }
    return {**base[kind], **overrides}


def make_email(kind: str, **overrides: Any) -> EmailMessage:
    message = compose(kind, to="ada@example.org", context=make_context(kind, **overrides), org=ORG, sender=SENDER)
    # Round-trip through bytes, as a mail client would see it.
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_text_and_html_alternatives_subject_and_headers(kind: str) -> None:
    message = make_email(kind)
    text, html = parts(message)

    assert message.get_content_type() in ("multipart/alternative", "multipart/mixed")
    assert message["Subject"]
    assert message["From"].addresses[0].display_name == ORG.name
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@opencme.local>")
    for body in (text, html):
        assert ORG.support_email in body
        assert ORG.phone in body
        assert "Boston, MA 02115" in body


def test_message_ids_are_unique_and_use_the_given_domain() -> None:
    context = make_context("verify_email")
    ids = {
        compose(
            "verify_email",
            to="a@example.org",
            context=context,
            org=ORG,
            sender=SENDER,
            message_id_domain="cme.example.org",
        )["Message-ID"]
        for _ in range(20)
    }
    assert len(ids) == 20
    assert all(i.endswith("@cme.example.org>") for i in ids)


def test_password_reset_carries_the_link_and_its_expiry_but_no_password() -> None:
    message = make_email("password_reset")
    text, html = parts(message)

    assert "https://cme.example.org/reset?t=abc" in text
    assert 'href="https://cme.example.org/reset?t=abc"' in html
    assert "30 minutes" in text and "30 minutes" in html
    assert "password" in message["Subject"].lower()


def test_no_account_email_uses_the_faq_wording_and_points_to_another_address_or_support() -> None:
    text, html = parts(make_email("password_reset_no_account"))

    for body in (text, html):
        assert "Sorry, but a password could not be found for the email you entered" in body
        assert "someone@example.net" in body
        assert "another email address" in body
        assert "cme-support@example.org" in body and "+1 617 555 0100" in body


def test_certificate_is_a_link_to_the_portal_never_an_attachment() -> None:
    message = make_email("certificate_issued")
    text, html = parts(message)

    assert list(message.iter_attachments()) == []
    assert "https://cme.example.org/certificates/C-2026-000123" in text
    assert 'href="https://cme.example.org/certificates/C-2026-000123"' in html
    assert "C-2026-000123" in text
    assert message["Subject"] == "Your certificate for Grand Rounds: Sepsis"


def test_board_emails_name_the_board_and_what_to_do() -> None:
    text, html = parts(make_email("board_report_action_needed"))
    assert "learner not matched" in text and "learner not matched" in html
    assert "https://cme.example.org/profile/boards" in text

    text, html = parts(make_email("board_self_report"))
    assert "self-report" in text and "American Board of Surgery" in html
    assert "Enter the activity under Continuous Certification." in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_html_escapes_hostile_names(kind: str) -> None:
    overrides = {k: HOSTILE for k in ("first_name", "activity_title", "email") if k in make_context(kind)}
    text, html = parts(make_email(kind, **overrides))

    assert "<script>" not in html
    assert "<b>Bob</b>" not in html
    assert "&lt;script&gt;" in html
    assert HOSTILE in text  # plain text is shown as text, nothing to escape


def test_organisation_name_is_escaped_in_html_and_quoted_in_from() -> None:
    org = Organisation("Smith & <Jones> CME", "1 Main St", "555", "help@example.org", "https://cme.example.org")
    message = compose("verify_email", to="a@example.org", context=make_context("verify_email"), org=org, sender=SENDER)
    html = message.get_body(preferencelist=("html",)).get_content()

    assert "Smith &amp; &lt;Jones&gt; CME" in html
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["From"].addresses[0].display_name == "Smith & <Jones> CME"


@pytest.mark.parametrize(
    ("colour", "label"),
    [
        ("#1f5f8b", "#ffffff"),
        ("#7a1f3d", "#ffffff"),
        ("#000000", "#ffffff"),
        ("#ffd700", "#000000"),
        ("#FFFFFF", "#000000"),
    ],
)
def test_the_brand_colour_marks_the_header_and_the_buttons_whose_label_stays_readable(colour: str, label: str) -> None:
    org = replace(ORG, brand_colour=colour)
    message = compose("verify_email", to="a@example.org", context=make_context("verify_email"), org=org, sender=SENDER)
    html = message.get_body(preferencelist=("html",)).get_content()

    assert f"border-bottom:3px solid {colour};" in html
    assert f"background:{colour};color:{label};" in html


def test_subject_cannot_be_split_by_a_line_break_in_a_title() -> None:
    message = make_email("certificate_issued", activity_title="Sepsis\r\nBcc: victim@example.org")
    assert message["Subject"] == "Your certificate for Sepsis Bcc: victim@example.org"
    assert message["Bcc"] is None


def test_live_course_registration_attaches_an_ics_with_utc_times() -> None:
    starts = datetime(2026, 5, 1, 8, 0, tzinfo=BOSTON)
    ends = datetime(2026, 5, 2, 17, 30, tzinfo=BOSTON)
    message = make_email("registration_confirmed", starts_at=starts, ends_at=ends)

    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "registration-R-1001.ics"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "R-1001@opencme.local"
    assert event.decoded("DTSTART") == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 5, 2, 21, 30, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Cardiology Review Course"
    assert str(event["LOCATION"]) == "Hotel Commonwealth, Boston"
    assert b"DTSTART:20260501T120000Z" in attachment.get_payload(decode=True)
    text, _ = parts(message)
    assert "calendar file (.ics) is attached" in text


def test_a_cancellation_attaches_an_ics_that_cancels_the_confirmations_event() -> None:
    starts = datetime(2026, 5, 1, 8, 0, tzinfo=BOSTON)
    ends = datetime(2026, 5, 2, 17, 30, tzinfo=BOSTON)
    confirmed = make_email("registration_confirmed", starts_at=starts, ends_at=ends)
    cancelled = make_email("registration_cancelled", starts_at=starts, ends_at=ends)

    [original] = Calendar.from_ical(next(confirmed.iter_attachments()).get_payload(decode=True)).walk("VEVENT")
    [attachment] = list(cancelled.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "CANCEL"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == str(original["UID"]) == "R-1001@opencme.local"
    assert event.decoded("SEQUENCE") == 1 and str(event["STATUS"]) == "CANCELLED"
    assert str(event["ORGANIZER"]) == "mailto:cme-support@example.org"
    assert event.decoded("DTSTART") == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    text, html = parts(cancelled)
    assert cancelled["Subject"] == "Registration cancelled: Cardiology Review Course (R-1001)"
    assert "removes the course from your calendar" in text
    for value in ("R-1001", "Monday, April 20, 2026", "$450.00", "Paid", "Hotel Commonwealth, Boston"):
        assert value in text and value in html


def test_a_cancellation_of_a_course_without_times_has_no_ics() -> None:
    message = make_email("registration_cancelled")
    assert list(message.iter_attachments()) == [] and message.get_content_type() == "multipart/alternative"
    assert "calendar" not in parts(message)[0]


def test_the_claim_reminder_names_the_activity_the_last_day_and_links_the_claim_page_and_the_opt_out() -> None:
    message = make_email("claim_window_closing")
    text, html = parts(message)
    assert message["Subject"] == "Claim your credit for Grand Rounds: Sepsis by Sunday, May 31, 2026"
    assert "Sunday, May 31, 2026 is the last day" in text and "Sunday, May 31, 2026" in html
    assert "https://cme.example.org/activities/a1/claim" in text
    assert 'href="https://cme.example.org/activities/a1/claim"' in html
    assert 'href="https://cme.example.org/preferences"' in html and "stop reminders" in text
    assert list(message.iter_attachments()) == []


def test_registration_without_times_has_no_ics() -> None:
    message = make_email("registration_confirmed")

    assert list(message.iter_attachments()) == []
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert ".ics" not in text
    for value in ("R-1001", "Physician", "$450.00", "Paid", "May 1-2, 2026"):
        assert value in text and value in html


def test_registration_with_naive_or_reversed_times_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_email("registration_confirmed", starts_at=datetime(2026, 5, 1, 8), ends_at=datetime(2026, 5, 1, 17))
    starts = datetime(2026, 5, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="after"):
        make_email("registration_confirmed", starts_at=starts, ends_at=starts)


def test_unknown_kind_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown email kind"):
        compose("newsletter", to="a@example.org", context={}, org=ORG, sender=SENDER)


def test_missing_context_is_a_value_error_naming_the_keys() -> None:
    with pytest.raises(ValueError, match="reset_url, expires_minutes"):
        compose("password_reset", to="a@example.org", context={"first_name": "Ada"}, org=ORG, sender=SENDER)


def test_links_must_be_absolute_http_urls() -> None:
    with pytest.raises(ValueError, match="reset_url"):
        make_email("password_reset", reset_url="javascript:alert(1)")


@pytest.mark.parametrize(
    "kind", ["password_reset", "registration_confirmed", "registration_cancelled", "claim_window_closing"]
)
def test_without_a_known_first_name_the_greeting_is_plain(kind: str) -> None:
    text, html = parts(make_email(kind, first_name=None))
    assert text.startswith("Hello,\n") and "<p>Hello,</p>" in html
    assert "None" not in text
