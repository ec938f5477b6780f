"""Credit keeps the kit's merged-accounts promise on its own database (see opencme_kit.merges_contract)."""

from credit.config import MIGRATIONS
from opencme_kit.merges_contract import MergedAccountsContract


class TestCreditKeepsTheMergedAccountsContract(MergedAccountsContract):
    migrations = MIGRATIONS
