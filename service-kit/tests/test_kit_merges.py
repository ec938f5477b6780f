from opencme_kit import merges
from opencme_kit.merges_contract import MergedAccountsContract


class TestTheKitsMergedAccountsOnItsOwnSchema(MergedAccountsContract):
    migrations = (merges.SCHEMA,)
