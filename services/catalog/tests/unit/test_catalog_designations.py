"""The designation statements the catalog publishes (and certificates print): the AMA's wording, the amount as the
provider states it, singular or plural right for every credit type, and a board's own MOC wording where it has one."""

from decimal import Decimal

import pytest

from catalog import domain

COMMENSURATE = "should claim only the credit commensurate with the extent of their participation in the activity."
ABIM = (
    "Successful completion of this CME activity, which includes participation in the evaluation component, enables "
    "the participant to earn up to {} in the American Board of Internal Medicine's (ABIM) Maintenance of "
    "Certification (MOC) program. It is the CME activity provider's responsibility to submit participant completion "
    "information to ACCME for the purpose of granting ABIM MOC credit."
)
ABP = (
    "Successful completion of this CME activity, which includes participation in the evaluation component, enables "
    "the learner to earn up to {} in the American Board of Pediatrics' (ABP) Maintenance of Certification (MOC) "
    "program. It is the CME activity provider's responsibility to submit learner completion information to ACCME for "
    "the purpose of granting ABP MOC credit."
)

# credit type -> (the statement with {} for "<amount> <unit>", the unit for one, the unit for any other amount)
EXPECTED = {
    "AMA_PRA_1": (
        "Acme Clinic designates this live activity for a maximum of {}. Physicians " + COMMENSURATE,
        "AMA PRA Category 1 Credit™",
        "AMA PRA Category 1 Credits™",
    ),
    "ANCC": (
        "Acme Clinic designates this live activity for a maximum of {}. Nurses " + COMMENSURATE,
        "ANCC contact hour",
        "ANCC contact hours",
    ),
    "ACPE": (
        "Acme Clinic designates this live activity for a maximum of {}. Pharmacists " + COMMENSURATE,
        "ACPE contact hour",
        "ACPE contact hours",
    ),
    "AAPA": (
        "This live activity is designated for {}. PAs should only claim credit commensurate with the extent of their "
        "participation.",
        "AAPA Category 1 CME credit",
        "AAPA Category 1 CME credits",
    ),
    "MOC_ABIM": (ABIM, "MOC point", "MOC points"),
    "MOC_ABP": (ABP, "MOC point", "MOC points"),
    "MOC_ABA": (
        "Successful completion of this CME activity enables the participant to earn up to {}.",
        "ABA MOC point",
        "ABA MOC points",
    ),
    "APA": ("Acme Clinic designates this live activity for a maximum of {}.", "APA credit", "APA credits"),
}


@pytest.mark.parametrize("credit_type", sorted(EXPECTED))
@pytest.mark.parametrize(("stated", "printed"), [("1", "1"), ("0.25", "0.25"), ("1.5", "1.5"), ("14.25", "14.25")])
def test_every_credit_type_is_designated_with_the_amount_as_stated_and_its_unit_singular_only_for_one(
    credit_type, stated, printed
):
    wording, one, many = EXPECTED[credit_type]
    unit = one if stated == "1" else many
    statement = domain.designation_statement("Acme Clinic", "live_course", credit_type, Decimal(stated))
    assert statement == wording.format(f"{printed} {unit}")


@pytest.mark.parametrize(("stored", "printed"), [("1.00", "1 "), ("1.50", "1.5 "), ("10", "10 "), ("0.250", "0.25 ")])
def test_the_amount_is_never_padded_with_zeros_nor_written_as_an_exponent(stored, printed):
    statement = domain.designation_statement("Acme Clinic", "live_course", "AMA_PRA_1", Decimal(stored))
    assert f"a maximum of {printed}AMA PRA" in statement


def test_one_ama_credit_is_a_credit_and_one_abim_point_a_point():
    assert domain.designation_statement("Acme Clinic", "live_course", "AMA_PRA_1", Decimal("1.00")).startswith(
        "Acme Clinic designates this live activity for a maximum of 1 AMA PRA Category 1 Credit™. Physicians"
    )
    assert "earn up to 1 MOC point in the American Board of Internal Medicine's (ABIM)" in (
        domain.designation_statement("Acme Clinic", "live_course", "MOC_ABIM", Decimal("1"))
    )


@pytest.mark.parametrize(
    ("activity_format", "learning_format"),
    [
        ("live_course", "live activity"),
        ("grand_rounds", "live activity"),
        ("board_review", "live activity"),
        ("text_based", "enduring material"),
        ("webcast", "enduring material"),
        ("enduring", "enduring material"),
        ("journal_based", "journal-based CME activity"),
    ],
)
def test_the_statement_names_the_amas_learning_format(activity_format, learning_format):
    statement = domain.designation_statement("Acme Clinic", activity_format, "AMA_PRA_1", Decimal("14.25"))
    assert statement.startswith(f"Acme Clinic designates this {learning_format} for a maximum of 14.25 AMA PRA")


def test_every_format_of_the_contract_has_a_learning_format():
    from typing import get_args

    from opencme_contracts.events import ActivityFormat

    assert set(get_args(ActivityFormat)) == set(domain.LEARNING_FORMATS)
