"""A test-only app: the `batchapp.echo` batch kind and the tables it writes (installed by the test settings only)."""
