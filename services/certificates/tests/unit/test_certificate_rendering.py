from __future__ import annotations

import functools
import io
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
import pytest
from certificates_testing import AMA_STATEMENT, MOC_STATEMENT, claimed, make_credit, make_document, text_runs

from certificates import domain, service
from certificates.rendering import (
    CertificateCredit,
    CertificateDocument,
    CertificateDoesNotFit,
    _offline_url_fetcher,
    _qr_svg,
    credit_label_for,
    format_credit_amount,
    render_certificate_html,
    render_certificate_pdf,
)


@functools.cache
def pdf_of(doc: CertificateDocument) -> bytes:
    # Rendering takes a few hundred milliseconds; several tests read the same certificate.
    return render_certificate_pdf(doc)


def pdf_reader(doc: CertificateDocument) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf_of(doc)))


def pdf_text(doc: CertificateDocument) -> str:
    """Text of the PDF with line breaks and runs of spaces collapsed, so wrapped lines still match."""
    text = "".join(page.extract_text() for page in pdf_reader(doc).pages)
    return " ".join(text.split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_pdf_is_one_landscape_letter_page():
    doc = make_document()

    pdf = pdf_of(doc)
    reader = pdf_reader(doc)

    assert pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792.0, 612.0)  # 11 x 8.5 in


def test_pdf_shows_learner_activity_credit_and_identifiers():
    doc = make_document(
        credits=(
            make_credit(amount="1.75"),
            make_credit(label="ABIM MOC point", amount="2", statement=MOC_STATEMENT),
        )
    )

    text = pdf_text(doc)

    for expected in (
        "Example University School of Medicine",
        "100 Main Street, Boston, MA 02115",
        "Certificate of Completion",
        "This is to certify that Jane Q. Doe, MD participated in Updates in Hospital Medicine 2026",
        "Live course · March 3–4, 2026 · Boston, MA",
        "AMA PRA Category 1 Credits™ 1.75",  # the table: each type's label for its amount, the amount as stated
        "ABIM MOC points 2",
        "Physicians should claim only the credit commensurate with the extent of their participation in the activity.",
        "(ABIM) Maintenance of Certification (MOC) program.",
        "OC-2026-000123",
        "March 20, 2026",
        "7KQ2-M9XD-4TPA",
        "Verify at https://cme.example.org/verify/7KQ2-M9XD-4TPA",
    ):
        assert expected in text


def test_single_credit_type_is_awarded_in_the_sentence_with_the_plural_label():
    text = pdf_text(make_document(credits=(make_credit(amount="1.75"),)))

    assert "and is awarded 1.75 AMA PRA Category 1 Credits™." in text


def test_several_credit_types_are_awarded_by_reference_to_the_table():
    doc = make_document(credits=(make_credit(), make_credit(label="ABIM MOC point", statement=MOC_STATEMENT)))

    assert "and is awarded the credit listed below." in pdf_text(doc)


def test_certificate_without_credit_is_a_certificate_of_attendance():
    text = pdf_text(make_document(credits=()))

    assert "Certificate of Attendance" in text
    assert "awarded" not in text
    assert "credit type" not in text.lower()


def test_missing_degree_location_and_address_leave_no_placeholder():
    doc = make_document(learner_degree=None, activity_location=None, provider_address=None)

    text = pdf_text(doc)

    assert "Jane Q. Doe participated in" in text
    assert "Live course · March 3–4, 2026 and is awarded" in text
    assert "None" not in text


@pytest.mark.parametrize(
    ("amount", "printed"),
    [("0.25", "0.25"), ("1.75", "1.75"), ("1.00", "1"), ("2", "2"), ("12.50", "12.5"), ("1.750", "1.75"),
     ("100.00", "100"), ("10", "10")],
)  # fmt: skip
def test_credit_amounts_print_as_the_provider_states_them(amount, printed):
    assert format_credit_amount(Decimal(amount)) == printed


@pytest.mark.parametrize(
    ("label", "amount", "awarded"),
    [
        ("AMA PRA Category 1 Credit™", "1.00", "and is awarded 1 AMA PRA Category 1 Credit™."),
        ("AMA PRA Category 1 Credit™", "1.75", "and is awarded 1.75 AMA PRA Category 1 Credits™."),
        ("ABIM MOC point", "1.00", "and is awarded 1 ABIM MOC point."),
        ("ANCC contact hour", "1.00", "and is awarded 1 ANCC contact hour."),
        ("ANCC contact hour", "2.50", "and is awarded 2.5 ANCC contact hours."),
        ("AAPA Category 1 CME credit", "0.25", "and is awarded 0.25 AAPA Category 1 CME credits."),
    ],
)
def test_the_award_prints_the_amount_as_stated_with_the_singular_or_plural_of_every_credit_type(label, amount, awarded):
    assert awarded in pdf_text(make_document(credits=(make_credit(label=label, amount=amount),)))


def test_the_credit_table_prints_each_types_label_for_its_amount():
    doc = make_document(
        credits=(
            make_credit(label="ABIM MOC point", amount="1.00", statement=MOC_STATEMENT),
            make_credit(label="ANCC contact hour", amount="1.00"),
            make_credit(amount="1.75"),
        )
    )

    text = pdf_text(doc)

    assert "ABIM MOC point 1 " in text and "ANCC contact hour 1 " in text
    assert "AMA PRA Category 1 Credits™ 1.75" in text


def test_the_designation_statement_prints_as_the_claim_carries_it():
    statement = "Acme designates this enduring material for a maximum of 1.5 AMA PRA Category 1 Credits™. [as given]"

    assert statement in pdf_text(make_document(credits=(make_credit(amount="1.50", statement=statement),)))


def test_enduring_and_online_material_is_completed_and_a_live_activity_participated_in():
    completed = pdf_text(make_document(activity_format="Webcast", participation="completed"))
    live = pdf_text(make_document())

    assert "Jane Q. Doe, MD completed Updates in Hospital Medicine 2026 Webcast" in completed
    assert "participated in" not in completed
    assert "Jane Q. Doe, MD participated in Updates in Hospital Medicine 2026 Live course" in live


def lines_of(doc: CertificateDocument) -> list[str]:
    return [line for page in pdf_reader(doc).pages for line in page.extract_text().splitlines()]


@pytest.mark.parametrize(
    "url",
    [
        "https://cme.example.org/verify/7KQ2-M9XD-4TPA",
        # As long as the setting's bound lets a base URL be (100 characters), and the code.
        "https://continuing-medical-education.school-of-medicine.example-university-hospital.org/learners/cme"
        "/verify/7KQ2-M9XD-4TPA",
    ],
)
def test_the_verification_link_prints_whole_on_one_line(url):
    lines = lines_of(make_document(verification_url=url))

    assert any(url in line for line in lines), lines


@pytest.mark.parametrize("amount", [Decimal("1.3"), Decimal("0.1"), Decimal("0"), Decimal("-0.25"), 1.5])
def test_credit_amount_that_is_not_a_positive_quarter_step_is_refused(amount):
    with pytest.raises(ValueError, match=r"multiple of 0\.25"):
        CertificateCredit(credit_type_label="AMA PRA Category 1 Credit™", amount=amount, statement=AMA_STATEMENT)


@pytest.mark.parametrize(
    ("label", "amount", "printed"),
    [
        ("AMA PRA Category 1 Credit™", "1", "AMA PRA Category 1 Credit™"),
        ("AMA PRA Category 1 Credit™", "1.75", "AMA PRA Category 1 Credits™"),
        ("AMA PRA Category 1 Credit™", "0.25", "AMA PRA Category 1 Credits™"),
        ("ABIM MOC point", "2", "ABIM MOC points"),
        ("ANCC contact hour", "1.5", "ANCC contact hours"),
        ("ACPE contact hours", "1.5", "ACPE contact hours"),
        ("CNE", "3", "CNE"),
    ],
)
def test_credit_label_is_plural_unless_exactly_one(label, amount, printed):
    assert credit_label_for(make_credit(label=label, amount=amount)) == printed


def test_hostile_learner_name_is_escaped_in_html():
    html = render_certificate_html(make_document(learner_name='<script>alert(1)</script>" onload="x'))

    assert "<script>" not in html
    assert '" onload="x' not in html  # the name also goes into a <meta content="..."> attribute
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_learner_name_prints_as_text_and_fetches_nothing():
    # Unescaped, the <img> would make WeasyPrint fetch the URL, which the offline fetcher turns into an error.
    name = '<img src="https://attacker.example/x.png"> Jane <b>Doe</b>'

    text = pdf_text(make_document(learner_name=name))

    assert squeezed(f"{name}, MD") in squeezed(text)  # the URL may wrap at its slashes


def test_remote_urls_are_refused_while_rendering():
    with pytest.raises(ValueError, match="disallowed protocol"):
        _offline_url_fetcher().fetch("https://attacker.example/logo.png")
    with pytest.raises(ValueError, match="disallowed protocol"):
        _offline_url_fetcher().fetch("file:///etc/passwd")


def test_verification_qr_code_is_inline_svg():
    html = render_certificate_html(make_document())

    assert re.search(r'<svg [^>]*class="qr"', html)
    assert "<img" not in html  # nothing for a renderer or mail client to fetch


def test_same_document_renders_identical_html_and_pdf_bytes():
    # Certificates are frozen when issued; re-rendering one must not produce a different document.
    doc = make_document()

    assert render_certificate_html(doc) == render_certificate_html(make_document())
    assert render_certificate_pdf(doc) == render_certificate_pdf(make_document())


def test_pdf_metadata_carries_the_issue_date_not_the_render_time():
    reader = pdf_reader(make_document(issued_on=date(2025, 11, 7)))

    assert reader.metadata.creation_date.date() == date(2025, 11, 7)
    assert reader.metadata.title.startswith("Certificate OC-2026-000123")


LONG_URL = "https://continuing-education.medicine.example-university.org/certificates/verify/7KQ2-M9XD-4TPA?src=qr"
LONG_TITLE = (
    "Annual Comprehensive Review of Internal Medicine and Hospital Medicine 2026: Cardiology, Nephrology, "
    "Infectious Disease, Oncology, Critical Care and Perioperative Care"
)
CREDIT_LABELS = (
    "AMA PRA Category 1 Credit™",
    "ABIM MOC point",
    "ANCC contact hour",
    "ACPE contact hour",
    "AAPA Category 1 CME credit",
    "ABP MOC point",
)


def make_long_document(credit_types: int, statement: str = AMA_STATEMENT) -> CertificateDocument:
    return make_document(
        learner_name="Maria-Fernanda Alessandra de los Santos Villanueva-Rodríguez",
        activity_title=LONG_TITLE,
        verification_url=LONG_URL,
        credits=tuple(
            make_credit(label=label, amount="12.25", statement=f"{statement} [end of statement {n}]")
            for n, label in enumerate(CREDIT_LABELS[:credit_types])
        ),
    )


def text_origins(doc: CertificateDocument) -> list[tuple[float, float]]:
    """Where each run of text starts on the page, in PDF points from the bottom-left corner."""
    return [(x, y) for _, x, y, _ in text_runs(pdf_of(doc))]


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(make_document(), id="one-credit"),
        pytest.param(make_long_document(credit_types=4), id="long-name-title-url-and-four-credit-types"),
        pytest.param(
            make_long_document(credit_types=4, statement=AMA_STATEMENT + " " + MOC_STATEMENT),
            id="four-credit-types-with-long-statements",
        ),
        pytest.param(make_long_document(credit_types=6), id="six-credit-types"),
    ],
)
def test_all_content_prints_on_one_page_inside_the_frame(doc):
    # A denser layout is chosen when the regular one overflows; whichever it is, nothing may be dropped or spill
    # over the frame (0.3in page margin + 6px rule + 0.1in padding = 33.3pt from each edge).
    frame_inset = 33.3
    text = squeezed(pdf_text(doc))  # long titles and URLs wrap at different places in each layout

    assert len(pdf_reader(doc).pages) == 1
    for expected in (
        doc.learner_name,
        doc.activity_title,
        "Verify at " + doc.verification_url,
        doc.certificate_number,
        doc.verification_code,
        *(credit.statement for credit in doc.credits),
    ):
        assert squeezed(expected) in text
    origins = text_origins(doc)
    assert origins
    for x, y in origins:
        assert frame_inset < x < 792 - frame_inset
        assert frame_inset < y < 612 - frame_inset


def test_content_that_cannot_fit_on_one_page_is_refused_rather_than_split():
    doc = make_long_document(credit_types=6, statement=" ".join([AMA_STATEMENT] * 3))

    with pytest.raises(CertificateDoesNotFit, match="OC-2026-000123"):
        render_certificate_pdf(doc)


def test_the_qr_code_encodes_the_portals_verification_page_of_the_issued_certificate():
    at = datetime(2026, 3, 4, 15, tzinfo=UTC)
    claim = claimed(uuid.uuid4(), at).data
    name = domain.NameVersion(1, at, "Jane", None, "Doe", None, "MD")
    content = domain.issued_content(
        claim, name, number="OC-2026-000042", code="7KQ2-M9XD-4TPA", public_base_url="https://cme.example.org/",
        provider_address=None, issued_on=date(2026, 3, 5),
    )  # fmt: skip

    html = render_certificate_html(service.document_of(content))

    assert str(_qr_svg("https://cme.example.org/verify/7KQ2-M9XD-4TPA")) in html
