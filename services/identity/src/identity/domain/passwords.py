"""Which passwords identity refuses, free of I/O apart from reading the shipped list once.

NIST SP 800-63B's rules, not composition rules: at least 12 characters, any characters, checked against a list of
common passwords and the context (the user's email and name). Beyond the exact list, the usual ways people dress up a
common word are refused too: digits, years and symbols around it, letter-for-digit swaps, repetition, keyboard walks.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import cache
from importlib import resources

from opencme_kit import errors

MIN_LENGTH = 12
MAX_LENGTH = 256
# Package data (src/identity/data/), so an installed, non-editable identity finds it too.
COMMON_LIST = resources.files("identity") / "data" / "common_passwords.txt"

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "!": "i",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "+": "t",
    }
)
_SEPARATORS = re.compile(r"[\s._\-]+")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
# Keyboard rows and columns (US layout), walked either way; a password made of pieces of these is a walk.
_WALKS = (
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
    "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "qazwsxedcrfvtgbyhnujmikolp",
    "abcdefghijklmnopqrstuvwxyz",
)
_WALK_TEXT = "|".join(_WALKS + tuple(w[::-1] for w in _WALKS))


class PolicyViolation(errors.Invalid):
    """A password the policy refuses; `field` names the form field that holds it."""


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _cores(password: str) -> set[str]:
    """The spellings a guesser would try first: without separators, without digits and symbols at either end, and
    with common letter-for-digit swaps undone."""
    lowered = unicodedata.normalize("NFKC", password).lower()
    joined = _SEPARATORS.sub("", lowered)
    cores = {joined, _EDGES.sub("", joined), _EDGES.sub("", lowered).replace(" ", "")}
    cores |= {core.translate(_LEET) for core in cores}
    cores |= {_EDGES.sub("", joined.translate(_LEET))}
    cores |= {core.replace("i", "l") for core in cores if "1" in joined}
    return {core for core in cores if core}


def _repeats_a_unit(text: str) -> bool:
    """'passwordpassword', 'abcabcabcabc', '121212121212': a short unit said again and again."""
    length = len(text)
    return any(length % size == 0 and text == text[:size] * (length // size) for size in range(1, length // 2 + 1))


def _is_keyboard_walk(text: str) -> bool:
    """True when `text` is made of pieces (3+ keys each) of keyboard rows, columns or the alphabet, in either
    direction: 'qwertyasdfgh', '1qaz2wsx3edc', 'zxcvbnm12345'."""
    if len(text) < 6:
        return False
    reachable = [True] + [False] * len(text)
    for end in range(3, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in _WALK_TEXT for start in range(end - 2))
    return reachable[-1]


def _is_run(text: str) -> bool:
    """'123456789012', '987654321098', 'abcdefghijkl': each character one step from the last."""
    pairs = itertools.pairwise(text)
    # Digits wrap round (…8, 9, 0, 1…): a step down is 9 modulo 10.
    steps = {(ord(b) - ord(a)) % 10 if a.isdigit() and b.isdigit() else ord(b) - ord(a) for a, b in pairs}
    return len(text) >= 6 and (steps <= {1} or steps <= {-1, 9})


def check_password(password: str, *, email: str, names: tuple[str | None, ...] = (), field: str = "password") -> None:
    """Raises PolicyViolation (on `field`) naming the reason a person can act on; returns None for an acceptable
    password."""
    if len(password) < MIN_LENGTH:
        raise PolicyViolation(field, f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PolicyViolation(field, f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if len(set(lowered)) < 4:
        raise PolicyViolation(field, "is too easy to guess: use more different characters")
    cores = _cores(password)
    mailbox = email.lower().split("@")[0]
    if lowered == email.lower() or {mailbox, _SEPARATORS.sub("", mailbox)} & cores:
        raise PolicyViolation(field, "must not be your email address")
    given = [n.lower().replace(" ", "") for n in names if n and len(n) >= 3]
    name_forms = set(given) | {a + b for a in given for b in given if a != b}
    if name_forms & cores:
        raise PolicyViolation(field, "must not be your name")
    common = common_passwords()
    if cores & common or any(_repeats_a_unit(core) for core in cores):
        raise PolicyViolation(
            field,
            "is a commonly used password (or one with only digits or symbols added); "
            "choose a less common one, such as a few unrelated words",
        )
    if any(_is_keyboard_walk(core) or _is_run(core) for core in cores):
        raise PolicyViolation(field, "is a keyboard pattern or a sequence; choose something less predictable")
