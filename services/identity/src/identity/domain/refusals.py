"""What identity's rules refuse, as the kit's kinds of refusal (no HTTP status: the kit's one problem handler answers
them, 409 for a conflict, 403 for forbidden, 422 for invalid)."""

from __future__ import annotations

from opencme_kit import errors


class WordedRefusal(errors.Refusal):
    """A refusal whose problem detail is a sentence of its own (identity's wording, which clients show as it is)
    rather than the kit's "field: reason"; `detail` defaults to the reason."""

    def __init__(self, field: str | None, reason: str, *, detail: str | None = None) -> None:
        super().__init__(field, reason)
        self.detail = detail or reason

    def __str__(self) -> str:
        return self.detail


class RuleConflict(WordedRefusal, errors.Conflict):
    """The request is well formed but the account's state forbids it."""


class EmailTaken(RuleConflict):
    """Another account (or this one) holds the address already."""

    title = "Email already registered"


class EmailNotVerified(WordedRefusal, errors.Forbidden):
    """The right password, but an address that nobody has confirmed yet: it may not sign in."""

    title = "Email not verified"


class RoleRefused(WordedRefusal, errors.Invalid):
    """A role change that no account may have."""


class CrossSiteRefused(WordedRefusal, errors.Forbidden):
    """A request that would use the browser's session cookie without proving it comes from the portal's own pages
    (OWASP's defences against cross-site request forgery)."""

    title = "Cross-site request refused"
