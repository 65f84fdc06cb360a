"""Demo data and performance benchmarks: synthetic populations and the timed runs behind `manage.py bench`."""
