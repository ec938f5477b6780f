"""Identity rules, free of I/O: emails, NPI, which email may sign in, throttling windows, sessions, merges."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from identity.password_policy import PolicyViolation, check_password

__all__ = ["PolicyViolation", "RuleConflict", "check_password"]

# USPS codes: the 50 states, DC, the territories and the military "states".
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "UM",
        "AA",
        "AE",
        "AP",
    ]
)


class RuleConflict(ValueError):
    """The request is well formed but the account's state forbids it (HTTP 409)."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


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


def full_name(first: str, middle: str | None, last: str, suffix: str | None) -> str:
    parts = [first, middle, last]
    name = " ".join(p for p in parts if p)
    return f"{name}, {suffix}" if suffix else name


# --- emails -----------------------------------------------------------------------------------------------


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


def check_can_make_primary(addresses: Sequence[EmailAddress], email: str) -> None:
    address = _find(addresses, email)
    if not address.verified:
        raise RuleConflict("verify this address (open the link sent to it) before making it primary", field="email")


def check_can_remove(addresses: Sequence[EmailAddress], email: str) -> None:
    address = _find(addresses, email)
    if address.is_primary:
        raise RuleConflict("this is the primary address: make another verified address primary first", field="email")
    if address.verified and not any(a.verified for a in addresses if a.email != email):
        raise RuleConflict("this is the account's last verified address: verify another one first", field="email")


def _find(addresses: Sequence[EmailAddress], email: str) -> EmailAddress:
    for address in addresses:
        if address.email == email:
            return address
    raise LookupError(email)


# --- throttling -------------------------------------------------------------------------------------------


def retry_after(hits: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int | None:
    """Sliding window: with `limit` or more hits in the last `window`, the seconds until one more is allowed
    (when the oldest hit that keeps the count at the limit leaves the window); None when allowed now."""
    recent = sorted(h for h in hits if h > now - window)
    if len(recent) < limit:
        return None
    leaves_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


# --- sessions ---------------------------------------------------------------------------------------------


def refresh_outcome(
    *,
    token_expires_at: datetime,
    rotated: bool,
    family_revoked: bool,
    family_expires_at: datetime,
    account_disabled: bool,
    now: datetime,
) -> str:
    """'rotate' for a good refresh token; 'reused' when it was already exchanged (someone holds a copy: the whole
    family must go); otherwise why it is refused."""
    if family_revoked:
        return "revoked"
    if rotated:
        return "reused"
    if account_disabled:
        return "disabled"
    if token_expires_at <= now or family_expires_at <= now:
        return "expired"
    return "rotate"


def check_key_retirement(
    *, kid: str, signer_kid: str, signer_since: datetime, access_token_ttl: timedelta, now: datetime
) -> None:
    """A key leaves the JWKS only when no unexpired token can carry it: it must have stopped signing (a newer key
    signs) at least one access-token lifetime ago."""
    if kid == signer_kid:
        raise RuleConflict("this key signs tokens now: add a newer key and wait until it signs first")
    if now - signer_since < access_token_ttl:
        wait = math.ceil((access_token_ttl - (now - signer_since)).total_seconds())
        raise RuleConflict(f"tokens signed with this key may still be valid: retire it in {wait} s")


# --- merges -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergePlan:
    profile: dict[str, Any]
    filled: tuple[str, ...] = ()
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    boards_added: tuple[str, ...] = ()
    board_id_conflicts: dict[str, dict[str, str]] = field(default_factory=dict)

    def audit_detail(self) -> dict[str, Any]:
        return {
            "filled": list(self.filled),
            "conflicts": self.conflicts,
            "boards_added": list(self.boards_added),
            "board_id_conflicts": self.board_id_conflicts,
        }


def plan_merge(survivor: Mapping[str, Any], merged: Mapping[str, Any], fields: Sequence[str]) -> MergePlan:
    """The surviving account keeps what it has; what it lacks it takes from the merged one. Board IDs are combined,
    the survivor's winning where both have one for a board. Every difference that was not taken is reported."""
    profile = {name: survivor.get(name) for name in fields}
    filled: list[str] = []
    conflicts: dict[str, dict[str, Any]] = {}
    # The birth month and day go together: a day from one account and a month from the other would match nobody.
    groups = [
        ("birth_month", "birth_day") if name == "birth_month" else (name,)
        for name in fields
        if name not in ("board_ids", "birth_day")
    ]
    for group in groups:
        kept, offered = tuple(survivor.get(n) for n in group), tuple(merged.get(n) for n in group)
        if all(v is None for v in offered) or kept == offered:
            continue
        label = "birth_date" if len(group) > 1 else group[0]
        if all(v is None for v in kept):
            profile.update(zip(group, offered, strict=True))
            filled.append(label)
        else:
            conflicts[label] = {"kept": _show(kept), "dropped": _show(offered)}
    boards = dict(survivor.get("board_ids") or {})
    added, board_conflicts = [], {}
    for board, board_id in sorted((merged.get("board_ids") or {}).items()):
        if board not in boards:
            boards[board] = board_id
            added.append(board)
        elif boards[board] != board_id:
            board_conflicts[board] = {"kept": boards[board], "dropped": board_id}
    if "board_ids" in fields:
        profile["board_ids"] = boards
    return MergePlan(
        profile=profile,
        filled=tuple(filled),
        conflicts=conflicts,
        boards_added=tuple(added),
        board_id_conflicts=board_conflicts,
    )


def _show(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else "/".join(str(v) for v in values)


def check_merge(
    *, surviving_id: Any, merged_id: Any, actor_id: Any, survivor_disabled: bool, merged_disabled: bool
) -> None:
    if surviving_id == merged_id:
        raise RuleConflict("an account cannot be merged into itself", field="merged_user_id")
    if survivor_disabled:
        raise RuleConflict("the surviving account was itself merged away", field="surviving_user_id")
    if merged_disabled:
        raise RuleConflict("that account was already merged", field="merged_user_id")
    if actor_id in (surviving_id, merged_id):
        raise RuleConflict("nobody merges their own accounts: ask another member of support", field="merged_user_id")
