"""Cluster 11 benchmarks (run by hand, not in the test suite)."""
