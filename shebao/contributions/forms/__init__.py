"""Forms of cluster 02 pages, one module per area: they parse input only; the services validate."""
