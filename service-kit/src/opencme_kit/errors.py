"""Refusals a service's rules raise, free of HTTP: the kit's problem handler (problems.install) is the one place that
turns them into problem+json responses, naming the field and the reason.

Raise the kind that says what went wrong; a service may subclass one to give it its own title:

    class ClaimRefused(errors.Invalid):
        title = "Claim refused"
"""

from __future__ import annotations


class Refusal(Exception):
    """The rules refuse a request. `field` names what a form must mark (a dotted path), or None for the whole
    request."""

    title = "Refused"

    def __init__(self, field: str | None, reason: str, *, detail: str | None = None) -> None:
        """`detail`, when given, is the sentence for the whole answer; by default it is "field: reason"."""
        super().__init__(field, reason)  # the arguments, so a refusal copies and pickles like any exception
        self.field = field
        self.reason = reason
        self.detail = detail or (f"{field}: {reason}" if field else reason)

    def __str__(self) -> str:
        return self.detail


class Invalid(Refusal):
    """What was asked breaks a rule about its own content (an amount over the maximum, a date in the past)."""

    title = "Invalid request"


class Conflict(Refusal):
    """What was asked clashes with what is recorded now (claimed already, the course is full)."""

    title = "Conflict"


class NotFound(Refusal):
    """What was asked about does not exist, or the caller may not know that it does."""

    title = "Not Found"


class Forbidden(Refusal):
    """The caller may not do this."""

    title = "Forbidden"
