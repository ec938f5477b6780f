"""The kit's merged-accounts promise, kept on notifications' own database (its migrations, the kit's table among
them)."""

from notifications.config import MIGRATIONS
from opencme_kit.merges_contract import MergedAccountsContract


class TestNotificationsKeepsTheMergedAccountsContract(MergedAccountsContract):
    migrations = MIGRATIONS
