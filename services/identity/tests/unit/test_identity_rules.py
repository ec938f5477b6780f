import pytest

from identity import domain


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis_pass_the_luhn_check(npi):
    assert domain.npi_is_valid(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678901", "12345abc93", ""])
def test_npis_with_a_wrong_check_digit_or_shape_fail(npi):
    assert not domain.npi_is_valid(npi)


def test_emails_are_normalised_for_case_width_and_spaces():
    assert domain.normalise_email("  Jane.Doe@Example.ORG ") == "jane.doe@example.org"
    assert domain.normalise_email("ｊａｎｅ@example.org") == "jane@example.org"  # full-width letters


@pytest.mark.parametrize(("password", "reason"), [
    ("short-pass", "at least 12"),
    ("aaaaaaaaaaaaaaaa", "too easy"),
    ("jane.doe@example.org", "email"),
])
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(domain.PolicyViolation) as refused:
        domain.check_password(password, email="jane.doe@example.org")
    assert refused.value.field == "password"
    assert reason in refused.value.reason


def test_a_long_varied_password_is_accepted():
    domain.check_password("correct horse battery staple", email="jane.doe@example.org")


def test_full_name_includes_middle_name_and_suffix():
    assert domain.full_name("Jane", "Q.", "Doe", "Jr.") == "Jane Q. Doe, Jr."
    assert domain.full_name("Jane", None, "Doe", None) == "Jane Doe"
