from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity import domain
from identity.domain import EmailAddress, RuleConflict
from opencme_kit import errors
from opencme_kit.roles import Role

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def with_check_digit(first_nine: str) -> str:
    total = 0
    for index, digit in enumerate(reversed([int(c) for c in "80840" + first_nine])):
        digit = digit * 2 - 9 * (digit >= 5) if index % 2 == 0 else digit
        total += digit
    return first_nine + str((10 - total % 10) % 10)


# --- NPI and emails -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis_pass_the_luhn_check(npi):
    assert domain.npi_is_valid(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678901", "12345abc93", ""])
def test_npis_with_a_wrong_check_digit_or_shape_fail(npi):
    assert not domain.npi_is_valid(npi)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_any_single_mistyped_digit_of_an_npi_is_caught(first_nine, position, shift):
    npi = with_check_digit(first_nine)
    assert domain.npi_is_valid(npi)
    typo = npi[:position] + str((int(npi[position]) + shift) % 10) + npi[position + 1 :]
    assert not domain.npi_is_valid(typo)


def test_emails_are_normalised_for_case_width_and_spaces():
    assert domain.normalise_email("  Jane.Doe@Example.ORG ") == "jane.doe@example.org"
    assert domain.normalise_email("ｊａｎｅ@example.org") == "jane@example.org"  # full-width letters


@given(st.emails())
def test_normalising_an_email_twice_changes_nothing(email):
    once = domain.normalise_email(email)
    assert domain.normalise_email(once) == once


def test_the_sign_up_address_signs_in_unverified_but_an_added_one_only_once_verified():
    assert domain.may_sign_in_with(EmailAddress("a@x.org", is_primary=True, verified=False))
    assert not domain.may_sign_in_with(EmailAddress("b@x.org", is_primary=False, verified=False))
    assert domain.may_sign_in_with(EmailAddress("b@x.org", is_primary=False, verified=True))


def test_neither_the_primary_nor_the_last_verified_address_can_be_removed():
    addresses = [
        EmailAddress("a@x.org", True, False),
        EmailAddress("b@x.org", False, True),
        EmailAddress("c@x.org", False, False),
    ]
    with pytest.raises(RuleConflict, match="primary"):
        domain.check_can_remove(addresses, "a@x.org")
    with pytest.raises(RuleConflict, match="last verified"):
        domain.check_can_remove(addresses, "b@x.org")
    domain.check_can_remove(addresses, "c@x.org")
    domain.check_can_remove([*addresses, EmailAddress("d@x.org", False, True)], "b@x.org")


def test_only_a_verified_address_can_become_primary():
    addresses = [EmailAddress("a@x.org", True, True), EmailAddress("b@x.org", False, False)]
    with pytest.raises(RuleConflict, match="verify"):
        domain.check_can_make_primary(addresses, "b@x.org")


def test_an_account_holds_at_most_ten_addresses():
    addresses = [EmailAddress(f"{n}@x.org", n == 0, True) for n in range(domain.MAX_EMAILS)]
    domain.check_can_add(addresses[:-1])
    with pytest.raises(RuleConflict, match="at most 10 addresses") as refused:
        domain.check_can_add(addresses)
    assert (refused.value.field, refused.value.reason) == ("email", "too many addresses")


def test_an_address_not_on_the_account_is_not_found():
    with pytest.raises(errors.NotFound, match="email address on this account not found"):
        domain.check_can_remove([EmailAddress("a@x.org", True, True)], "b@x.org")


@pytest.mark.parametrize(("month", "day", "exists"), [(2, 29, True), (2, 30, False), (4, 31, False), (12, 31, True)])
def test_a_birth_day_must_exist_in_its_month_in_some_year(month, day, exists):
    assert domain.day_exists(month, day) is exists


def test_every_account_stays_a_learner_and_keeps_an_admin():
    with pytest.raises(domain.RoleRefused, match="keeps the learner role"):
        domain.check_role_removal(Role.LEARNER)
    domain.check_role_removal(Role.SUPPORT)
    with pytest.raises(RuleConflict, match="last admin"):
        domain.check_an_admin_remains(admins_now=1)
    domain.check_an_admin_remains(admins_now=2)


def test_refusals_are_the_kits_kinds_and_keep_identitys_wording():
    assert issubclass(RuleConflict, errors.Conflict) and issubclass(domain.PolicyViolation, errors.Invalid)
    assert issubclass(domain.EmailNotVerified, errors.Forbidden) and issubclass(domain.RoleRefused, errors.Invalid)
    assert str(RuleConflict("email", "verify it first")) == "verify it first"  # the detail: the reason, no field
    assert str(domain.EmailTaken("email", "already registered", detail="sign in instead")) == "sign in instead"
    assert str(domain.PolicyViolation("password", "too short")) == "password: too short"  # the kit's own form


# --- passwords ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pass", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "too easy"),
        ("jane.doe@example.org", "email"),
        ("JaneDoe2024!!", "email"),
        ("Doe Jane 1234", "name"),
        ("password1234", "commonly used"),
        ("P@ssw0rd2024!", "commonly used"),
        ("Summer2024!!", "commonly used"),
        ("iloveyou1234", "commonly used"),
        ("Cleveland2026", "commonly used"),
        ("passwordpassword", "commonly used"),
        ("1qaz2wsx3edc", "commonly used"),
        ("qwertyasdfghzxcv", "keyboard pattern"),
        ("9876543210987", "keyboard pattern"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(domain.PolicyViolation) as refused:
        domain.check_password(password, email="jane.doe@example.org", names=("Jane", "Doe"))
    assert refused.value.field == "password"
    assert reason in refused.value.reason


def test_a_refused_password_names_the_field_that_holds_it():
    with pytest.raises(domain.PolicyViolation) as refused:
        domain.check_password("short-pass", email="jane.doe@example.org", field="new_password")
    assert refused.value.field == "new_password"


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "violet-harbor-27-lamp",
        "Tr0ub4dor&3xyz",
        "a long enough passphrase",
        "learner passphrase 2026",
    ],
)
def test_long_uncommon_passwords_are_accepted(password):
    domain.check_password(password, email="jane.doe@example.org", names=("Jane", "Doe"))


def test_the_shipped_list_is_loaded_lower_case_without_comments():
    common = domain.common_passwords()
    assert len(common) > 500 and {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(entry == entry.lower() and not entry.startswith("#") for entry in common)


def test_full_name_includes_middle_name_and_suffix():
    assert domain.full_name("Jane", "Q.", "Doe", "Jr.") == "Jane Q. Doe, Jr."
    assert domain.full_name("Jane", None, "Doe", None) == "Jane Doe"


# --- throttling, sessions, keys -----------------------------------------------------------------------------


def test_below_the_limit_there_is_no_wait():
    hits = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert domain.retry_after(hits, limit=5, window=timedelta(minutes=15), now=NOW) is None


def test_at_the_limit_the_wait_ends_when_the_oldest_counted_hit_leaves_the_window():
    hits = [NOW - timedelta(minutes=m) for m in (20, 10, 4, 3, 2, 1)]  # the 20-minute-old one is outside already
    assert domain.retry_after(hits, limit=5, window=timedelta(minutes=15), now=NOW) == 5 * 60


@given(st.lists(st.integers(0, 899), max_size=30), st.integers(1, 10))
def test_waiting_as_told_always_brings_the_count_below_the_limit(ages, limit):
    window = timedelta(seconds=900)
    hits = [NOW - timedelta(seconds=a) for a in ages]
    wait = domain.retry_after(hits, limit=limit, window=window, now=NOW)
    if wait is None:
        assert len(hits) < limit
    else:
        later = NOW + timedelta(seconds=wait)
        assert domain.retry_after(hits, limit=limit, window=window, now=later) is None


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ({}, "rotate"),
        ({"rotated": True}, "reused"),
        ({"rotated": True, "family_revoked": True}, "revoked"),
        ({"token_expires_at": NOW}, "expired"),
        ({"family_expires_at": NOW - timedelta(seconds=1)}, "expired"),
        ({"account_disabled": True}, "disabled"),
    ],
)
def test_a_refresh_token_rotates_once_and_is_refused_otherwise(state, outcome):
    values = {
        "token_expires_at": NOW + timedelta(days=1),
        "rotated": False,
        "family_revoked": False,
        "family_expires_at": NOW + timedelta(days=30),
        "account_disabled": False,
        "now": NOW,
    }
    assert domain.refresh_outcome(**{**values, **state}) == outcome


def test_a_key_is_retired_only_when_it_no_longer_signs_and_its_tokens_have_expired():
    ttl = timedelta(minutes=15)
    with pytest.raises(RuleConflict, match="signs tokens now"):
        domain.check_key_retirement(
            kid="k1", signer_kid="k1", signer_since=NOW - ttl * 2, access_token_ttl=ttl, now=NOW
        )
    with pytest.raises(RuleConflict, match="retire it in 300 s"):
        domain.check_key_retirement(
            kid="k1", signer_kid="k2", signer_since=NOW - timedelta(minutes=10), access_token_ttl=ttl, now=NOW
        )
    domain.check_key_retirement(kid="k1", signer_kid="k2", signer_since=NOW - ttl, access_token_ttl=ttl, now=NOW)


# --- merges -------------------------------------------------------------------------------------------------

FIELDS = ("first_name", "last_name", "degree", "npi", "board_ids", "birth_month", "birth_day")


def test_a_merge_keeps_the_survivors_values_fills_its_gaps_and_reports_every_conflict():
    survivor = {
        "first_name": "Jane",
        "last_name": "Doe",
        "degree": "MD",
        "npi": None,
        "board_ids": {"ABIM": "111"},
        "birth_month": None,
        "birth_day": None,
    }
    merged = {
        "first_name": "Jane",
        "last_name": "Doe-Smith",
        "degree": None,
        "npi": "1234567893",
        "board_ids": {"ABIM": "222", "ABP": "333"},
        "birth_month": 4,
        "birth_day": 30,
    }
    plan = domain.plan_merge(survivor, merged, FIELDS)
    assert plan.profile == {
        "first_name": "Jane",
        "last_name": "Doe",
        "degree": "MD",
        "npi": "1234567893",
        "board_ids": {"ABIM": "111", "ABP": "333"},
        "birth_month": 4,
        "birth_day": 30,
    }
    assert plan.filled == ("npi", "birth_date")
    assert plan.conflicts == {"last_name": {"kept": "Doe", "dropped": "Doe-Smith"}}
    assert plan.boards_added == ("ABP",) and plan.board_id_conflicts == {"ABIM": {"kept": "111", "dropped": "222"}}


def test_a_birth_date_is_taken_whole_or_not_at_all():
    survivor = {"first_name": "J", "last_name": "D", "board_ids": {}, "birth_month": 4, "birth_day": 30}
    merged = {"first_name": "J", "last_name": "D", "board_ids": {}, "birth_month": 5, "birth_day": 1}
    plan = domain.plan_merge(survivor, merged, FIELDS)
    assert (plan.profile["birth_month"], plan.profile["birth_day"]) == (4, 30)
    assert plan.conflicts == {"birth_date": {"kept": "4/30", "dropped": "5/1"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"merged_id": 1}, "itself"),
        ({"survivor_disabled": True}, "merged away"),
        ({"merged_disabled": True}, "already merged"),
        ({"actor_id": 2}, "their own accounts"),
    ],
)
def test_merges_that_make_no_sense_are_refused(kwargs, message):
    values = {"surviving_id": 1, "merged_id": 2, "actor_id": 9, "survivor_disabled": False, "merged_disabled": False}
    with pytest.raises(RuleConflict, match=message):
        domain.check_merge(**{**values, **kwargs})
