"""Certificate rendering: a CertificateDocument in, self-contained HTML or a one-page PDF out; likewise a learner's
transcript (TranscriptDocument, one or more portrait pages). Several frozen PDFs are joined in `bundling`.

Pure: no database, no broker, no network. The only files read are the templates beside this module.
A certificate with credit is a "Certificate of Completion"; one without (attendance only) a "Certificate of Attendance".
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pikepdf
import segno
import weasyprint
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
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


_TEMPLATES = Path(__file__).parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
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


def _render_html(doc: CertificateDocument, density: str, *, inline_css: bool) -> str:
    return _env.get_template("certificate.html").render(
        doc=doc, density=density, qr_svg=_qr_svg(doc.verification_url), inline_css=inline_css
    )


def render_certificate_html(doc: CertificateDocument, *, inline_css: bool = True) -> str:
    """Self-contained HTML (inline CSS and QR code) of the certificate at its regular layout; without the CSS, what
    the PDF renderer reads beside `stylesheet_text("certificate.css")`."""
    return _render_html(doc, _DENSITIES[0], inline_css=inline_css)


def _offline_url_fetcher() -> URLFetcher:
    # Everything the certificate needs is inline; a remote fetch would mean someone smuggled a URL into the page.
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def stylesheet_text(name: str) -> str:
    """A stylesheet beside the templates, e.g. "certificate.css"."""
    return (_TEMPLATES / name).read_text(encoding="utf-8")


class _Typesetter(threading.local):
    """What every document of one thread shares: one FontConfiguration and the stylesheets parsed once against it.

    A FontConfiguration per document cost its set-up on every certificate and kept ~230 KiB each (Pango font maps
    that are never freed); one per thread keeps memory flat. Per thread because Pango's font maps are not meant to be
    shared between threads (the API renders transcripts on worker threads; the certificates worker renders in
    single-threaded processes)."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.certificate = weasyprint.CSS(string=stylesheet_text("certificate.css"), font_config=self.fonts)
        self.transcript = weasyprint.CSS(string=stylesheet_text("transcript.css"), font_config=self.fonts)
        self.transcript_stamp = weasyprint.CSS(string=stylesheet_text("transcript-stamp.css"), font_config=self.fonts)
        self.url_fetcher = _offline_url_fetcher()


_typesetter = _Typesetter()


def _fits(page: weasyprint.Page) -> bool:
    """Header, main part and footer do not overlap (they are positioned, so none of them pushes another away)."""
    # Each anchor is its box's border box as drawn (x1, y1, x2, y2), transforms applied; y grows downwards.
    header, main, footer = (page.anchors[name] for name in ("header", "main", "footer"))
    return header[3] <= main[1] and main[3] <= footer[1]


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    """One landscape Letter page, byte-identical for the same input (the only date in it is issued_on).

    Long titles or several credit types are set in a denser layout; content that fits none of them raises
    CertificateDoesNotFit rather than spilling onto a second page or under the footer.
    """
    typesetter = _typesetter
    for density in _DENSITIES:
        html = weasyprint.HTML(string=_render_html(doc, density, inline_css=False), url_fetcher=typesetter.url_fetcher)
        rendered = html.render(stylesheets=[typesetter.certificate], font_config=typesetter.fonts)
        if len(rendered.pages) == 1 and _fits(rendered.pages[0]):
            return rendered.write_pdf()
    raise CertificateDoesNotFit(
        f"certificate {doc.certificate_number} does not fit on one page even in the {density} layout"
    )


def warm_up() -> None:
    """Set this thread's fonts and stylesheets up and load the fonts the certificate uses (about a second), so that the
    first real certificate does not pay for it (the render processes call it when they start)."""
    render_certificate_pdf(
        CertificateDocument(
            certificate_number="OC-0000-000000",
            verification_code="AAAA-AAAA-AAAA",
            verification_url="https://example.org/verify/AAAA-AAAA-AAAA",
            learner_name="Warm Up",
            learner_degree="MD",
            activity_title="Warm-up",
            activity_format="Live course",
            activity_dates="January 1, 2026",
            activity_location=None,
            credits=(CertificateCredit("AMA PRA Category 1 Credit™", Decimal(1), "Statement."),),
            provider_name="OpenCME",
            provider_address=None,
            issued_on=date(2026, 1, 1),
        )
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


def transcript_fingerprint(doc: TranscriptDocument) -> bytes:
    """A digest of everything the transcript's PDF depends on: the document (a frozen dataclass of dates, text and
    Decimals, whose repr is exact) and the templates and stylesheets that draw it."""
    return _digest(b"transcript", doc)


def transcript_body_fingerprint(doc: TranscriptDocument) -> bytes:
    """The same for the transcript's body (`render_transcript_body`): everything but the printing day."""
    return _digest(b"body", replace(doc, printed_on=date.min))


def _digest(part: bytes, doc: TranscriptDocument) -> bytes:
    digest = _TRANSCRIPT_TEMPLATES.copy()
    digest.update(part + repr(doc).encode())
    return digest.digest()


# The templates' part of every fingerprint, hashed once.
_TRANSCRIPT_TEMPLATES = hashlib.sha256(
    b"".join((_TEMPLATES / name).read_bytes() for name in ("transcript.html", "transcript.css", "transcript-stamp.css"))
)


def render_transcript_pdf(doc: TranscriptDocument) -> bytes:
    """Portrait Letter pages in the certificate's style; the table header repeats on every page, and every page's
    footer has the printing date, the provider and "Page i of n"."""
    return stamp_transcript(render_transcript_body(doc), doc)


def render_transcript_body(doc: TranscriptDocument) -> bytes:
    """Every page of the transcript but what changes with the day: no printing date (its place on the first page is
    kept free) and no footers. This is the long part (about 10 ms a row); it is the same PDF on any day, so it can be
    rendered ahead and kept (`transcript_body_fingerprint`)."""
    html = _env.get_template("transcript.html").render(doc=doc, part="body")
    typesetter = _typesetter
    document = weasyprint.HTML(string=html, url_fetcher=typesetter.url_fetcher)
    return document.write_pdf(stylesheets=[typesetter.transcript], font_config=typesetter.fonts)


def stamp_transcript(body: bytes, doc: TranscriptDocument) -> bytes:
    """The transcript `body` (from `render_transcript_body(doc)`) with the printing date and the footers drawn over
    its pages: one page of them per page of the body, laid out by WeasyPrint (a few ms a page) and laid over the body's
    pages unchanged."""
    with pikepdf.open(io.BytesIO(body)) as pdf:
        html = _env.get_template("transcript.html").render(doc=doc, part="stamp", pages=len(pdf.pages))
        typesetter = _typesetter
        stamp = weasyprint.HTML(string=html, url_fetcher=typesetter.url_fetcher).write_pdf(
            stylesheets=[typesetter.transcript, typesetter.transcript_stamp], font_config=typesetter.fonts
        )
        with pikepdf.open(io.BytesIO(stamp)) as footers:
            if len(footers.pages) != len(pdf.pages):
                raise RuntimeError(f"the transcript's stamp has {len(footers.pages)} pages for {len(pdf.pages)}")
            for page, footer in zip(pdf.pages, footers.pages, strict=True):
                _lay_over(page, footer)
            pdf.docinfo["/CreationDate"] = f"D:{doc.printed_on:%Y%m%d}"  # as WeasyPrint writes dcterms.created
            out = io.BytesIO()
            # Deterministic, as the body is: the same transcript on the same day is the same bytes.
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    return out.getvalue()


def _lay_over(page: pikepdf.Page, over: pikepdf.Page) -> None:
    """`over` drawn on top of `page` (the same size), as pikepdf's add_overlay does but under a fixed name rather than
    a random one, so that the same transcript is the same bytes."""
    form = over.as_form_xobject()
    # WeasyPrint's pages share one resource dictionary: each page gets its own (sharing what is in it), which names
    # only its own stamp.
    resources = pikepdf.Dictionary(dict(page.resources.items()))
    forms = resources.get("/XObject")
    resources.XObject = pikepdf.Dictionary(dict(forms.items()) if isinstance(forms, pikepdf.Dictionary) else {})
    page.obj.Resources = resources
    name = page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name("/OpenCMEStamp"), replace_existing=False)
    placed = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + placed)
    page.contents_coalesce()
