from __future__ import annotations

from opencme_kit import merges
from opencme_kit.db import Migrations
from opencme_kit.service import KitSettings, Niceness

SERVICE = "board-reporting"
MIGRATIONS = (merges.SCHEMA, Migrations.of("board_reporting"))  # the kit's merged_accounts first, then our own


class Settings(KitSettings):
    database_url: str = "postgresql://opencme@127.0.0.1:5432/opencme_board_reporting"
    provider_name: str = "OpenCME Demo Health System"
    board_endpoint_url: str = "http://127.0.0.1:8126"
    board_timeout: float = 10.0
    # How often an idle worker looks for due reports without being told: a queued report wakes it at once (NOTIFY)
    # and a retry at its time; this only covers a notice nobody has seen.
    submit_interval: float = 60.0
    submit_batch_size: int = 20
    # Board reports are due in days: in a surge that shares the cores, the certificates are made first.
    worker_niceness: Niceness = 19
    # With these defaults a board that stays down is retried for two to three days before a report is marked failed.
    max_attempts: int = 20
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 6 * 3600.0
    # Far above board_timeout (the calls of a round run concurrently): a report whose worker died mid-call is taken up
    # again once its lease has run out. Short in the fault-injection suite.
    submission_lease_seconds: float = 300.0
