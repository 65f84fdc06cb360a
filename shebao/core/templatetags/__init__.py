"""Template tags of the workbench and portal."""
