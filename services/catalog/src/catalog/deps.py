"""What the catalog's routes depend on, as Annotated aliases: a connection, the caller, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from catalog.config import Settings
from opencme_kit.auth import CurrentUser, Principal, StaffOnly, SupportOnly, require_roles
from opencme_kit.roles import Role
from opencme_kit.service import ConnDep, settings_of

__all__ = ["ConnDep", "CurrentUser", "OfficeOnly", "SettingsDep", "StaffOnly", "SupportOnly"]

SettingsDep = Annotated[Settings, Depends(settings_of)]
# Coordinators, the help desk (who find a learner by an activity they registered for) and admins.
OfficeOnly = Annotated[Principal, Depends(require_roles(Role.STAFF, Role.SUPPORT, Role.ADMIN))]
