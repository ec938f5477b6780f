"""Identity's rules, free of I/O, by area: an account's profile, emails and roles (accounts), its password
(passwords), signing in and signing keys (sessions), merging duplicates (merges). They raise the refusals in
`refusals`, kinds of the kit's errors with no HTTP status; the kit's problem handler answers them."""

from .accounts import (
    MAX_EMAILS,
    US_STATES,
    Account,
    EmailAddress,
    address_of,
    check_an_admin_remains,
    check_can_add,
    check_can_make_primary,
    check_can_remove,
    check_can_resend,
    check_role_removal,
    check_roles_changeable,
    day_exists,
    full_name,
    may_sign_in_with,
    normalise_email,
    npi_is_valid,
)
from .merges import MergePlan, check_merge, plan_merge
from .passwords import PolicyViolation, check_password, common_passwords
from .refusals import EmailNotVerified, EmailTaken, RoleRefused, RuleConflict, WordedRefusal
from .sessions import RefreshOutcome, check_key_retirement, refresh_outcome, retry_after

__all__ = [
    "MAX_EMAILS",
    "US_STATES",
    "Account",
    "EmailAddress",
    "EmailNotVerified",
    "EmailTaken",
    "MergePlan",
    "PolicyViolation",
    "RefreshOutcome",
    "RoleRefused",
    "RuleConflict",
    "WordedRefusal",
    "address_of",
    "check_an_admin_remains",
    "check_can_add",
    "check_can_make_primary",
    "check_can_remove",
    "check_can_resend",
    "check_key_retirement",
    "check_merge",
    "check_password",
    "check_role_removal",
    "check_roles_changeable",
    "common_passwords",
    "day_exists",
    "full_name",
    "may_sign_in_with",
    "normalise_email",
    "npi_is_valid",
    "plan_merge",
    "refresh_outcome",
    "retry_after",
]
