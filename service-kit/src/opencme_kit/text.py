"""Text a client controls, for every request model of every service.

- One line (`Name`, `Line`, `Title`, `Reason`): names, titles, places, labels. No control characters at all and no
  bidirectional controls (a right-to-left override makes a name on a certificate read as someone else's); surrounding
  white space is stripped and it may not be empty.
- A postal address (`PostalAddress`): up to five such lines.
- Paragraphs (`Description`, `Comment`): tabs and line breaks allowed (CRLF becomes LF), other controls not;
  bidirectional controls are allowed here, as right-to-left writing needs them. May be empty.
- Identifiers (event codes, NPIs, board IDs) need no type of their own: an anchored pattern of the characters they
  may hold (`StringConstraints(pattern=r"^[A-Z0-9-]{1,20}$")`) already refuses every control character.

Every kind refuses NUL (PostgreSQL cannot store it), lone surrogates (not encodable as UTF-8) and C1 controls,
normalises to NFC (what looks the same compares the same) and is bounded in length. A refusal is a pydantic
validation error, so the client gets a 422 naming the field and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import AfterValidator, BeforeValidator, StringConstraints

# Explicit embeddings, overrides and isolates, and the marks that steer them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_LINE_BREAKS = re.compile(r"\r\n?")
_ANY_LINE_BREAK = re.compile(r"\r\n?|\n")


def _refuse_unstorable(value: str) -> None:
    if "\x00" in value:
        raise ValueError("must not contain NUL (U+0000)")
    if any(unicodedata.category(c) == "Cs" for c in value):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")


def _first_control(value: str, allowed: str = "") -> str | None:
    return next((c for c in value if unicodedata.category(c) == "Cc" and c not in allowed), None)


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _nfc(value: Any) -> Any:
    """Before any length check, so the bound counts what is stored."""
    if isinstance(value, str):
        _refuse_unstorable(value)
        return unicodedata.normalize("NFC", value)
    return value


def _single_line(value: str) -> str:
    if (control := _first_control(value)) is not None:
        what = "a line break" if control in "\r\n" else f"a control character ({_describe(control)})"
        raise ValueError(f"must be one line of text without {what}")
    if bidi := next((c for c in value if c in BIDI_CONTROLS), None):
        raise ValueError(f"must not contain a bidirectional control character ({_describe(bidi)})")
    return value


def _free_text(value: str) -> str:
    value = _LINE_BREAKS.sub("\n", value)
    if (control := _first_control(value, allowed="\t\n")) is not None:
        raise ValueError(f"must not contain a control character ({_describe(control)})")
    return value


def _lines(max_lines: int) -> Any:
    def check(value: str) -> str:
        lines = [_single_line(line.strip()) for line in _ANY_LINE_BREAK.split(value) if line.strip()]
        if not lines:
            raise ValueError("must not be empty")
        if len(lines) > max_lines:
            raise ValueError(f"at most {max_lines} lines")
        return "\n".join(lines)

    return check


def _single(max_length: int) -> Any:
    # The constraints sit on str itself (the validators wrap them), so a bound reads "at most N characters" and the
    # minimum counts after stripping.
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        BeforeValidator(_nfc),
        AfterValidator(_single_line),
    ]


def _free(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), BeforeValidator(_nfc), AfterValidator(_free_text)]


# One line (stripped, not empty): names, titles, places, labels.
if TYPE_CHECKING:  # to a type checker each is a str; at run time each carries its validation
    Name: TypeAlias = str
    Line: TypeAlias = str
    Title: TypeAlias = str
    Reason: TypeAlias = str
    Description: TypeAlias = str
    Comment: TypeAlias = str
    PostalAddress: TypeAlias = str
else:
    Name = _single(100)  # a given, middle or family name, a degree, a suffix
    Line = _single(200)  # a label, a specialty, an organisation
    Title = _single(300)  # an activity's title, a place
    Reason = _single(1000)  # why support did something (an extension, a correction, a merge)
    # Paragraphs (may be empty): tabs and line breaks allowed.
    Description = _free(5000)
    Comment = _free(2000)
    # A few lines, each one line of text as above, trimmed; blank lines dropped, the rest joined with LF.
    PostalAddress = Annotated[
        str, StringConstraints(max_length=500), BeforeValidator(_nfc), AfterValidator(_lines(max_lines=5))
    ]
