"""``govchain net remove-node``: the ``node.remove`` proposal for a node of a laid-out network.

Issue 15 item 7 (F-A2, F-B2). The command only prepares the vote: it reads
``D/network.json`` (the node must be listed there), finds the member that
runs the node (its genesis registry entry, else the member whose transport
CA issued the node's transport certificate) so that member's admin key can
propose, and returns the proposal. It writes nothing: the node keeps its
home, stays in ``D/network.json`` and keeps running until the operator stops
it once ``node.remove`` executed (a removal may be voted down or expire, and
a validator that stopped early would only cost the chain a vote it still
counts on).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509

from govchain.crypto.certs import certificate_from_pem
from govchain.ledger.genesis_file import load_genesis
from govchain.network.certs import TRANSPORT_CERT_FILE
from govchain.node.netinit import GENESIS_FILE, NETWORK_FILE, TLS_DIR, NodeLayout, read_layout
from govchain.types import Genesis
from govchain.types.errors import GovChainError, ValidationError

__all__ = ["MAX_REASON", "NodeRemoval", "remove_node"]

MAX_REASON = 256
"""The most characters of a ``node.remove`` reason (as the action checks it)."""


@dataclass(frozen=True)
class NodeRemoval:
    """The node to remove, the member that runs it, and the proposal that removes it."""

    node: NodeLayout
    org: str | None
    """The credit code of the member that runs the node; None when it cannot be told."""
    reason: str

    def args(self) -> dict[str, object]:
        """The arguments of the ``node.remove`` proposal."""
        return {"name": self.node.name, "reason": self.reason}

    def proposal(self) -> dict[str, object]:
        """``{"action": "node.remove", "args": {...}}``: what ``net remove-node --json`` prints."""
        return {"action": "node.remove", "args": self.args()}

    def propose_arguments(self) -> str:
        """The ``gov propose`` words that make the proposal (without --node, --key, --reason)."""
        sets = " ".join(f"--set {shlex.quote(f'{k}={v}')}" for k, v in self.args().items())
        return f"gov propose node.remove {sets}"


def remove_node(directory: Path, name: str, reason: str | None = None) -> NodeRemoval:
    """The removal of node ``name`` of the network of ``directory`` (default reason given).

    Raises ValidationError when ``D/network.json`` does not list the node or
    the reason is blank or longer than ``MAX_REASON`` characters.
    """
    layout = read_layout(directory)
    node = next((n for n in layout.nodes if n.name == name), None)
    if node is None:
        names = ", ".join(n.name for n in layout.nodes)
        raise ValidationError(
            f"--name {name}: {directory / NETWORK_FILE} lists no such node (its nodes: {names})"
        )
    reason = f"remove node {name}" if reason is None else reason
    if not reason.strip() or len(reason) > MAX_REASON:
        raise ValidationError(f"--reason: expected 1 to {MAX_REASON} characters, not blank")
    genesis = load_genesis(directory / GENESIS_FILE)
    return NodeRemoval(node, _owner(genesis, node), reason)


def _owner(genesis: Genesis, node: NodeLayout) -> str | None:
    """The member running ``node``: its genesis entry's, else its transport CA's owner."""
    for entry in genesis.network.nodes:
        if entry.name == node.name:
            return entry.org
    try:
        cert = certificate_from_pem((node.home / TLS_DIR / TRANSPORT_CERT_FILE).read_bytes())
        for member in genesis.network.members:
            if x509.Certificate.load(member.transport_ca).subject == cert.issuer:
                return member.org
    except (OSError, ValueError, TypeError, GovChainError):
        return None  # the home is elsewhere or its certificate unreadable: any admin may propose
    return None
