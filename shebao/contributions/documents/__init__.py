"""Printed documents of cluster 02, one module per area (imported by the items modules that declare them)."""
