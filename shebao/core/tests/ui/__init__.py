"""UI tests of the clerk workbench (Django test client)."""
