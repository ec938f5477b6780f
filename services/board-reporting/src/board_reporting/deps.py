"""The dependencies board reporting's routes take: a connection, the caller, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from board_reporting.config import Settings
from opencme_kit.auth import CurrentUser, Principal, StaffOnly, SupportOnly, require_roles
from opencme_kit.roles import Role
from opencme_kit.service import ConnDep, settings_of

__all__ = ["AdminOnly", "ConnDep", "CurrentUser", "SettingsDep", "StaffOnly", "SupportOnly"]

SettingsDep = Annotated[Settings, Depends(settings_of)]
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
