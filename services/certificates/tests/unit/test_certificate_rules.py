import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from certificates_testing import claimed

from certificates import domain
from certificates.content import CertificateContent
from opencme_kit import errors

# A content column as certificates have stored it since the first release (amounts as strings, `label` singular).
STORED = {
    "certificate_number": "OC-2026-000042",
    "verification_code": "7KQ2-M9XD-4TPA",
    "verification_url": "https://cme.example.org/api/certificates/verify/7KQ2-M9XD-4TPA",
    "learner_name": "Jane Doe",
    "learner_degree": "MD",
    "activity_title": "Sepsis Grand Rounds",
    "activity_format": "Grand rounds (regularly scheduled series)",
    "activity_dates": "March 3, 2026",
    "activity_location": "Auditorium A",
    "credits": [
        {
            "credit_type": "AMA_PRA_1",
            "label": "AMA PRA Category 1 Credit™",
            "amount": "1.75",
            "statement": "Acme Clinic designates this live activity for a maximum of 1.75 AMA PRA Category 1 Credits™.",
        }
    ],
    "provider_name": "Acme Clinic",
    "provider_address": None,
    "issued_on": "2026-03-04",
}
# The same row as read back and stored again: stored before the wording followed the activity's format, it printed
# "participated in", and says so.
READ_BACK = {**STORED, "participation": "participated in"}


def version(n, effective, last="Doe", degree="MD"):
    return domain.NameVersion(
        version=n,
        effective_at=effective,
        first_name="Jane",
        middle_name=None,
        last_name=last,
        suffix=None,
        degree=degree,
    )


def test_the_name_in_effect_at_claim_time_is_used():
    versions = [
        version(1, datetime(2026, 1, 1, tzinfo=UTC)),
        version(2, datetime(2026, 3, 1, tzinfo=UTC), "Smith"),
        version(3, datetime(2026, 6, 1, tzinfo=UTC), "Jones"),
    ]
    assert domain.name_at(versions, datetime(2026, 4, 1, tzinfo=UTC)).last_name == "Smith"
    assert domain.name_at(versions, datetime(2025, 12, 1, tzinfo=UTC)) is None


def test_versions_arriving_out_of_order_still_pick_the_highest_effective_one():
    versions = [version(2, datetime(2026, 3, 1, tzinfo=UTC), "Smith"), version(1, datetime(2026, 1, 1, tzinfo=UTC))]
    assert domain.name_at(versions, datetime(2026, 4, 1, tzinfo=UTC)).last_name == "Smith"


def test_activity_dates_read_naturally():
    d = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert domain.activity_dates(d(2026, 3, 3, 8), d(2026, 3, 3, 17), date(2026, 3, 3)) == "March 3, 2026"
    assert domain.activity_dates(d(2026, 3, 3), d(2026, 3, 4), date(2026, 3, 4)) == "March 3–4, 2026"
    assert domain.activity_dates(d(2026, 3, 30), d(2026, 4, 2), date(2026, 4, 2)) == "March 30 – April 2, 2026"
    assert domain.activity_dates(None, None, date(2026, 8, 1)) == "Completed August 1, 2026"


def test_verification_codes_are_grouped_and_unambiguous():
    code = domain.new_verification_code()
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert not set(code.replace("-", "")) & set("01ILO")


def test_certificate_numbers_carry_the_year_and_a_padded_sequence():
    assert domain.certificate_number(2026, 42) == "OC-2026-000042"


def test_a_claim_shows_the_claimants_own_name_in_effect_then_before_the_survivors():
    own = [version(1, datetime(2026, 1, 1, tzinfo=UTC), "Roe")]
    survivor = [version(1, datetime(2025, 1, 1, tzinfo=UTC), "Doe")]
    assert domain.name_for_claim(own, survivor, datetime(2026, 2, 1, tzinfo=UTC)).last_name == "Roe"


def test_a_merged_account_without_a_name_in_effect_borrows_the_survivors_name_at_claim_time():
    survivor = [version(1, datetime(2025, 1, 1, tzinfo=UTC)), version(2, datetime(2026, 6, 1, tzinfo=UTC), "Smith")]
    assert domain.name_for_claim([], survivor, datetime(2026, 2, 1, tzinfo=UTC)).last_name == "Doe"
    own_later = [version(1, datetime(2026, 3, 1, tzinfo=UTC), "Roe")]
    assert domain.name_for_claim(own_later, survivor, datetime(2026, 2, 1, tzinfo=UTC)).last_name == "Doe"


def test_without_a_name_in_effect_anywhere_the_earliest_known_one_is_used_own_first():
    own = [version(1, datetime(2026, 3, 1, tzinfo=UTC), "Roe"), version(2, datetime(2026, 4, 1, tzinfo=UTC), "Poe")]
    survivor = [version(1, datetime(2026, 5, 1, tzinfo=UTC))]
    assert domain.name_for_claim(own, survivor, datetime(2026, 2, 1, tzinfo=UTC)).last_name == "Roe"
    assert domain.name_for_claim([], survivor, datetime(2026, 2, 1, tzinfo=UTC)).last_name == "Doe"


def test_with_no_name_on_either_account_the_claim_waits():
    assert domain.name_for_claim([], [], datetime(2026, 2, 1, tzinfo=UTC)) is None


def test_only_a_different_full_name_or_degree_prints_differently():
    issued = CertificateContent.from_stored(STORED)  # Jane Doe, MD
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert not domain.prints_differently(issued, version(2, at))
    assert domain.prints_differently(issued, version(2, at, "Smith"))
    assert domain.prints_differently(issued, version(2, at, degree="DO"))
    assert domain.prints_differently(issued, version(2, at, degree=None))


def test_stored_content_reads_back_typed_and_is_stored_again_unchanged():
    content = CertificateContent.from_stored(STORED)
    assert content.credits[0].amount == Decimal("1.75") and content.issued_on == date(2026, 3, 4)
    assert content.participation == "participated in"
    assert content.to_stored() == READ_BACK
    assert CertificateContent.from_stored(content.to_stored()) == content


def test_a_credit_stored_under_the_renderers_name_for_its_label_still_reads():
    credit = {**STORED["credits"][0]}
    credit["credit_type_label"] = credit.pop("label")
    content = CertificateContent.from_stored({**STORED, "credits": [credit]})
    assert content.credits[0].label == "AMA PRA Category 1 Credit™"
    assert content.to_stored() == READ_BACK


def test_a_replacement_changes_only_the_name_degree_identifiers_and_date():
    issued = CertificateContent.from_stored(STORED)
    reissued = issued.reissued(
        learner_name="Jane Smith", learner_degree="DO", number="OC-2026-000043", code="AAAA-BBBB-CCCC",
        url="https://cme.example.org/api/certificates/verify/AAAA-BBBB-CCCC", issued_on=date(2026, 5, 1),
    )  # fmt: skip
    changed = {k for k, v in reissued.to_stored().items() if READ_BACK[k] != v}
    assert changed == {
        "learner_name", "learner_degree", "certificate_number", "verification_code", "verification_url", "issued_on"
    }  # fmt: skip
    assert issued.to_stored() == READ_BACK  # frozen: the issued content itself never changes


def test_a_period_ending_before_it_starts_is_refused_naming_from():
    with pytest.raises(errors.Invalid) as refused:
        domain.check_period(date(2025, 2, 1), date(2025, 1, 31))
    assert (refused.value.field, refused.value.reason) == ("from", "must not be after 'to' (2025-01-31)")
    domain.check_period(date(2025, 1, 31), date(2025, 1, 31))
    domain.check_period(None, date(2025, 1, 31))


def test_a_claims_content_prints_the_name_in_effect_the_activity_and_each_credit_with_its_singular_label():
    at = datetime(2026, 3, 4, 15, tzinfo=UTC)
    claim = claimed(uuid.uuid4(), at, credits={"AMA_PRA_1": "1.75", "MOC_ABIM": "1.00"}).data
    content = domain.issued_content(
        claim,
        version(2, at, "Smith"),
        number="OC-2026-000042",
        code="7KQ2-M9XD-4TPA",
        public_base_url="https://cme.example.org",
        provider_address=None,
        issued_on=date(2026, 3, 5),
    )
    assert (content.learner_name, content.learner_degree) == ("Jane Smith", "MD")
    assert content.verification_url == "https://cme.example.org/verify/7KQ2-M9XD-4TPA"  # the portal's page
    assert content.activity_format == "Grand rounds (regularly scheduled series)"
    assert content.participation == "participated in"
    assert content.activity_dates == "March 3, 2026"  # the day before the claim, in the test's factory
    assert [(c.label, c.amount) for c in content.credits] == [
        ("AMA PRA Category 1 Credit™", Decimal("1.75")),
        ("ABIM MOC point", Decimal("1.00")),
    ]


def test_a_replacement_answers_the_same_claim_under_the_new_name_and_names_the_certificate_it_replaces():
    at = datetime(2026, 3, 4, 15, tzinfo=UTC)
    basis = domain.Basis(uuid.uuid4(), at, uuid.uuid4(), 1)
    current = domain.Certificate(
        id=uuid.uuid4(), number="OC-2026-000042", verification_code="7KQ2-M9XD-4TPA", claim_id=uuid.uuid4(),
        owner_id=basis.claimant_id, activity_id=uuid.uuid4(), content=CertificateContent.from_stored(STORED),
        issued_at=at, completed_on=at.date(), basis=basis,
    )  # fmt: skip
    new = domain.replacement(
        current, basis, version(2, at, "Smith"), basis.claimant_id, certificate_id=uuid.uuid4(),
        number="OC-2026-000043", code="AAAA-BBBB-CCCC", public_base_url="https://cme.example.org",
        issued_at=datetime(2026, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    assert (new.claim_id, new.owner_id, new.activity_id) == (current.claim_id, current.owner_id, current.activity_id)
    assert new.replaces == current.id and new.status == "valid" and new.content.learner_name == "Jane Smith"
    assert new.basis == domain.Basis(basis.claimant_id, at, basis.claimant_id, 2)
    assert new.issued_event().certificate_number == "OC-2026-000043" == new.content.certificate_number


@pytest.mark.parametrize(
    ("activity_format", "words"),
    [
        ("live_course", "participated in"),
        ("grand_rounds", "participated in"),
        ("board_review", "participated in"),
        ("webcast", "completed"),
        ("text_based", "completed"),
        ("journal_based", "completed"),
        ("enduring", "completed"),
    ],
)
def test_enduring_and_online_material_is_completed_and_live_activities_participated_in(activity_format, words):
    at = datetime(2026, 3, 4, 15, tzinfo=UTC)
    claim = claimed(uuid.uuid4(), at, activity_format=activity_format).data
    content = domain.issued_content(
        claim, version(1, at), number="OC-2026-000042", code="7KQ2-M9XD-4TPA", public_base_url="https://cme.example.org",
        provider_address=None, issued_on=date(2026, 3, 5),
    )  # fmt: skip
    assert domain.participation(activity_format) == words == content.participation


@pytest.mark.parametrize(
    ("credit_type", "amount", "printed"),
    [
        ("AMA_PRA_1", "1.00", "1 AMA PRA Category 1 Credit™"),
        ("AMA_PRA_1", "1.75", "1.75 AMA PRA Category 1 Credits™"),
        ("AMA_PRA_1", "0.25", "0.25 AMA PRA Category 1 Credits™"),
        ("AMA_PRA_1", "10.00", "10 AMA PRA Category 1 Credits™"),
        ("MOC_ABIM", "1.00", "1 ABIM MOC point"),
        ("MOC_ABP", "2.50", "2.5 ABP MOC points"),
        ("ANCC", "1.00", "1 ANCC contact hour"),
        ("ACPE", "1.50", "1.5 ACPE contact hours"),
        ("AAPA", "1.00", "1 AAPA Category 1 CME credit"),
        ("AAPA", "3.00", "3 AAPA Category 1 CME credits"),
        ("CNE", "1.00", "1 CNE credit"),  # a type we have no words for is counted in credits
        ("CNE", "2.00", "2 CNE credits"),
    ],
)
def test_every_credit_type_prints_the_amount_as_stated_and_its_singular_or_plural(credit_type, amount, printed):
    assert domain.printed_credit(domain.credit_label(credit_type), Decimal(amount)) == printed


@pytest.mark.parametrize(
    "typed", ["7KQ2-M9XD-4TPA", "7kq2-m9xd-4tpa", "7KQ2M9XD4TPA", " 7kq2 m9xd 4tpa ", "7KQ2 - M9XD - 4TPA"]
)
def test_a_verification_code_is_found_however_a_person_types_it(typed):
    assert domain.normal_code(typed) == "7KQ2-M9XD-4TPA"


def test_a_code_of_another_length_is_kept_as_typed_and_simply_not_found():
    assert domain.normal_code("abc") == "ABC"


@pytest.mark.parametrize("base", ["https://cme.example.org", "https://cme.example.org/"])
def test_the_verification_link_opens_the_portals_public_page(base):
    assert domain.verification_url(base, "7KQ2-M9XD-4TPA") == "https://cme.example.org/verify/7KQ2-M9XD-4TPA"
