"""The answers identity gives at the HTTP level, which are no rule's refusal: sign-in failed (401), not signed in
(401), a role missing (403), too many attempts (429), a link that does not work (400). Refusals of identity's rules
are in domain.refusals; the kit's problem handler answers both."""

from __future__ import annotations

from opencme_kit.problems import Problem, field_problem

SIGN_IN_FAILED_DETAIL = "the email or password is not correct"


def throttled(retry_after: int, what: str) -> Problem:
    return Problem(
        429,
        "Too Many Requests",
        f"too many {what}; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def sign_in_failed() -> Problem:
    """The same answer for an unknown email and a wrong password: it must not tell which."""
    return Problem(
        401,
        "Sign-in failed",
        SIGN_IN_FAILED_DETAIL,
        errors=[{"field": "password", "reason": "email or password not correct"}],
    )


def unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def link_not_valid(reason: str) -> Problem:
    """A reset or verification link's token that is unknown, used or expired: 400, as identity has always answered
    (the kit's kinds of refusal have no 400)."""
    return field_problem("token", reason, status=400)
