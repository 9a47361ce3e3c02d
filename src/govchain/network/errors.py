"""The peer network's errors: what a peer or the link can cause (STYLE.md practice 4)."""

from __future__ import annotations

from govchain.types.errors import GovChainError

__all__ = ["FrameError", "NetworkError", "PeerRefusedError"]


class NetworkError(GovChainError):
    """Root of the peer network's errors."""

    code = "network_error"


class FrameError(NetworkError):
    """A frame's length prefix is zero or over the connection's limit; the link is closed."""

    code = "frame_invalid"


class PeerRefusedError(NetworkError):
    """A peer failed identification: unregistered key, wrong name or wrong chain."""

    code = "peer_refused"
