"""Cluster 02 demo data (wages): `load(ctx)` once the area has demo cases."""
