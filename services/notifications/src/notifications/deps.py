"""What the notifications routes depend on: a database connection, the caller, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from notifications.config import Settings
from opencme_kit.auth import CurrentUser, SupportOnly
from opencme_kit.service import ConnDep, settings_of

__all__ = ["ConnDep", "CurrentUser", "SettingsDep", "SupportOnly"]

SettingsDep = Annotated[Settings, Depends(settings_of)]
