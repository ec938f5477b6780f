"""The kit's merged-accounts promise, kept on the certificates service's own database."""

from certificates.config import MIGRATIONS
from opencme_kit.merges_contract import MergedAccountsContract


class TestCertificatesKeepsTheMergedAccountsContract(MergedAccountsContract):
    migrations = MIGRATIONS
