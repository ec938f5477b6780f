"""What credit's routes depend on, as Annotated aliases: the connection, the caller, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from credit.config import Settings
from opencme_kit.auth import CurrentUser, StaffOnly, SupportOnly
from opencme_kit.service import ConnDep, settings_of

__all__ = ["ConnDep", "CurrentUser", "SettingsDep", "StaffOnly", "SupportOnly"]

SettingsDep = Annotated[Settings, Depends(settings_of)]
