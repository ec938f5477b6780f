"""Certificate rules, free of I/O: which name a certificate shows, what it says, numbers, codes and wording."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from certificates.content import CertificateContent, IssuedCredit
from opencme_contracts import events
from opencme_kit import errors

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

# Singular: `amount_label` makes them plural for amounts other than one ("1.75 AMA PRA Category 1 Credits™").
CREDIT_LABELS = {
    "AMA_PRA_1": "AMA PRA Category 1 Credit™",
    "ANCC": "ANCC contact hour",
    "ACPE": "ACPE contact hour",
    "AAPA": "AAPA Category 1 CME credit",
}

# Enduring and online material is completed; a live activity (a course, a grand-rounds session, a live board review)
# is participated in.
COMPLETED_FORMATS = frozenset({"webcast", "text_based", "journal_based", "enduring"})
Participation = Literal["completed", "participated in"]

# The unit a label ends in, singular: "... Credit™", "... contact hour", "... MOC point".
_SINGULAR_UNIT = re.compile(r"(credit|hour|point)(™?)$", re.IGNORECASE)
_UNIT = re.compile(r"(credit|hour|point)s?™?$", re.IGNORECASE)


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


def prints_differently(content: CertificateContent, name: NameVersion) -> bool:
    """Would `name` print differently from the issued certificate `content`? (A certificate prints the full name and
    the degree from the profile; other profile fields, such as the email, never reach it.)"""
    return (content.learner_name, content.learner_degree) != (name.full_name, name.degree)


@dataclass(frozen=True)
class Basis:
    """What a certificate answers and was rendered from: who claimed and when, and the name version it prints (whose
    profile, which version). Certificates issued before migration 004 did not keep it."""

    claimant_id: uuid.UUID
    claimed_at: datetime
    profile_learner_id: uuid.UUID
    profile_version: int


@dataclass(frozen=True)
class Certificate:
    """A certificate as stored: frozen content, the account holding it now (`owner_id`), and where it stands."""

    id: uuid.UUID
    number: str
    verification_code: str
    claim_id: uuid.UUID
    owner_id: uuid.UUID
    activity_id: uuid.UUID
    content: CertificateContent
    issued_at: datetime
    completed_on: date
    basis: Basis | None
    revoked_at: datetime | None = None
    superseded_by: uuid.UUID | None = None
    replaces: uuid.UUID | None = None

    @property
    def status(self) -> Literal["valid", "revoked", "superseded"]:
        if self.revoked_at is not None:
            return "revoked"
        return "superseded" if self.superseded_by is not None else "valid"

    def issued_event(self) -> events.CertificateIssued:
        # Addressed to the owner, so notifications writes to the account the learner still signs in with.
        return events.CertificateIssued(
            certificate_id=self.id,
            certificate_number=self.number,
            verification_code=self.verification_code,
            claim_id=self.claim_id,
            learner_id=self.owner_id,
            activity_id=self.activity_id,
            activity_title=self.content.activity_title,
            issued_at=self.issued_at,
        )


def verification_url(public_base_url: str, code: str) -> str:
    """The portal's public verification page of `code` (a page a person can read; the JSON it shows is the API's
    `GET /verify/{code}`), printed on the certificate and encoded in its QR code."""
    return f"{public_base_url.rstrip('/')}/verify/{code}"


def normal_code(typed: str) -> str:
    """A verification code as stored, from the way a person may type it: any case, with or without its dashes or with
    spaces ("7kq2 m9xd 4tpa"). Anything else is returned as typed (upper case), and is simply not found."""
    raw = "".join(typed.split()).replace("-", "").upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else raw


def issued_content(
    claim: events.CreditClaimed,
    name: NameVersion,
    *,
    number: str,
    code: str,
    public_base_url: str,
    provider_address: str | None,
    issued_on: date,
) -> CertificateContent:
    """What the claim's certificate says, frozen from the moment it is issued."""
    activity = claim.activity
    return CertificateContent(
        certificate_number=number,
        verification_code=code,
        verification_url=verification_url(public_base_url, code),
        learner_name=name.full_name,
        learner_degree=name.degree,
        activity_title=activity.title,
        activity_format=format_label(activity.format),
        participation=participation(activity.format),
        activity_dates=activity_dates(activity.starts_at, activity.ends_at, claim.completed_on),
        activity_location=activity.location,
        credits=tuple(
            IssuedCredit(
                credit_type=c.credit_type, label=credit_label(c.credit_type), amount=c.amount, statement=c.statement
            )
            for c in claim.credits
        ),
        provider_name=claim.provider_name,
        provider_address=provider_address,
        issued_on=issued_on,
    )


def replacement(
    current: Certificate,
    basis: Basis,
    name: NameVersion,
    source: uuid.UUID,
    *,
    certificate_id: uuid.UUID,
    number: str,
    code: str,
    public_base_url: str,
    issued_at: datetime,
) -> Certificate:
    """The claim's new certificate, printing `name` (a version of `source`'s profile) instead of the current one's:
    its own id, number, code and date of issue; same claim, owner and activity, words otherwise as issued."""
    content = current.content.reissued(
        learner_name=name.full_name,
        learner_degree=name.degree,
        number=number,
        code=code,
        url=verification_url(public_base_url, code),
        issued_on=issued_at.date(),
    )
    return replace(
        current,
        id=certificate_id,
        number=number,
        verification_code=code,
        content=content,
        issued_at=issued_at,
        basis=replace(basis, profile_learner_id=source, profile_version=name.version),
        revoked_at=None,
        superseded_by=None,
        replaces=current.id,
    )


def check_period(since: date | None, until: date | None) -> None:
    """A transcript's period (either end open) must not end before it starts."""
    if since is not None and until is not None and since > until:
        raise errors.Invalid("from", f"must not be after 'to' ({until.isoformat()})")


def certificate_number(year: int, sequence: int) -> str:
    return f"OC-{year}-{sequence:06d}"


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def credit_label(credit_type: str) -> str:
    """The credit type's singular label, always ending in its unit so that `amount_label` can make it plural; a type
    we have no words for is counted in credits ("CNE" -> "CNE credit")."""
    if credit_type.startswith("MOC_"):
        return f"{credit_type.removeprefix('MOC_')} MOC point"
    if credit_type in CREDIT_LABELS:
        return CREDIT_LABELS[credit_type]
    words = credit_type.replace("_", " ")
    return words if _UNIT.search(words) else f"{words} credit"


def stated_amount(amount: Decimal) -> str:
    """An amount as a provider states it: no trailing zeros ("1", "1.5", "1.75", "10"), never an exponent."""
    return f"{amount.normalize():f}"


def amount_label(singular_label: str, amount: Decimal) -> str:
    """The credit type's label for `amount`: singular for exactly one, plural otherwise ("0.25 ... Credits™"). A label
    that ends in no unit we know ("CNE", stored by an older release) is left as it is."""
    if amount == 1:
        return singular_label
    return _SINGULAR_UNIT.sub(lambda m: f"{m[1]}s{m[2]}", singular_label)


def printed_credit(singular_label: str, amount: Decimal) -> str:
    """An amount of credit in words, as certificates and transcripts print it: "1 AMA PRA Category 1 Credit™",
    "1.75 AMA PRA Category 1 Credits™", "1 ABIM MOC point", "2.5 ANCC contact hours"."""
    return f"{stated_amount(amount)} {amount_label(singular_label, amount)}"


def participation(activity_format: str) -> Participation:
    """What the learner did, in the certificate's words: "completed" enduring and online material (text-based,
    journal-based, a webcast), "participated in" a live activity."""
    return "completed" if activity_format in COMPLETED_FORMATS else "participated in"


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
