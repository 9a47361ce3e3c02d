"""Bounded fuzzing of every decoder and verifier a peer or a client can feed: only typed errors."""
