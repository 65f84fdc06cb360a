"""Cluster 02 printed documents (receipts), one module per area, on `shebao.core.documents`."""
