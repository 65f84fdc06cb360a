"""Cluster 02 demo data (collection): `load(ctx)` once the area has demo cases."""
