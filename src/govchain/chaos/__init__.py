"""Chaos runs: real node processes under injected faults (issue 6, N-5)."""
