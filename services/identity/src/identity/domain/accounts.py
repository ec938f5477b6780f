"""Rules of an account: its profile's fields, its email addresses (which may sign in, which may go) and its roles."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from opencme_kit import errors
from opencme_kit.roles import Role

from .refusals import RoleRefused, RuleConflict

# USPS codes: the 50 states, DC, the territories and the military "states".
_USPS_CODES = """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND
                 OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP"""
US_STATES = frozenset(_USPS_CODES.split())
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 February is someone's birthday

MAX_EMAILS = 10


@dataclass(frozen=True)
class Account:
    """Who is calling: an account with the roles it has now and the sign-in session of its token."""

    id: uuid.UUID
    roles: frozenset[str]
    session_id: uuid.UUID | None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


# --- the profile ------------------------------------------------------------------------------------------


def normalise_email(raw: str) -> str:
    """One spelling per address: Unicode NFKC, trimmed, lower case (domains are case-insensitive, and in practice
    mailbox names are too; treating them so keeps one person from holding two accounts by case)."""
    return unicodedata.normalize("NFKC", raw).strip().lower()


def npi_is_valid(npi: str) -> bool:
    """US National Provider Identifier: 10 digits, the last a Luhn check digit over '80840' + the first nine."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def day_exists(month: int, day: int) -> bool:
    """Whether `day` is a day of `month` in some year (a birth date is kept without its year)."""
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]


def full_name(first: str, middle: str | None, last: str, suffix: str | None) -> str:
    parts = [first, middle, last]
    name = " ".join(p for p in parts if p)
    return f"{name}, {suffix}" if suffix else name


# --- email addresses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailAddress:
    email: str
    is_primary: bool
    verified: bool


def may_sign_in_with(address: EmailAddress) -> bool:
    """Any verified email signs in; so does the primary one before it is verified, which is only ever the address
    given at sign-up (making another address primary needs it verified). An added address that nobody has confirmed
    could belong to someone else, so it neither signs in nor receives reset links."""
    return address.verified or address.is_primary


def address_of(addresses: Sequence[EmailAddress], email: str) -> EmailAddress:
    for address in addresses:
        if address.email == email:
            return address
    raise errors.NotFound(None, "email address on this account not found")


def check_can_add(addresses: Sequence[EmailAddress]) -> None:
    if len(addresses) >= MAX_EMAILS:
        raise RuleConflict(
            "email",
            "too many addresses",
            detail=f"an account holds at most {MAX_EMAILS} addresses; remove one first",
        )


def check_can_resend(addresses: Sequence[EmailAddress], email: str) -> None:
    if address_of(addresses, email).verified:
        raise RuleConflict("email", "this address is verified already")


def check_can_make_primary(addresses: Sequence[EmailAddress], email: str) -> None:
    if not address_of(addresses, email).verified:
        raise RuleConflict("email", "verify this address (open the link sent to it) before making it primary")


def check_can_remove(addresses: Sequence[EmailAddress], email: str) -> None:
    address = address_of(addresses, email)
    if address.is_primary:
        raise RuleConflict("email", "this is the primary address: make another verified address primary first")
    if address.verified and not any(a.verified for a in addresses if a.email != email):
        raise RuleConflict("email", "this is the account's last verified address: verify another one first")


# --- roles ------------------------------------------------------------------------------------------------


def check_role_removal(role: Role) -> None:
    if role == Role.LEARNER:
        raise RoleRefused("role", "learner cannot be removed", detail="every account keeps the learner role")


def check_roles_changeable(*, merged_away: bool) -> None:
    if merged_away:
        raise RuleConflict("user_id", "this account was merged into another")


def check_an_admin_remains(*, admins_now: int) -> None:
    """Removing admin from one of `admins_now` admins: never the last one, or nobody could grant it again."""
    if admins_now <= 1:
        raise RuleConflict("role", "this is the last admin: grant admin to someone else first")
