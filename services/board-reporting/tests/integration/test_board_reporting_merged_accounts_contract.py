"""Board reporting keeps the kit's merged-accounts promise, on its own database (migrations and all)."""

from board_reporting.config import MIGRATIONS
from opencme_kit.merges_contract import MergedAccountsContract


class TestBoardReportingKeepsTheMergedAccountsContract(MergedAccountsContract):
    migrations = MIGRATIONS
