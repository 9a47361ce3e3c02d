"""Property tests of the HTTP API: generated requests against the real app over a real node."""
