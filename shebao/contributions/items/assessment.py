"""Cluster 02 (assessment): item declarations (register_item / register_app)."""
