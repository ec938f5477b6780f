"""The roles identity grants and every service checks (BRIEF: learner, staff, support, admin)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    LEARNER = "learner"
    STAFF = "staff"  # CME coordinator: activities, fees, codes, attendance
    SUPPORT = "support"  # help desk: finds learners, resends, extensions, corrections, merges
    ADMIN = "admin"  # roles, organisation, board registry; may do what staff and support do


ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.STAFF, Role.SUPPORT, Role.ADMIN})
