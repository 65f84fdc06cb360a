"""Cluster 02 (wages): item declarations (register_item / register_app)."""
