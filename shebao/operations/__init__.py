"""Cluster 11 社会保险信息化应用 — the items that keep the system itself running (1105–1111)."""
