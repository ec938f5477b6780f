"""How emails word what they state: board names and self-report steps, dates, fees and labels.

Pure functions of their arguments; the rules (domain.py) put their results into an email's facts, and the templates
(compose.py) show them as they are.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

BOARD_NAMES = {
    "ABA": "American Board of Anesthesiology",
    "ABIM": "American Board of Internal Medicine",
    "ABO": "American Board of Ophthalmology",
    "ABOS": "American Board of Orthopaedic Surgery",
    "ABOHNS": "American Board of Otolaryngology - Head and Neck Surgery",
    "ABOto": "American Board of Otolaryngology - Head and Neck Surgery",
    "ABPath": "American Board of Pathology",
    "ABP": "American Board of Pediatrics",
    "ABPMR": "American Board of Physical Medicine and Rehabilitation",
    "ABS": "American Board of Surgery",
    "ABTS": "American Board of Thoracic Surgery",
}

# How a learner reports to a board that does not take reports from providers. Boards change their sites, so the
# wording names the place to look rather than a deep link that would rot.
SELF_REPORT_INSTRUCTIONS = {
    "ABS": (
        "1. Sign in to your account on the American Board of Surgery website (www.absurgery.org).\n"
        "2. Open the CME reporting page of your continuous certification record and add this activity: its title, "
        "the date you completed it and the credits you claimed, exactly as your certificate shows them.\n"
        "3. Keep your certificate: the board may ask for it if your CME is audited."
    ),
}
_GENERIC_SELF_REPORT = (
    "1. Sign in to your account on the {board} website.\n"
    "2. Open its CME or MOC reporting page and add this activity: its title, the date you completed it and the "
    "credits you claimed, exactly as your certificate shows them.\n"
    "3. Keep your certificate: the board may ask for it if your CME is audited."
)
# Why a board report needs the learner, when the board gave no reason.
DEFAULT_REASONS = {
    "held": "Your profile is missing something the board needs to match you: your board ID, or your birth month "
    "and day.",
    "rejected": "The board did not accept the report and gave no reason.",
}
_PAYMENT = {"not_required": "No payment required", "pending": "Payment pending", "paid": "Paid"}


def board_name(code: str) -> str:
    return BOARD_NAMES.get(code, code)


def self_report_instructions(
    board_code: str, *, certificate_url: str | None = None, registered: str | None = None
) -> str:
    """`registered`: the instructions the board registry gives (board.updated), which come first."""
    text = (
        registered
        or SELF_REPORT_INSTRUCTIONS.get(board_code)
        or _GENERIC_SELF_REPORT.format(board=board_name(board_code))
    )
    if certificate_url:
        text += f"\n\nYour certificate: {certificate_url}"
    return text


def format_dates(starts: datetime | None, ends: datetime | None, zone: tzinfo) -> str:
    if starts is None:
        return "Self-paced (no fixed date)"
    start = starts.astimezone(zone)
    if ends is None or ends <= starts:
        return f"{format_day(start)}, {_time(start)} {start.tzname()}"
    end = ends.astimezone(zone)
    if end.date() == start.date():
        return f"{format_day(start)}, {_time(start)} - {_time(end)} {end.tzname()}"
    return f"{format_day(start)}, {_time(start)} - {format_day(end)}, {_time(end)} {end.tzname()}"


def format_day(moment: date) -> str:
    """'Friday, May 1, 2026' (a datetime is shown in its own time zone)."""
    return f"{moment:%A, %B} {moment.day}, {moment.year}"


def _time(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M %p}"


def format_fee(cents: int, currency: str) -> str:
    if cents == 0:
        return "No fee"
    amount = f"{cents / 100:,.2f}"
    return f"${amount}" if currency.upper() == "USD" else f"{amount} {currency.upper()}"


def payment_status_label(status: str) -> str:
    return _PAYMENT.get(status, status)


def attendee_category_label(category: str) -> str:
    label = category.replace("_", " ").strip()
    return label[:1].upper() + label[1:]
