"""Cluster 02 (collection): item declarations (register_item / register_app)."""
