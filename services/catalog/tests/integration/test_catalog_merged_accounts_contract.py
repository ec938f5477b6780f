"""The kit's merged-accounts promise (recording a merge, resolving a learner, the per-learner lock), run against the
catalog's own migrated database."""

from catalog.config import MIGRATIONS
from opencme_kit.merges_contract import MergedAccountsContract


class TestCatalogKeepsTheMergedAccountsContract(MergedAccountsContract):
    migrations = MIGRATIONS
