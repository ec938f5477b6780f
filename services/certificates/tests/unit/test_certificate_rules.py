from datetime import UTC, date, datetime

from certificates import domain


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
    issued = {"learner_name": "Jane Doe", "learner_degree": "MD"}
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert not domain.prints_differently(issued, version(2, at))
    assert domain.prints_differently(issued, version(2, at, "Smith"))
    assert domain.prints_differently(issued, version(2, at, degree="DO"))
    assert domain.prints_differently(issued, version(2, at, degree=None))
