"""The peer network between node processes (F-A3): mutual TLS 1.3, frames, envelopes, peers.

``PeerNetwork`` is what the node wires in: it listens and dials, admits
only peers whose transport key the registry lists (at the node's latest
committed height, ``node.peer_registry``), and carries
consensus messages (it is the consensus ``Transport``), tx and evidence
gossip, status and block sync. Transport keys are Ed25519 under a member's
transport CA (docs/decisions/0004-transport-tls-keys.md).
"""

from govchain.network.certs import (
    TransportIdentity,
    init_transport_ca,
    issue_transport_certificate,
    pem_bundle,
    spki_fingerprint,
    spki_fingerprint_der,
)
from govchain.network.config import NetworkConfig
from govchain.network.connection import PeerCounters
from govchain.network.envelope import (
    MAX_BLOCKS_PER_REQUEST,
    MAX_GOSSIP_TXS,
    BlocksRequest,
    BlocksResponse,
    ConsensusPayload,
    Envelope,
    EvidencePayload,
    Hello,
    Status,
    TxPayload,
    TxsPayload,
    decode_envelope,
    encode_envelope,
)
from govchain.network.errors import FrameError, NetworkError, PeerRefusedError
from govchain.network.framing import MAX_FRAME_BYTES, read_frame, write_frame
from govchain.network.peers import PeerHandlers, PeerNetwork
from govchain.network.tls import PeerPolicy, client_context, server_context

__all__ = [
    "MAX_BLOCKS_PER_REQUEST",
    "MAX_FRAME_BYTES",
    "MAX_GOSSIP_TXS",
    "BlocksRequest",
    "BlocksResponse",
    "ConsensusPayload",
    "Envelope",
    "EvidencePayload",
    "FrameError",
    "Hello",
    "NetworkConfig",
    "NetworkError",
    "PeerCounters",
    "PeerHandlers",
    "PeerNetwork",
    "PeerPolicy",
    "PeerRefusedError",
    "Status",
    "TransportIdentity",
    "TxPayload",
    "TxsPayload",
    "client_context",
    "decode_envelope",
    "encode_envelope",
    "init_transport_ca",
    "issue_transport_certificate",
    "pem_bundle",
    "read_frame",
    "server_context",
    "spki_fingerprint",
    "spki_fingerprint_der",
    "write_frame",
]
