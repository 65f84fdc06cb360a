"""Cluster 02 社会保险费征缴: wages, bases, rates, the receivable ledger, collection and arrears."""
