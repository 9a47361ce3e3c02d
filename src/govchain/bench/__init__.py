"""Benchmark drivers behind ``govchain bench``: figures, measured in the run that prints them."""
