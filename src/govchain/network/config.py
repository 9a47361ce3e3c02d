"""The peer network's limits and timings: every one named, defaulted and configurable."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.network.framing import MAX_FRAME_BYTES

__all__ = [
    "BACKOFF_INITIAL_S",
    "BACKOFF_MAX_S",
    "BAD_FRAMES_MAX",
    "CLOSE_TIMEOUT_S",
    "HANDSHAKE_TIMEOUT_S",
    "MAX_INBOUND",
    "REFUSAL_LOG_INTERVAL_S",
    "REFUSAL_LOG_KEYS",
    "SEND_QUEUE_DEPTH",
    "STATUS_INTERVAL_S",
    "NetworkConfig",
]

SEND_QUEUE_DEPTH = 1024
"""Frames waiting for one peer; when full, new ones are dropped and counted."""
BAD_FRAMES_MAX = 8
"""Undecodable frames a connection may send before it is closed."""
BACKOFF_INITIAL_S = 0.2
BACKOFF_MAX_S = 5.0
"""Redial delays: the first wait, doubling up to this."""
HANDSHAKE_TIMEOUT_S = 10.0
"""The TLS handshake, and then the peer's hello, must each arrive within this."""
STATUS_INTERVAL_S = 5.0
"""How often a node tells its peers its height."""
CLOSE_TIMEOUT_S = 2.0
"""How long a closing link may wait for the peer's TLS close before it is cut."""
MAX_INBOUND = 64
"""Inbound connections open at once (handshaking or linked); more are closed on accept,
before any TLS work. A node sets twice its registry's node count."""
REFUSAL_LOG_INTERVAL_S = 60.0
"""Refused inbound links: at most one log line per peer address and kind per this interval."""
REFUSAL_LOG_KEYS = 1024
"""(Peer address, kind of refusal) pairs the refusal log remembers; the least recent go first."""


_COUNTS = (
    "max_frame_bytes", "send_queue_depth", "bad_frames_max", "max_inbound", "refusal_log_keys",
)  # fmt: skip
_DURATIONS = (
    "backoff_initial_s", "handshake_timeout_s", "status_interval_s", "close_timeout_s",
    "refusal_log_interval_s",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Limits of one node's peer network (defaults above)."""

    max_frame_bytes: int = MAX_FRAME_BYTES
    send_queue_depth: int = SEND_QUEUE_DEPTH
    bad_frames_max: int = BAD_FRAMES_MAX
    backoff_initial_s: float = BACKOFF_INITIAL_S
    backoff_max_s: float = BACKOFF_MAX_S
    handshake_timeout_s: float = HANDSHAKE_TIMEOUT_S
    status_interval_s: float = STATUS_INTERVAL_S
    close_timeout_s: float = CLOSE_TIMEOUT_S
    max_inbound: int = MAX_INBOUND
    refusal_log_interval_s: float = REFUSAL_LOG_INTERVAL_S
    refusal_log_keys: int = REFUSAL_LOG_KEYS

    def __post_init__(self) -> None:
        for name in _COUNTS:
            if getattr(self, name) < 1:
                raise ValueError(f"NetworkConfig.{name} must be at least 1")
        if self.max_frame_bytes > 2**32 - 1:
            raise ValueError("NetworkConfig.max_frame_bytes must fit a 4-byte length")
        for name in _DURATIONS:
            if not getattr(self, name) > 0:
                raise ValueError(f"NetworkConfig.{name} must be positive")
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("NetworkConfig.backoff_max_s must be at least backoff_initial_s")
