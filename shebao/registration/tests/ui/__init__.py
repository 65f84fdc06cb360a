"""UI tests of the registration pages and the portals (Django test client)."""
