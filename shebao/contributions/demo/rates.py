"""Cluster 02 demo data (rates): `load(ctx)` once the area has demo cases."""
