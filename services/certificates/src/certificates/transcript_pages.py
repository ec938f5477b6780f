"""A learner's transcript as a PDF: portrait Letter pages in the certificate's style, a row per certificate, the column
headings repeated at the top of every page of rows, the totals per credit type, and on every page a footer with the
printing date, the provider and "Page i of n".

Laid out as one document, hundreds of rows cost WeasyPrint seconds (about 8 ms a row on two cores here). So it is not:
every row is drawn once as a *strip* (a page of its own, as wide as the transcript's text and as tall as the row) and
kept (`StripSheet`, many rows to a sheet, per learner). A print draws only what is its own (the header with the
learner, period and date, the column headings and the totals: `frame`), stacks its strips and the kept rows' strips
onto Letter pages itself (`_paginate`: a row never splits, the headings top every page of rows), and lays the footers
over them. Each strip goes onto the page whole, as a form of its own: what a page shows is all it holds, so a
period's transcript carries no trace of rows outside it.

Pure: no database, no broker, no network; the templates are transcript.html and its stylesheets.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pikepdf
import weasyprint

from certificates.rendering import stylesheet_text, template, typesetter

POINTS_PER_CSS_PX = 0.75  # WeasyPrint measures in CSS pixels (1/96 in); PDF in points (1/72 in)

# The page, in points: portrait Letter with margins of 0.6 in (0.7 in at the foot, for the footer).
PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 43.2, 43.2, 50.4
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
TEXT_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# A strip's page: as wide as the text, as tall as the most a page can hold (the strip is what its box covers).
_STRIP_PAGE_CSS = f"@page {{ size: {TEXT_WIDTH}pt {TEXT_HEIGHT}pt; margin: 0; }}"
# Read once: every strip document is drawn with them (parsed once per thread by the typesetter, keyed by their text).
_STYLESHEETS = tuple(stylesheet_text(name) for name in ("transcript.css", "transcript-strips.css"))


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


@dataclass(frozen=True)
class StripSheet:
    """Strips drawn together: page i of `pdf` is the strip of the row whose digest (`row_digest`) is `rows[i]`, and the
    strip is `heights[i]` points tall from the top of its page."""

    pdf: bytes
    rows: tuple[bytes, ...]
    heights: tuple[float, ...]


# The templates' part of every digest, hashed once: a change to how rows are drawn is another digest, so a strip drawn
# by older templates is never used.
_TEMPLATES = hashlib.sha256(b"".join(text.encode() for text in (stylesheet_text("transcript.html"), *_STYLESHEETS)))


def _digest(part: bytes, value: object) -> bytes:
    # The documents are frozen dataclasses of dates, text and Decimals, whose repr is exact.
    digest = _TEMPLATES.copy()
    digest.update(part + repr(value).encode())
    return digest.digest()


def row_digest(row: TranscriptRow) -> bytes:
    """What a row's strip depends on: the row and the templates."""
    return _digest(b"row", row)


def transcript_fingerprint(doc: TranscriptDocument) -> bytes:
    """What the printed transcript depends on: the document (the printing day included) and the templates."""
    return _digest(b"transcript", doc)


def missing_rows(
    rows: Sequence[TranscriptRow], sheets: Sequence[StripSheet], digests: Sequence[bytes] | None = None
) -> tuple[TranscriptRow, ...]:
    """The rows of `rows` that no sheet has a strip of, each once (`digests`: the rows', if the caller has them)."""
    kept = {digest for sheet in sheets for digest in sheet.rows}
    missing: dict[bytes, TranscriptRow] = {}
    for row, digest in zip(rows, digests if digests is not None else map(row_digest, rows), strict=True):
        if digest not in kept:
            missing.setdefault(digest, row)
    return tuple(missing.values())


Extent = tuple[float, float]  # how far a strip reaches from its page's top left: (width, height) in points


def _strips(part: str, strip_ids: Sequence[str], **context: object) -> tuple[bytes, tuple[Extent, ...]]:
    """The strips of `part` (transcript.html), a page each, and their extents: where the box `strip_ids[i]` of page i
    ends."""
    fonts = typesetter()
    html = template("transcript.html").render(part=part, **context)
    document = weasyprint.HTML(string=html, url_fetcher=fonts.url_fetcher).render(
        stylesheets=[fonts.css(text) for text in (*_STYLESHEETS, _STRIP_PAGE_CSS)],
        font_config=fonts.fonts,
    )
    if len(document.pages) != len(strip_ids):
        raise ValueError(f"{len(strip_ids)} strips took {len(document.pages)} pages: one is taller than a page")
    extents = []
    for page, strip_id in zip(document.pages, strip_ids, strict=True):
        # An anchor is its box's border box as drawn: (x1, y1, x2, y2) from the page's top left.
        box = page.anchors.get(strip_id)
        if box is None or box[0] != 0 or box[1] != 0:
            raise ValueError(f"strip {strip_id} does not start at the top left of its page")
        extents.append((box[2] * POINTS_PER_CSS_PX, box[3] * POINTS_PER_CSS_PX))
    return document.write_pdf(), tuple(extents)


def render_strips(rows: Sequence[TranscriptRow]) -> StripSheet:
    """The strips of `rows`, one sheet (about 12 ms a row). A module-level function: render processes call it."""
    pdf, extents = _strips("rows", [f"row-{i}" for i in range(len(rows))], doc=None, rows=rows)
    return StripSheet(pdf, tuple(row_digest(row) for row in rows), tuple(height for _, height in extents))


@functools.lru_cache(maxsize=64)
def _page_numbers(pages: int) -> tuple[bytes, tuple[Extent, ...]]:
    """The footers' "Page i of `pages`" for every i, a strip each: the same for every transcript of that length, so
    drawn once per process."""
    return _strips("page numbers", [f"page-{i}" for i in range(1, pages + 1)], doc=None, pages=pages)


@dataclass(frozen=True)
class _Placed:
    source: int  # index into the sources (0: the frame, then the sheets)
    page: int
    height: float


def _paginate(
    header: _Placed, columns: _Placed | None, rows: Sequence[_Placed], tail: Sequence[_Placed]
) -> list[list[_Placed]]:
    """The strips on each page, top to bottom: the header first, then the rows, every page of them starting with the
    column headings, then `tail`. A strip that does not fit below the last one starts a new page (a row with the
    headings above it: they are never left alone at the foot of a page)."""
    pages: list[list[_Placed]] = [[header]]
    room = TEXT_HEIGHT - header.height

    def place(*strips: _Placed) -> None:
        nonlocal room
        needed = sum(strip.height for strip in strips)
        if needed > room:
            pages.append([])
            room = TEXT_HEIGHT
        pages[-1].extend(strips)
        room -= needed

    for row in rows:
        if columns is not None and columns not in pages[-1]:
            place(columns, row)
        else:
            before = len(pages)
            place(row)
            if len(pages) > before and columns is not None:  # a new page: the headings go above its first row
                pages[-1].insert(0, columns)
                room -= columns.height
    for strip in tail:
        place(strip)
    return pages


def print_transcript(doc: TranscriptDocument, sheets: Sequence[StripSheet]) -> bytes:
    """The transcript `doc` as printed on `doc.printed_on`, its rows' strips taken from `sheets` (a row no sheet has
    is drawn now). The same bytes for the same document and sheets."""
    digests = [row_digest(row) for row in doc.rows]  # each row's once
    if missing := missing_rows(doc.rows, sheets, digests):
        sheets = [*sheets, render_strips(missing)]
    where: dict[bytes, _Placed] = {}
    for number, sheet in enumerate(sheets, start=1):
        for page, (digest, height) in enumerate(zip(sheet.rows, sheet.heights, strict=True)):
            where.setdefault(digest, _Placed(number, page, height))
    frame_ids = ["header", "columns" if doc.rows else "empty", "totals", "printed"]
    frame_pdf, frame_extents = _strips("frame", frame_ids, doc=doc)
    frame = {
        name: _Placed(0, i, extent[1]) for i, (name, extent) in enumerate(zip(frame_ids, frame_extents, strict=True))
    }
    rows = [where[digest] for digest in digests]
    if doc.rows:
        pages = _paginate(frame["header"], frame["columns"], rows, [frame["totals"]])
    else:
        pages = _paginate(frame["header"], None, [], [frame["empty"], frame["totals"]])
    numbers_pdf, numbers = _page_numbers(len(pages))
    sources = [frame_pdf, *(sheet.pdf for sheet in sheets), numbers_pdf]
    # Each page's footers, from their left edges: the printing date and provider, and "Page i of n" flush right.
    footers = [
        [(frame["printed"], MARGIN_SIDE), (_Placed(len(sources) - 1, i, height), PAGE_WIDTH - MARGIN_SIDE - width)]
        for i, (width, height) in enumerate(numbers)
    ]
    return _assemble(doc, sources, pages, footers)


def _assemble(
    doc: TranscriptDocument,
    sources: Sequence[bytes],
    pages: Sequence[Sequence[_Placed]],
    footers: Sequence[Sequence[tuple[_Placed, float]]],
) -> bytes:
    """Letter pages with the strips of `pages` placed top to bottom from the top margin, and their `footers` (each from
    its left edge) in the middle of the bottom margin."""
    out = pikepdf.new()
    opened = [pikepdf.open(io.BytesIO(pdf)) for pdf in sources]
    try:
        forms: dict[tuple[int, int], pikepdf.Object] = {}  # each strip copied once, however often it is placed
        for strips, page_footers in zip(pages, footers, strict=True):
            top = PAGE_HEIGHT - MARGIN_TOP
            placed = []  # (strip, left, top)
            for strip in strips:
                placed.append((strip, MARGIN_SIDE, top))
                top -= strip.height
            placed += [(strip, left, (MARGIN_BOTTOM + strip.height) / 2) for strip, left in page_footers]
            names = pikepdf.Dictionary()
            drawn = []
            for i, (strip, left, top) in enumerate(placed):
                key = (strip.source, strip.page)
                if key not in forms:
                    forms[key] = out.copy_foreign(opened[strip.source].pages[strip.page].as_form_xobject())
                names[f"/S{i}"] = forms[key]
                # The form is the strip's page: its top edge (where the strip starts) goes to `top`.
                drawn.append(f"q 1 0 0 1 {left:.4f} {top - TEXT_HEIGHT:.4f} cm /S{i} Do Q")
            page = out.add_blank_page(page_size=(PAGE_WIDTH, PAGE_HEIGHT))
            page.obj.Resources = pikepdf.Dictionary(XObject=names)
            page.obj.Contents = out.make_stream("\n".join(drawn).encode())
        out.docinfo = out.make_indirect(pikepdf.Dictionary(dict(opened[0].docinfo.items())))  # title, author, producer
        out.docinfo["/CreationDate"] = f"D:{doc.printed_on:%Y%m%d}"
        out.Root.Lang = pikepdf.String("en")
        buffer = io.BytesIO()
        # Deterministic: the same transcript on the same day from the same strips is the same bytes.
        out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    finally:
        for pdf in opened:
            pdf.close()
    return buffer.getvalue()
