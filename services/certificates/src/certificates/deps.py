"""What the certificates routes depend on: a connection, the caller, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from certificates.config import Settings
from opencme_kit.auth import CurrentUser
from opencme_kit.service import ConnDep, settings_of

__all__ = ["ConnDep", "CurrentUser", "SettingsDep"]

SettingsDep = Annotated[Settings, Depends(settings_of)]
