"""Cluster 02 Excel files (templates, uploads, error workbooks), one module per area, on `shebao.core.excel`."""
