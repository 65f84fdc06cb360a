"""Cluster 02 scoped reads (selectors), one module per area; services write, selectors read."""
