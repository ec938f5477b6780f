"""The transcript PDF drawn from strips (transcript_pages.py): what a print shows, whatever strips it had."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pikepdf
import pypdf
import pytest

from certificates.transcript_pages import (
    TEXT_HEIGHT,
    TranscriptCredit,
    TranscriptDocument,
    TranscriptRow,
    _paginate,
    _Placed,
    missing_rows,
    print_transcript,
    render_strips,
    transcript_fingerprint,
)

AMA = "AMA PRA Category 1 Credit™"


def rows(count: int, *, year: int = 2024) -> tuple[TranscriptRow, ...]:
    return tuple(
        TranscriptRow(
            f"OC-{year}-{i:06d}",
            f"Sepsis Update {i}",
            "Live course",
            date(year, 1 + i % 12, 1 + i % 28),
            (TranscriptCredit(AMA, Decimal("1.25")),),
        )
        for i in range(count)
    )


def transcript(items: tuple[TranscriptRow, ...], **changes: object) -> TranscriptDocument:
    total = (TranscriptCredit(AMA, sum((r.credits[0].amount for r in items), Decimal(0))),) if items else ()
    doc = TranscriptDocument("Jane Doe", "MD", "Acme Clinic", None, None, items, total, date(2026, 12, 1))
    return replace(doc, **changes)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_has_the_headings_above_its_rows_and_the_day_and_its_number_in_the_footer():
    doc = transcript(rows(40))

    pages = pages_text(print_transcript(doc, [render_strips(doc.rows)]))

    assert len(pages) > 1
    assert "Jane Doe, MD" in pages[0] and "December 1, 2026" in pages[0] and "All activities" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert "Printed December 1, 2026 · Acme Clinic" in text and f"Page {number} of {len(pages)}" in text
        assert text.index("COMPLETED") < text.index("Sepsis Update")  # the headings top every page of rows
    shown = [title for text in pages for title in (f"Sepsis Update {i}" for i in range(40)) if f"{title}\n" in text]
    assert shown == [f"Sepsis Update {i}" for i in range(40)]  # every row once, in order
    assert "Totals" in pages[-1] and "AMA PRA Category 1 Credits™ 50" in pages[-1]


def test_a_print_from_kept_strips_is_the_print_that_draws_them_all_and_the_same_bytes_every_time():
    doc = transcript(rows(12))
    sheet = render_strips(doc.rows)

    kept = print_transcript(doc, [sheet])

    assert kept == print_transcript(doc, [sheet])
    assert pages_text(kept) == pages_text(print_transcript(doc, []))


def test_a_period_shows_only_its_rows_even_from_a_sheet_of_all_of_them():
    earlier, later = rows(5, year=2022), rows(5, year=2025)
    sheet = render_strips(earlier + later)
    doc = transcript(later, period_from=date(2025, 1, 1))

    pdf = print_transcript(doc, [sheet])

    text = "\n".join(pages_text(pdf))
    assert "OC-2025-000004" in text and "From January 1, 2025" in text
    assert "OC-2022" not in text
    # Nothing else of the sheet is in the file, not even undrawn: every form in it is drawn on a page.
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        forms = {o.objgen for o in opened.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"}
        drawn = {form.objgen for page in opened.pages for form in page.Resources.XObject.values()}
    assert forms == drawn and len(forms) == 5 + 4 + 1  # the rows, the frame's four strips, "Page 1 of 1"


def test_rows_no_sheet_has_are_drawn_when_printed():
    doc = transcript(rows(3))
    sheet = render_strips(doc.rows[:2])

    assert missing_rows(doc.rows, [sheet]) == doc.rows[2:]
    assert "Sepsis Update 2" in "\n".join(pages_text(print_transcript(doc, [sheet])))


def test_a_transcript_without_certificates_says_so():
    text = "\n".join(pages_text(print_transcript(transcript(()), [])))

    assert "No certificates in this period." in text and "No credit in this period." in text and "Page 1 of 1" in text


def test_the_fingerprint_changes_with_the_day_and_with_any_row():
    doc = transcript(rows(2))

    assert transcript_fingerprint(doc) == transcript_fingerprint(transcript(rows(2)))
    assert transcript_fingerprint(doc) != transcript_fingerprint(replace(doc, printed_on=date(2026, 12, 2)))
    assert transcript_fingerprint(doc) != transcript_fingerprint(replace(doc, rows=rows(3)[:1] + rows(3)[2:]))


def strip(height: float, page: int = 0) -> _Placed:
    return _Placed(1, page, height)


@pytest.mark.parametrize("room_left", [5.0, 25.0, 35.0])
def test_the_headings_are_never_left_alone_at_the_foot_of_a_page(room_left):
    header, columns = _Placed(0, 0, TEXT_HEIGHT - room_left), _Placed(0, 1, 20.0)

    pages = _paginate(header, columns, [strip(30.0, i) for i in range(3)], [_Placed(0, 2, 50.0)])

    for page in pages:
        if columns in page:
            assert page[page.index(columns) + 1].source == 1  # a row follows
    assert all(sum(s.height for s in page) <= TEXT_HEIGHT for page in pages)
    assert [s.page for page in pages for s in page if s.source == 1] == [0, 1, 2]


def test_a_strip_that_does_not_fit_below_the_last_starts_a_new_page():
    header, columns = _Placed(0, 0, 100.0), _Placed(0, 1, 20.0)
    per_page = int((TEXT_HEIGHT - 20.0) // 60.0)

    pages = _paginate(header, columns, [strip(60.0, i) for i in range(2 * per_page)], [_Placed(0, 2, 50.0)])

    assert [page.count(columns) for page in pages[:-1]] == [1] * (len(pages) - 1)
    assert sum(1 for s in pages[1] if s.source == 1) == per_page  # a full page of rows under its headings
    assert pages[-1][-1] == _Placed(0, 2, 50.0)
