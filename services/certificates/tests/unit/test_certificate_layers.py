"""A certificate put together from its activity's backdrop and the learner's own parts looks exactly as the certificate
laid out whole would: the same text at the same places, the same link, the same order of reading."""

from __future__ import annotations

import io
from datetime import date

import pikepdf
import pypdf
import pytest
from certificates_testing import AMA_STATEMENT, MOC_STATEMENT, make_credit, make_document, text_runs

from certificates import rendering
from certificates.rendering import CertificateDocument, render_certificate_pdf, render_whole_certificate_pdf


def links(pdf: bytes) -> list[tuple[str, list[float]]]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            (str(link.A.URI), [round(float(v), 2) for v in link.Rect]) for link in document.pages[0].get("/Annots", [])
        ]


def bookmarks(pdf: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as outline:
        return [item.title for item in outline.root]


def layered(doc: CertificateDocument) -> bytes:
    pdf = render_certificate_pdf(doc)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert "/XObject" in document.pages[0].Resources, "laid out whole, not over the backdrop"
    return pdf


LEARNERS = (
    make_document(),
    make_document(learner_name="Zoë Ångström", learner_degree=None, certificate_number="OC-2026-004711",
                  verification_code="ZZZZ-9999-QQQQ", verification_url="https://cme.example.org/verify/ZZZZ-9999-QQQQ",
                  issued_on=date(2026, 12, 31)),
)  # fmt: skip
ACTIVITIES = {
    "one-credit": {},
    "two-credit-types": {"credits": (make_credit(amount="1.75"), make_credit(label="ABIM MOC point", amount="2",
                                                                             statement=MOC_STATEMENT))},
    "attendance-only": {"credits": ()},
    "compact": {"activity_title": "Annual Comprehensive Review of Internal Medicine 2026: " * 3,
                "credits": tuple(make_credit(label=f"Credit type {n}", statement=AMA_STATEMENT) for n in range(3))},
    "tight": {"activity_title": "Annual Comprehensive Review of Internal Medicine 2026: " * 3,
              "credits": tuple(make_credit(label=f"Credit type {n}", statement=AMA_STATEMENT) for n in range(5))},
}  # fmt: skip


@pytest.mark.parametrize("activity", ACTIVITIES.values(), ids=ACTIVITIES.keys())
@pytest.mark.parametrize("learner", LEARNERS, ids=["jane", "zoe"])
def test_the_layered_certificate_shows_what_the_whole_one_does_where_it_does(activity, learner):
    doc = make_document(**{**learner.__dict__, **activity})

    fast, whole = layered(doc), render_whole_certificate_pdf(doc)

    assert sorted(text_runs(fast)) == sorted(text_runs(whole))
    assert links(fast) == links(whole) == [(doc.verification_url, links(whole)[0][1])]
    assert bookmarks(fast) == bookmarks(whole)
    assert pypdf.PdfReader(io.BytesIO(fast)).metadata == pypdf.PdfReader(io.BytesIO(whole)).metadata


def test_the_name_comes_between_the_words_before_and_after_it_and_the_footer_reads_in_order():
    text = " ".join(run[0].strip() for run in text_runs(layered(make_document())))

    assert "This is to certify that Jane Q. Doe, MD participated in Updates in Hospital Medicine 2026" in " ".join(
        text.split()
    )
    order = [text.index(s) for s in ("CERTIFICATE NUMBER", "OC-2026-000123", "March 20, 2026", "7KQ2-M9XD-4TPA",
                                      "Verify at", "https://cme.example.org/verify/7KQ2-M9XD-4TPA")]  # fmt: skip
    assert order == sorted(order)


def test_nothing_of_the_backdrops_stand_in_learner_shows():
    pdf = layered(make_document())
    text = " ".join(run[0] for run in text_runs(pdf))

    for stand_in in rendering._STAND_INS.values():
        if isinstance(stand_in, date):
            stand_in = rendering.format_long_date(stand_in)
        if stand_in:
            assert stand_in not in text
    assert [uri for uri, _ in links(pdf)] == ["https://cme.example.org/verify/7KQ2-M9XD-4TPA"]


def test_a_name_too_long_for_the_backdrops_line_is_laid_out_whole():
    doc = make_document(learner_name="Maria-Fernanda Alessandra de los Santos Villanueva-Rodríguez y Castellanos")

    pdf = render_certificate_pdf(doc)

    assert pdf == render_whole_certificate_pdf(doc)
    assert doc.learner_name in " ".join(" ".join(run[0] for run in text_runs(pdf)).split())


def test_the_backdrop_is_drawn_once_per_activity_and_credit(monkeypatch):
    drawn: list[CertificateDocument] = []
    draw = rendering.draw_backdrop
    monkeypatch.setattr(rendering, "draw_backdrop", lambda shared: drawn.append(shared) or draw(shared))
    activity = "Backdrop Counting Grand Rounds"

    for number, name in enumerate(["Ann Lee", "Bo Chen", "Cy Diaz"]):
        layered(make_document(activity_title=activity, learner_name=name, certificate_number=f"OC-2026-{number:06d}"))
    layered(make_document(activity_title=activity, credits=(make_credit(amount="0.5"),)))

    assert [shared.credits[0].amount for shared in drawn] == [make_credit().amount, make_credit(amount="0.5").amount]


def test_the_same_certificate_is_the_same_bytes_with_or_without_its_backdrop_kept(monkeypatch):
    doc = make_document(activity_title="Bytes Grand Rounds")
    first = render_certificate_pdf(doc)  # the backdrop drawn now

    assert render_certificate_pdf(doc) == first  # the backdrop kept
    monkeypatch.setattr(rendering, "BACKDROPS_KEPT", 0)
    render_certificate_pdf(make_document(activity_title="Another"))  # pushes every kept backdrop out
    assert render_certificate_pdf(doc) == first  # drawn again
