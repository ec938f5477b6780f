"""Certificate rendering: a CertificateDocument in, self-contained HTML or a one-page PDF out. A learner's transcript
is drawn in `transcript_pages` with the same fonts and filters; several frozen PDFs are joined in `bundling`.

Pure: no database, no broker, no network. The only files read are the templates beside this module.
A certificate with credit is a "Certificate of Completion"; one without (attendance only) a "Certificate of Attendance".
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import segno
import weasyprint
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from certificates.domain import amount_label, stated_amount
from certificates.pdf_layers import lay_over

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


def _render_html(
    doc: CertificateDocument,
    density: str,
    *,
    inline_css: bool,
    part: str = "whole",
    layer: str = "",
    slots: dict[str, str] | None = None,
) -> str:
    return _env.get_template("certificate.html").render(
        doc=doc,
        density=density,
        qr_svg=_qr_svg(doc.verification_url),
        inline_css=inline_css,
        part=part,
        layer=layer,
        slots=slots,
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


BACKDROPS_KEPT = 16  # per thread; a backdrop is ~25 KB


class _Typesetter(threading.local):
    """What every document of one thread shares: one FontConfiguration and the stylesheets parsed once against it.

    A FontConfiguration per document cost its set-up on every certificate and kept ~230 KiB each (Pango font maps
    that are never freed); one per thread keeps memory flat. Per thread because Pango's font maps are not meant to be
    shared between threads (the API renders transcripts on worker threads; the certificates worker renders in
    single-threaded processes)."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.url_fetcher = _offline_url_fetcher()
        self._sheets: dict[str, weasyprint.CSS] = {}
        self.certificate = self.css(stylesheet_text("certificate.css"))
        self._backdrops: OrderedDict[CertificateDocument, Backdrop | None] = OrderedDict()

    def backdrop(self, shared: CertificateDocument) -> Backdrop | None:
        """The backdrop of `shared`, drawn the first time and kept for the next certificates of the activity (the
        last few activities' backdrops: a surge is one activity, a busy day a handful)."""
        if shared in self._backdrops:
            self._backdrops.move_to_end(shared)
            return self._backdrops[shared]
        backdrop = self._backdrops[shared] = draw_backdrop(shared)
        if len(self._backdrops) > BACKDROPS_KEPT:
            self._backdrops.popitem(last=False)
        return backdrop

    def css(self, text: str) -> weasyprint.CSS:
        """The stylesheet `text`, parsed once per thread."""
        sheet = self._sheets.get(text)
        if sheet is None:
            sheet = self._sheets[text] = weasyprint.CSS(string=text, font_config=self.fonts)
        return sheet


_typesetter = _Typesetter()


def typesetter() -> _Typesetter:
    """This thread's fonts, URL fetcher and parsed stylesheets."""
    return _typesetter


def template(name: str) -> jinja2.Template:
    """A template beside this module, with the filters of the certificate (dates, amounts, labels)."""
    return _env.get_template(name)


def _fits(page: weasyprint.Page) -> bool:
    """Header, main part and footer do not overlap (they are positioned, so none of them pushes another away)."""
    # Each anchor is its box's border box as drawn (x1, y1, x2, y2), transforms applied; y grows downwards.
    header, main, footer = (page.anchors[name] for name in ("header", "main", "footer"))
    return header[3] <= main[1] and main[3] <= footer[1]


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    """One landscape Letter page, byte-identical for the same input (the only date in it is issued_on).

    Long titles or several credit types are set in a denser layout; content that fits none of them raises
    CertificateDoesNotFit rather than spilling onto a second page or under the footer.

    Most of a certificate is the same for every learner of an activity, and laying it out is most of the cost. So the
    page is put together from the activity's backdrop (drawn once per thread, `Backdrop`) and the learner's own parts
    laid over it where the backdrop kept their places: about half the work of the whole. When a part is not the
    size the backdrop kept for it (a name too long for one line), the certificate is laid out whole instead. Either way
    the page looks the same: the fast way only skips laying out again what a learner does not change.
    """
    backdrop = _typesetter.backdrop(_shared_part(doc))
    if backdrop is not None:
        own = _render_own_parts(doc, backdrop)
        if own is not None:
            # In reading order: the opening, the name, the rest, the footer's facts, QR code and link.
            return lay_over([(backdrop.pdf, 0), (own, 0), (backdrop.pdf, 1), (own, 1)], described_by=own)
    return render_whole_certificate_pdf(doc)


def render_whole_certificate_pdf(doc: CertificateDocument) -> bytes:
    """The certificate laid out in one piece (what `render_certificate_pdf` falls back to)."""
    for density in _DENSITIES:
        rendered = _layout(doc, density)
        if len(rendered.pages) == 1 and _fits(rendered.pages[0]):
            return rendered.write_pdf()
    raise CertificateDoesNotFit(
        f"certificate {doc.certificate_number} does not fit on one page even in the {density} layout"
    )


def _layout(doc: CertificateDocument, density: str, *, part: str = "whole", **context: Any) -> weasyprint.Document:
    typesetter = _typesetter
    html = _render_html(doc, density, inline_css=False, part=part, **context)
    stylesheets = [typesetter.certificate]
    if part != "whole":
        stylesheets.append(typesetter.css(stylesheet_text(f"certificate-{part}.css")))  # backdrop or own
    return weasyprint.HTML(string=html, url_fetcher=typesetter.url_fetcher).render(
        stylesheets=stylesheets, font_config=typesetter.fonts
    )


Box = tuple[float, float, float, float]  # a box's border box on its page: x1, y1, x2, y2 in CSS px from the top left

# The learner's own parts, by page of the "own" document: the name; the footer's facts, QR code and link.
_OWN_PAGES = (("slot-learner",), ("slot-facts", "slot-qr", "slot-verify"))

# The backdrop is drawn with these in place of the learner's: one line of name, an identifier of each kind.
_STAND_INS: dict[str, Any] = {
    "certificate_number": "OC-0000-000000",
    "verification_code": "AAAA-AAAA-AAAA",
    "verification_url": "https://example.org/verify/AAAA-AAAA-AAAA",
    "learner_name": "Learner",
    "learner_degree": None,
    "issued_on": date(2000, 1, 1),
}


def _shared_part(doc: CertificateDocument) -> CertificateDocument:
    """What every certificate of the activity with the same credit shares: `doc` with the learner's own parts left
    out (the key the backdrops are kept under)."""
    return dataclasses.replace(doc, **_STAND_INS)


@dataclass(frozen=True)
class Backdrop:
    """An activity's certificate at `density` without the learner's own parts, as a PDF of two pages, its layers: the
    header and what comes before the learner's name, then the rest; and `slots`, where each own part goes."""

    density: str
    pdf: bytes
    slots: dict[str, Box]


def draw_backdrop(shared: CertificateDocument) -> Backdrop | None:
    """The backdrop of `shared` (see `_shared_part`) at the first density it fits in, or None if it fits none."""
    for density in _DENSITIES:
        rest = _layout(shared, density, part="backdrop", layer="rest")
        if len(rest.pages) == 1 and _fits(rest.pages[0]):
            opening = _layout(shared, density, part="backdrop", layer="opening")
            pdf = opening.copy([*opening.pages, *rest.pages]).write_pdf()
            anchors = rest.pages[0].anchors
            return Backdrop(density, pdf, {name: tuple(anchors[name]) for names in _OWN_PAGES for name in names})
    return None


def _render_own_parts(doc: CertificateDocument, backdrop: Backdrop) -> bytes | None:
    """The learner's own parts of `doc`, each where `backdrop` keeps its place: two pages (see _OWN_PAGES), or None
    if a part comes out another size than the place kept for it."""
    slots = {name: f"left: {x1}px; top: {y1}px; width: {x2 - x1}px" for name, (x1, y1, x2, _) in backdrop.slots.items()}
    rendered = _layout(doc, backdrop.density, part="own", slots=slots)
    if len(rendered.pages) != len(_OWN_PAGES):
        return None
    for page, names in zip(rendered.pages, _OWN_PAGES, strict=True):
        for name in names:
            drawn, kept = page.anchors[name], backdrop.slots[name]
            if any(abs(a - b) > _SAME_PLACE for a, b in zip(drawn, kept, strict=True)):
                return None
    return rendered.write_pdf()


_SAME_PLACE = 0.01  # CSS px: a part drawn this close to its place is at it (1/7200 in; the layout rounds nothing)


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
