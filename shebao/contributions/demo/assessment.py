"""Cluster 02 demo data (assessment): `load(ctx)` once the area has demo cases."""
