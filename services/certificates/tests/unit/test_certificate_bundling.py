"""Bundles of frozen certificate PDFs: every page as it was frozen, one font per face for all of them."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from datetime import date

import pikepdf
import pypdf
import pytest
from certificates_testing import make_document

from certificates.bundling import _read_subset, combine_pdfs
from certificates.rendering import CertificateDocument, render_certificate_pdf

# Names whose letters reach well past ASCII, so each certificate's subsets hold glyphs the others' lack.
NAMES = ("Zoë Ångström", "Nguyễn Thị Minh Khai", "Øyvind Ødegård", "Renée O'Brien-Łukasiewicz", "Jane Q. Doe")


@functools.cache
def frozen(index: int) -> bytes:
    doc: CertificateDocument = make_document(
        learner_name=NAMES[index],
        certificate_number=f"OC-2026-{index:06d}",
        activity_title=f"Grand Rounds {index}: Sepsis — what changed in {2020 + index}?",
        issued_on=date(2026, 3, 1 + index),
    )
    return render_certificate_pdf(doc)


OPENED: list[pikepdf.Pdf] = []


def opened(pdf: bytes) -> pikepdf.Pdf:
    """The PDF, kept open for the module (pikepdf objects die with their document)."""
    OPENED.append(pikepdf.open(io.BytesIO(pdf)))
    return OPENED[-1]


def fonts_of(resources: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    """Every font `resources` names, its forms' included (a certificate is drawn in layers, each a form)."""
    yield from resources.get("/Font", {}).values()
    for form in resources.get("/XObject", {}).values():
        yield from fonts_of(form.get("/Resources", pikepdf.Dictionary()))


def fonts_by_page(pdf: pikepdf.Pdf) -> list[dict[str, list[pikepdf.Dictionary]]]:
    """For each page, the fonts it draws with by face ("DejaVu-Sans"), the subset tag dropped."""
    pages = []
    for page in pdf.pages:
        faces: dict[str, list[pikepdf.Dictionary]] = {}
        for font in fonts_of(page.Resources):
            faces.setdefault(str(font.BaseFont).split("+", 1)[1], []).append(font)
        pages.append(faces)
    return pages


def objgens(fonts: list[pikepdf.Dictionary]) -> set[tuple[int, int]]:
    return {font.objgen for font in fonts}


def drawn(page: pikepdf.Page) -> list[bytes]:
    """What the page draws: its content stream and each of its forms', in the order of their names."""
    forms = page.Resources.get("/XObject", {})
    return [page.Contents.read_bytes(), *(forms[name].read_bytes() for name in sorted(forms.keys()))]


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def bundle() -> bytes:
    return combine_pdfs(frozen(i) for i in range(len(NAMES)))


def test_every_page_keeps_its_frozen_content_and_text_in_the_order_given(bundle):
    combined = opened(bundle)
    assert len(combined.pages) == len(NAMES)
    for index, page in enumerate(combined.pages):
        single = opened(frozen(index)).pages[0]
        assert drawn(page) == drawn(single)
    assert text_of(bundle) == [text_of(frozen(i))[0] for i in range(len(NAMES))]
    assert all(name in text for name, text in zip(NAMES, text_of(bundle), strict=True))


def test_the_pages_share_one_font_per_face(bundle):
    pages = fonts_by_page(opened(bundle))
    faces = set(pages[0])
    assert {"DejaVu-Sans", "DejaVu-Serif", "DejaVu-Serif-Bold"} <= faces
    for face in faces:
        # One font for all the pages, and for every layer of each (a certificate's layers each have their subsets).
        assert len(set().union(*(objgens(page[face]) for page in pages if face in page))) == 1, face


def test_the_shared_font_holds_every_glyph_and_width_each_page_was_frozen_with(bundle):
    shared = fonts_by_page(opened(bundle))
    for index in range(len(NAMES)):
        own = fonts_by_page(opened(frozen(index)))[0]
        for face, fonts in own.items():
            assert len(objgens(shared[index][face])) == 1  # one font for all the layers
            merged = _read_subset(shared[index][face][0])
            for font in fonts:
                mine = _read_subset(font)
                assert mine is not None and merged is not None
                assert mine.glyphs.items() <= merged.glyphs.items(), face
                assert mine.widths.items() <= merged.widths.items(), face
                assert mine.to_unicode.items() <= merged.to_unicode.items(), face


def test_a_bundle_weighs_far_less_than_its_certificates_apart(bundle):
    apart = sum(len(frozen(i)) for i in range(len(NAMES)))
    assert len(bundle) < apart / 2


def test_the_same_certificates_make_the_same_bytes(bundle):
    assert combine_pdfs(frozen(i) for i in range(len(NAMES))) == bundle


def test_each_certificate_has_a_bookmark_to_its_page(bundle):
    combined = opened(bundle)
    with combined.open_outline() as outline:
        items = [(item.title, item.destination[0].objgen) for item in outline.root]
    assert [title for title, _ in items] == [str(opened(frozen(i)).docinfo.Title) for i in range(len(NAMES))]
    assert items[0][0].startswith("Certificate OC-2026-000000")
    assert [target for _, target in items] == [page.objgen for page in combined.pages]


def with_width_changed(pdf: bytes, face: str) -> bytes:
    """The PDF with the first width of each of one face's subsets changed, as a certificate frozen with another version
    of the font would differ."""
    document = pikepdf.open(io.BytesIO(pdf))
    for font in fonts_by_page(document)[0][face]:
        widths = font.DescendantFonts[0].W
        widths[1][0] = int(widths[1][0]) + 7
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_subsets_that_disagree_on_a_glyph_are_not_merged():
    changed = with_width_changed(frozen(1), "DejaVu-Sans")
    bundle = combine_pdfs([frozen(0), changed, frozen(2)])
    pages = fonts_by_page(opened(bundle))
    sans = [objgens(page["DejaVu-Sans"]) for page in pages]
    assert len(sans[0]) == 1 and sans[0] == sans[2] and not sans[0] & sans[1]
    kept = [_read_subset(font) for font in pages[1]["DejaVu-Sans"]]
    for font in fonts_by_page(opened(changed))[0]["DejaVu-Sans"]:
        mine = _read_subset(font)
        assert mine is not None
        assert any(k is not None and mine.widths.items() <= k.widths.items() for k in kept)
    # The other faces agree and are still shared.
    assert len(set().union(*(objgens(page["DejaVu-Serif"]) for page in pages))) == 1


def test_one_certificate_is_bundled_as_it_is():
    bundle = combine_pdfs([frozen(3)])
    assert text_of(bundle) == text_of(frozen(3))
    assert len(bundle) <= len(frozen(3)) * 1.2


def test_the_documents_are_used_as_given_not_rerendered():
    # A document WeasyPrint never wrote (no TrueType subsets at all) is carried over untouched.
    other = pikepdf.new()
    other.add_blank_page(page_size=(612, 792))
    out = io.BytesIO()
    other.save(out)
    bundle = combine_pdfs([out.getvalue(), frozen(0)])
    assert len(opened(bundle).pages) == 2
    assert text_of(bundle)[1] == text_of(frozen(0))[0]


def test_certificates_of_one_activity_share_its_backdrop_in_the_bundle():
    same_activity = [
        render_certificate_pdf(make_document(learner_name=name, certificate_number=f"OC-2026-{n:06d}"))
        for n, name in enumerate(NAMES[:3])
    ]

    combined = opened(combine_pdfs(same_activity))

    forms = [page.Resources.XObject for page in combined.pages]
    assert [sorted(f.keys()) for f in forms] == [["/L0", "/L1", "/L2", "/L3"]] * 3
    # The backdrop's two layers (L0, L2): one copy each for the three pages; each learner's parts (L1, L3) their own.
    assert len({f[name].objgen for f in forms for name in ("/L0", "/L2")}) == 2
    assert len({f[name].objgen for f in forms for name in ("/L1", "/L3")}) == 6
    for page, pdf in zip(combined.pages, same_activity, strict=True):
        assert drawn(page) == drawn(opened(pdf).pages[0])
