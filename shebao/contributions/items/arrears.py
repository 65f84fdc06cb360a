"""Cluster 02 (arrears): item declarations (register_item / register_app)."""
