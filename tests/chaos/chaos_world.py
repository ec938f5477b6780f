"""What the fault-injection suite's tests share: the chaos profile, the surge's size, the stack's short leases, and
the session's World (the stack, a gateway client, staff, learners, the ledger)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
from chaos_ledger import Ledger
from chaos_surge import Learner

from devstack.config import StackConfig
from devstack.pytest_plugin import CHAOS_LEDGER_TABLE
from devstack.stack import Stack

CHAOS = StackConfig.for_profile("chaos")
LEDGER_TABLE = CHAOS_LEDGER_TABLE  # the rows of the session's table, printed at its end by devstack's pytest plugin

# Claims per surge (one per learner, every learner claims in every scenario). 100 keeps the whole suite near seven
# minutes on CI's two cores, after the main suite; OPENCME_CHAOS_CLAIMS=2000 is the surge, for a machine with
# the cores for it (the cluster suite, tests/cluster, runs it).
CLAIMS = int(os.environ.get("OPENCME_CHAOS_CLAIMS", "100"))

# Short leases and retry waits, so that what a fault interrupted is taken up again within a CI run rather than after
# the production defaults (a certificate's lease 120 s, a board call's 5 min, retries from 30 s / 5 s doubling).
SERVICE_OVERRIDES = {
    "certificates": {"ISSUE_LEASE_SECONDS": "10"},
    "board-reporting": {
        "BOARD_TIMEOUT": "5",
        "SUBMISSION_LEASE_SECONDS": "10",
        "RETRY_BASE_SECONDS": "1",
        "RETRY_CAP_SECONDS": "8",
    },
    "notifications": {
        "SMTP_TIMEOUT": "3",
        "CLAIM_LEASE_SECONDS": "10",
        "RETRY_BASE_SECONDS": "1",
        "RETRY_CAP_SECONDS": "8",
    },
}


@dataclass
class World:
    stack: Stack
    client: httpx.AsyncClient
    staff: dict[str, str]
    learners: list[Learner]
    ledger: Ledger
