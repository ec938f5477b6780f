"""Identity rules, free of I/O: email normalisation, NPI check digit, password policy."""

from __future__ import annotations

import unicodedata

MIN_PASSWORD_LENGTH = 12


class PolicyViolation(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


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


def check_password(password: str, *, email: str, names: tuple[str, ...] = ()) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PolicyViolation("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 256:
        raise PolicyViolation("password", "must be at most 256 characters")
    lowered = password.lower()
    if len(set(lowered)) < 4:
        raise PolicyViolation("password", "is too easy to guess: use more different characters")
    if lowered == email.lower() or lowered == email.split("@")[0].lower():
        raise PolicyViolation("password", "must not be your email address")
    if any(name and len(name) >= 3 and lowered == name.lower() for name in names):
        raise PolicyViolation("password", "must not be your name")


def full_name(first: str, middle: str | None, last: str, suffix: str | None) -> str:
    parts = [first, middle, last]
    name = " ".join(p for p in parts if p)
    return f"{name}, {suffix}" if suffix else name
