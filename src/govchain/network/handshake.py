"""Who is on the other end of a fresh TLS link: the registered key, then the hello.

Both sides run the same steps. First the peer's certificate key must be in
the allow-list (``tls.peer_identity``), be another node's, and, when we
dialed, be the node we meant to reach. Only then does our hello go out. The
peer's first frame must be its hello, within the handshake timeout, naming
the node its key is registered for and our chain id. Anything else raises
:class:`PeerRefusedError` with the reason.
"""

from __future__ import annotations

import asyncio

from govchain.codec import Limits
from govchain.network.envelope import Hello, decode_envelope, encode_envelope
from govchain.network.errors import PeerRefusedError
from govchain.network.framing import encode_frame, read_frame
from govchain.network.tls import PeerPolicy, peer_identity
from govchain.types.errors import ValidationError

__all__ = ["handshake"]


async def handshake(
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    local: Hello,
    policy: PeerPolicy,
    expected: str | None,
    *,
    limits: Limits,
    timeout_s: float,
) -> Hello:
    """Identify the peer of a TLS link and exchange hellos.

    Parameters:
        streams: the link, right after its TLS handshake.
        local: this node's hello.
        policy: the trusted CAs and the allow-list.
        expected: the node we dialed, or None for a link we accepted.
        limits: decoder limits of the link (its frame size).
        timeout_s: how long to wait for the peer's hello.

    Returns:
        The peer's hello; its ``node`` is the registered name of the peer's key.

    Raises:
        PeerRefusedError: the peer is not who it must be.
        asyncio.IncompleteReadError, OSError, TimeoutError: the link failed.
    """
    reader, writer = streams
    name = peer_identity(writer.get_extra_info("ssl_object"), policy)
    if name == local.node:
        raise PeerRefusedError("the peer presents this node's own key")
    if expected is not None and name != expected:
        raise PeerRefusedError(
            f"dialed {expected!r}, but the peer's key is registered for {name!r}"
        )
    writer.write(encode_frame(encode_envelope(local), limits.max_bytes))
    await writer.drain()
    try:
        async with asyncio.timeout(timeout_s):
            payload = await read_frame(reader, limits.max_bytes)
        hello = decode_envelope(payload, limits)
    except ValidationError as exc:
        raise PeerRefusedError(f"{name}: a malformed hello: {exc}") from exc
    if not isinstance(hello, Hello):
        raise PeerRefusedError(f"{name}: the first frame is a {hello.KIND}, not a hello")
    if hello.node != name:
        raise PeerRefusedError(
            f"the hello names {hello.node!r}, but the peer's key is registered for {name!r}"
        )
    if hello.chain_id != local.chain_id:
        raise PeerRefusedError(f"{name} is on chain {hello.chain_id!r}, not {local.chain_id!r}")
    return hello
