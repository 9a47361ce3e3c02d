"""Mutual TLS 1.3 between nodes, and who a peer is once the handshake is done.

TLS proves the peer holds the key of a certificate issued by a member's
transport CA. That alone admits too much (a CA may issue certificates for
anything), so the peer's key must also be listed in the allow-list the node
builds from the registry at its latest committed height (``node.peer_registry``):
``{SPKI SHA-256: node name}``. Host names mean nothing here; ``check_hostname``
is off and the allow-list decides. A key the registry knows but no longer
admits (a removed node, a node of a suspended member) is refused with that
reason (``barred``).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from govchain.network.certs import spki_fingerprint_der
from govchain.network.errors import PeerRefusedError
from govchain.types.errors import CertificateError

__all__ = ["PeerPolicy", "client_context", "peer_identity", "peer_key", "server_context"]


@dataclass(frozen=True)
class PeerPolicy:
    """Who this node trusts, and how it proves itself.

    ``ca_bundle`` is PEM text of the member transport CAs (only these are
    trusted); ``allowed`` maps a registered key's SPKI SHA-256 to its node
    name; ``cert_file`` and ``key_file`` are this node's own transport
    certificate and key; ``barred`` maps a key the registry lists but does
    not admit to the reason (``node n2 was removed at height 9``).
    """

    ca_bundle: bytes
    allowed: Mapping[bytes, str]
    cert_file: Path
    key_file: Path
    barred: Mapping[bytes, str] = field(default_factory=dict)
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        if not self.ca_bundle.strip():
            raise ValueError("a peer policy needs at least one trusted transport CA")
        names = list(self.allowed.values())
        if len(set(names)) != len(names):
            raise ValueError("a node name is listed for two keys in the allow-list")
        if self.allowed.keys() & self.barred.keys():
            raise ValueError("a key is both allowed and barred")
        object.__setattr__(self, "names", frozenset(names))

    def name_of(self, fingerprint: bytes) -> str | None:
        """The registered node name of a key fingerprint, or None."""
        return self.allowed.get(fingerprint)

    def refusal(self, fingerprint: bytes, name: str) -> str | None:
        """Why a link to ``name`` with key ``fingerprint`` is not admitted; None if it is."""
        registered = self.allowed.get(fingerprint)
        if registered == name:
            return None
        if registered is not None:
            return f"the peer's key is registered for {registered!r}, not {name!r}"
        return self.unknown_key(fingerprint)

    def unknown_key(self, fingerprint: bytes) -> str:
        """Why a key that is not in the allow-list is refused."""
        barred = self.barred.get(fingerprint)
        if barred is not None:
            return barred
        return f"the peer's key (SPKI SHA-256 {fingerprint.hex()}) is not registered for any node"

    def same_trust(self, other: PeerPolicy) -> bool:
        """Whether ``other`` builds the same TLS contexts (CAs and own certificate)."""
        return (self.ca_bundle, self.cert_file, self.key_file) == (
            other.ca_bundle,
            other.cert_file,
            other.key_file,
        )


def _context(server_side: bool, policy: PeerPolicy) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False  # identity is the allow-list's question, not DNS's
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_verify_locations(cadata=policy.ca_bundle.decode("ascii"))
        context.load_cert_chain(policy.cert_file, policy.key_file)
    except (ssl.SSLError, UnicodeDecodeError) as exc:
        raise CertificateError(f"cannot load the transport certificates: {exc}") from exc
    return context


def server_context(policy: PeerPolicy) -> ssl.SSLContext:
    """The TLS 1.3 context a node accepts peers with: it requires a client certificate."""
    context = _context(True, policy)
    context.num_tickets = 0  # no resumption: every link is authenticated in full
    return context


def client_context(policy: PeerPolicy) -> ssl.SSLContext:
    """The TLS 1.3 context a node dials peers with."""
    return _context(False, policy)


def peer_identity(ssl_object: ssl.SSLObject | ssl.SSLSocket | None, policy: PeerPolicy) -> str:
    """The registered node name of a TLS peer; PeerRefusedError with the reason otherwise."""
    fingerprint = peer_key(ssl_object)
    name = policy.name_of(fingerprint)
    if name is None:
        raise PeerRefusedError(policy.unknown_key(fingerprint))
    return name


def peer_key(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> bytes:
    """The SPKI SHA-256 of a TLS peer's certificate; PeerRefusedError if there is none."""
    if ssl_object is None:
        raise PeerRefusedError("the link is not TLS")
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        raise PeerRefusedError("the peer presented no certificate")
    try:
        fingerprint = spki_fingerprint_der(der)
    except CertificateError as exc:
        raise PeerRefusedError(f"unreadable peer certificate: {exc}") from exc
    return fingerprint
