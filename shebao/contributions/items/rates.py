"""Cluster 02 (rates): item declarations (register_item / register_app)."""
