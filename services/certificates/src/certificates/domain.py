"""Certificate rules, free of I/O: which name a certificate shows, numbers, codes and wording."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

FORMAT_LABELS = {
    "live_course": "Live course",
    "grand_rounds": "Grand rounds (regularly scheduled series)",
    "board_review": "Board review course",
    "webcast": "Webcast",
    "text_based": "Text-based activity",
    "journal_based": "Journal-based activity",
    "enduring": "Enduring material",
}

# Singular: the renderer makes them plural for amounts other than one ("1.75 AMA PRA Category 1 Credits™").
CREDIT_LABELS = {
    "AMA_PRA_1": "AMA PRA Category 1 Credit™",
    "ANCC": "ANCC contact hour",
    "ACPE": "ACPE contact hour",
    "AAPA": "AAPA Category 1 CME credit",
}


@dataclass(frozen=True)
class NameVersion:
    version: int
    effective_at: datetime
    first_name: str
    middle_name: str | None
    last_name: str
    suffix: str | None
    degree: str | None

    @property
    def full_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)
        return f"{name}, {self.suffix}" if self.suffix else name


def name_at(versions: list[NameVersion], moment: datetime) -> NameVersion | None:
    """The profile in effect at `moment`: the highest version that took effect by then.

    Versions that took effect later (a name change after the claim) never reach the certificate."""
    effective = [v for v in versions if v.effective_at <= moment]
    return max(effective, key=lambda v: v.version) if effective else None


def name_for_claim(own: list[NameVersion], survivor: list[NameVersion], moment: datetime) -> NameVersion | None:
    """The name a claim's certificate shows; `survivor` is the history of the account the claimant was merged into.

    The claimant's own account says best what they were called when they claimed, so its version in effect then comes
    first; a merged account whose profile never reached us borrows the survivor's (the same person). Without a version
    in effect at `moment`, the earliest known one is the closest. None: no name yet, the claim waits."""
    for versions in (own, survivor):
        if (name := name_at(versions, moment)) is not None:
            return name
    for versions in (own, survivor):
        if versions:
            return versions[0]
    return None


def prints_differently(content: dict[str, object], name: NameVersion) -> bool:
    """Would `name` print differently from the issued certificate `content`? (A certificate prints the full name and
    the degree from the profile; other profile fields, such as the email, never reach it.)"""
    return (content["learner_name"], content.get("learner_degree")) != (name.full_name, name.degree)


def certificate_number(year: int, sequence: int) -> str:
    return f"OC-{year}-{sequence:06d}"


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def credit_label(credit_type: str) -> str:
    if credit_type.startswith("MOC_"):
        return f"{credit_type.removeprefix('MOC_')} MOC point"
    return CREDIT_LABELS.get(credit_type, credit_type.replace("_", " "))


def format_label(activity_format: str) -> str:
    return FORMAT_LABELS.get(activity_format, activity_format.replace("_", " ").capitalize())


def activity_dates(starts: datetime | None, ends: datetime | None, completed_on: date) -> str:
    """'March 3, 2026', 'March 3–4, 2026', 'March 30 – April 2, 2026'; enduring material: the completion date."""
    if starts is None:
        starts = ends
    if starts is None:
        return f"Completed {completed_on:%B} {completed_on.day}, {completed_on.year}"
    first, last = starts.date(), (ends or starts).date()
    if first == last:
        return f"{first:%B} {first.day}, {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B} {first.day}–{last.day}, {first.year}"
    if first.year == last.year:
        return f"{first:%B} {first.day} – {last:%B} {last.day}, {first.year}"
    return f"{first:%B} {first.day}, {first.year} – {last:%B} {last.day}, {last.year}"
