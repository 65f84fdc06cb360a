"""Cluster 02 demo data (arrears): `load(ctx)` once the area has demo cases."""
