"""Rules of signing in and staying signed in: throttling windows, refresh-token rotation, a browser's session cookie,
signing-key retirement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from .refusals import CrossSiteRefused, RuleConflict

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


# --- a browser's session ------------------------------------------------------------------------------------
# The portal keeps its refresh token in an HttpOnly cookie that no script can read. A cookie travels with whatever
# request the browser makes, so a request may use it only when it proves it comes from the portal's own pages:
# OWASP's custom request header (which no cross-site form can send and no cross-site script can without a CORS
# preflight identity never grants), and the browser's own Sec-Fetch-Site and Origin when it sends them.

PORTAL_CLIENT = "portal"  # the value of X-OpenCME-Client that makes a request a browser's
CLIENT_HEADER = "X-OpenCME-Client"


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL as a browser writes it in Origin (lower case, no default port); None when it
    has no scheme and host (e.g. an Origin of "null")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port out of range, a malformed IPv6 host
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    default_port = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default_port else "")


def check_portal_request(*, sec_fetch_site: str | None, origin: str | None, portal_origin: str | None) -> None:
    """A request that says it is the portal's (X-OpenCME-Client: portal) must look same-origin wherever the browser
    says where it comes from: Sec-Fetch-Site, when sent, is same-origin; Origin, when sent, is the portal's."""
    if sec_fetch_site is not None and sec_fetch_site.strip().lower() != "same-origin":
        raise CrossSiteRefused(
            None,
            f"Sec-Fetch-Site is {sec_fetch_site.strip()[:40]!r}, not 'same-origin'",
            detail="the session cookie is used only by requests from the portal's own pages "
            f"(this one's Sec-Fetch-Site is {sec_fetch_site.strip()[:40]!r}, not 'same-origin')",
        )
    if origin is not None and (portal_origin is None or origin_of(origin) != portal_origin):
        raise CrossSiteRefused(
            None,
            "Origin is not the portal's",
            detail=f"the session cookie is used only by requests from the portal's own pages (this one's Origin, "
            f"{origin.strip()[:100]!r}, is not the portal's {portal_origin!r})",
        )


def check_cookie_use(*, client: str | None) -> None:
    """The session cookie is honoured only with the portal's header: a browser sends the cookie along with any
    cross-site form post, but no cross-site page can add a custom header."""
    if client != PORTAL_CLIENT:
        raise CrossSiteRefused(
            None,
            f"the session cookie needs the header {CLIENT_HEADER}: {PORTAL_CLIENT}",
            detail=f"the session cookie is used only with the header {CLIENT_HEADER}: {PORTAL_CLIENT} "
            "(a protection against cross-site request forgery); other clients send the refresh token in the body",
        )


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
