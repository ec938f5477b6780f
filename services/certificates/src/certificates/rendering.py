"""Certificate rendering: a CertificateDocument in, self-contained HTML or a one-page PDF out; likewise a learner's
transcript (TranscriptDocument, one or more portrait pages), and several frozen PDFs joined into one.

Pure: no database, no broker, no network. The only files read are the templates beside this module.
A certificate with credit is a "Certificate of Completion"; one without (attendance only) a "Certificate of Attendance".
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pypdf
import segno
import weasyprint
from markupsafe import Markup
from weasyprint.urls import URLFetcher

from certificates.domain import amount_label, stated_amount

CREDIT_STEP = Decimal("0.25")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Tried in order until the certificate fits on one page: long titles and several credit types need the denser ones.
_DENSITIES = ("regular", "compact", "tight")


@dataclass(frozen=True)
class CertificateCredit:
    credit_type_label: str  # e.g. "AMA PRA Category 1 Credit™"
    amount: Decimal  # in 0.25 steps, e.g. Decimal("1.75")
    statement: str  # designation statement text

    def __post_init__(self) -> None:
        # A certificate must print exactly what was claimed, so an amount we would have to round is a bug upstream.
        # (The type is checked too: a float or a str reaches here from untyped callers.)
        amount: object = self.amount
        if not isinstance(amount, Decimal) or amount <= 0 or amount % CREDIT_STEP:
            raise ValueError(f"credit amount must be a positive multiple of {CREDIT_STEP}, got {self.amount!r}")


@dataclass(frozen=True)
class CertificateDocument:
    certificate_number: str  # e.g. "OC-2026-000123"
    verification_code: str  # e.g. "7KQ2-M9XD-4TPA"
    verification_url: str  # public verification page, printed and encoded as a QR code
    learner_name: str  # full name as at claim time
    learner_degree: str | None  # "MD"
    activity_title: str
    activity_format: str  # human label, e.g. "Live course"
    activity_dates: str  # already formatted, e.g. "March 3–4, 2026"
    activity_location: str | None
    credits: tuple[CertificateCredit, ...]
    provider_name: str
    provider_address: str | None
    issued_on: date
    # What the learner did: "completed" enduring and online material, "participated in" a live activity.
    participation: str = "participated in"


class CertificateDoesNotFit(ValueError):
    """The content is too long for one page even at the most compact layout."""


def format_credit_amount(amount: Decimal) -> str:
    """As the provider states it: "1", "1.5", "1.75" (the words are the domain's, shared with the JSON answers)."""
    return stated_amount(amount)


def format_long_date(day: date) -> str:
    # Spelled out here rather than with strftime("%B") so the output does not depend on the process locale.
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def credit_label_for(credit: CertificateCredit) -> str:
    """The credit's label for its amount: singular for exactly one, plural otherwise (also on the transcript)."""
    return amount_label(credit.credit_type_label, credit.amount)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # the learner chooses their name; everything they control must stay text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["credit_amount"] = format_credit_amount
_env.filters["long_date"] = format_long_date
_env.filters["credit_label"] = credit_label_for
_env.filters["amount_label"] = amount_label


def _qr_svg(url: str) -> Markup:
    # segno writes only path data (the URL is not echoed as text), so the SVG is safe to mark as markup.
    qr = segno.make(url, error="m", micro=False)
    return Markup(qr.svg_inline(scale=1, border=0, omitsize=True, dark="#1b2a41", svgclass="qr", lineclass=None))


def _render_html(doc: CertificateDocument, density: str) -> str:
    return _env.get_template("certificate.html").render(doc=doc, density=density, qr_svg=_qr_svg(doc.verification_url))


def render_certificate_html(doc: CertificateDocument) -> str:
    """Self-contained HTML (inline CSS and QR code) of the certificate at its regular layout."""
    return _render_html(doc, _DENSITIES[0])


def _offline_url_fetcher() -> URLFetcher:
    # Everything the certificate needs is inline; a remote fetch would mean someone smuggled a URL into the page.
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    """One landscape Letter page, byte-identical for the same input (the only date in it is issued_on).

    Long titles or several credit types are set in a denser layout; content that fits none of them raises
    CertificateDoesNotFit rather than spilling onto a second page.
    """
    for density in _DENSITIES:
        html = weasyprint.HTML(string=_render_html(doc, density), url_fetcher=_offline_url_fetcher())
        rendered = html.render()
        if len(rendered.pages) == 1:
            return rendered.write_pdf()
    raise CertificateDoesNotFit(
        f"certificate {doc.certificate_number} needs {len(rendered.pages)} pages even in the {density} layout"
    )


@dataclass(frozen=True)
class TranscriptCredit:
    label: str  # the credit type's singular label, as on the certificate: "AMA PRA Category 1 Credit™"
    amount: Decimal


@dataclass(frozen=True)
class TranscriptRow:
    certificate_number: str
    activity_title: str
    activity_format: str | None  # human label, e.g. "Live course"
    completed_on: date
    credits: tuple[TranscriptCredit, ...]


@dataclass(frozen=True)
class TranscriptDocument:
    learner_name: str | None  # None: no name known yet (no profile and no certificate)
    learner_degree: str | None
    provider_name: str
    period_from: date | None
    period_to: date | None
    rows: tuple[TranscriptRow, ...]
    totals: tuple[TranscriptCredit, ...]
    printed_on: date


def render_transcript_pdf(doc: TranscriptDocument) -> bytes:
    """Portrait Letter pages in the certificate's style; the table header repeats on every page."""
    html = _env.get_template("transcript.html").render(doc=doc)
    return weasyprint.HTML(string=html, url_fetcher=_offline_url_fetcher()).write_pdf()


def combine_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One PDF with every page of `pdfs`, in order; each page's content is copied as it is, never re-rendered."""
    writer = pypdf.PdfWriter()
    for pdf in pdfs:
        writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
