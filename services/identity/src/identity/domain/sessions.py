"""Rules of signing in and staying signed in: throttling windows, refresh-token rotation, signing-key retirement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from .refusals import RuleConflict

RefreshOutcome = Literal["rotate", "reused", "revoked", "disabled", "expired"]


def retry_after(hits: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int | None:
    """Sliding window: with `limit` or more hits in the last `window`, the seconds until one more is allowed
    (when the oldest hit that keeps the count at the limit leaves the window); None when allowed now."""
    recent = sorted(h for h in hits if h > now - window)
    if len(recent) < limit:
        return None
    leaves_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def refresh_outcome(
    *,
    token_expires_at: datetime,
    rotated: bool,
    family_revoked: bool,
    family_expires_at: datetime,
    account_disabled: bool,
    now: datetime,
) -> RefreshOutcome:
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
        raise RuleConflict(None, "this key signs tokens now: add a newer key and wait until it signs first")
    if now - signer_since < access_token_ttl:
        wait = math.ceil((access_token_ttl - (now - signer_since)).total_seconds())
        raise RuleConflict(None, f"tokens signed with this key may still be valid: retire it in {wait} s")
