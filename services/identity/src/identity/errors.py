"""The HTTP problems identity's use cases raise, built from its domain's refusals."""

from __future__ import annotations

from identity import domain
from opencme_kit.problems import Problem, field_problem

SIGN_IN_FAILED_DETAIL = "the email or password is not correct"


def invalid(violation: domain.PolicyViolation) -> Problem:
    return field_problem(violation.field, violation.reason)


def conflict(rule: domain.RuleConflict) -> Problem:
    errors = [{"field": rule.field, "reason": rule.reason}] if rule.field else None
    return Problem(409, "Conflict", rule.reason, errors=errors)


def throttled(retry_after: int, what: str) -> Problem:
    return Problem(
        429,
        "Too Many Requests",
        f"too many {what}; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def sign_in_failed() -> Problem:
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
