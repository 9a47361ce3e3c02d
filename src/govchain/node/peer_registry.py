"""The peer network follows the registry: who may link, read from the state at the latest height.

Issue 14 items 1 and 4 (F-B2, docs/spec/registry.md "Nodes"). A node admits
a peer when the registry at its latest committed height lists the peer's
transport key for an ``active`` node whose member is ``active``; the TLS
trust is the transport CA (``ca_certs[0]``) of every active member. At
height 0 that is the genesis state, so a fresh network admits exactly the
nodes of its genesis.

:class:`PeerRegistry` keeps the current :class:`RegistrySnapshot` and its
:class:`PeerPolicy` in memory: the handshake asks them, never the store.
They are read again only after a committed block whose events may have
changed a node or a member (``registry.node_changed``,
``registry.member_changed``, any executed governance action), and the
network then closes the links the new policy no longer admits.
:func:`read_snapshot`, :func:`peer_policy` and :func:`own_standing` are pure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from asn1crypto import x509

from govchain.contracts.registry.records import MemberRecord, NodeRecord
from govchain.contracts.registry.state import MEMBERS, NODES, read_member, read_node
from govchain.contracts.state_lists import ListKeys, list_count
from govchain.execution.registry import ReadState
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.results import BlockResult
from govchain.ledger.statetree import get_value
from govchain.network import PeerPolicy, pem_bundle
from govchain.types import Block, Commit, Event
from govchain.types.errors import ValidationError
from govchain.types.network_registry import MAX_MEMBERS, MAX_NODES

__all__ = [
    "PeerRegistry",
    "RegistrySnapshot",
    "changes_peers",
    "own_standing",
    "peer_policy",
    "read_snapshot",
]

logger = logging.getLogger("govchain.node")

_UNRELATED = ("registry.access", "registry.account", "registry.role", "registry.subject")
"""Registry events that never change a node or a member (access, accounts, roles, subjects)."""
_R = TypeVar("_R")


@dataclass(frozen=True)
class RegistrySnapshot:
    """The members and nodes of the registry at ``height``, in the order they were added."""

    height: int
    members: tuple[MemberRecord, ...]
    nodes: tuple[NodeRecord, ...]

    def node(self, name: str) -> NodeRecord | None:
        """The record of node ``name``, or None."""
        return next((node for node in self.nodes if node.name == name), None)

    def member(self, code: str) -> MemberRecord | None:
        """The record of member ``code``, or None."""
        return next((member for member in self.members if member.code == code), None)


def read_snapshot(read: ReadState, height: int) -> RegistrySnapshot:
    """Every member and node record ``read`` sees (at most the registry's limits of each).

    Raises ValidationError when a listed record is missing or malformed.
    """
    members = tuple(_read_all(read, MEMBERS, MAX_MEMBERS, read_member, "member"))
    nodes = tuple(_read_all(read, NODES, MAX_NODES, read_node, "node"))
    return RegistrySnapshot(height, members, nodes)


def _read_all(
    read: ReadState,
    keys: ListKeys,
    limit: int,
    read_one: Callable[[ReadState, str], _R | None],
    what: str,
) -> Iterator[_R]:
    for index in range(min(list_count(read, keys), limit)):
        raw = read(keys.item_key(index))
        if raw is None:
            raise ValidationError(f"the registry's {what} list has no item {index}")
        record = read_one(read, raw.decode("ascii", "replace"))
        if record is None:
            raise ValidationError(f"the registry lists {what} {raw!r} but holds no record of it")
        yield record


def peer_policy(snapshot: RegistrySnapshot, cert_file: Path, key_file: Path) -> PeerPolicy:
    """Whom to admit by ``snapshot``: active nodes of active members, under their CAs.

    A validator node removed by block ``H`` still votes on block ``H + 1``
    (docs/spec/consensus.md, "Validator-set changes"): it stays admitted
    until ``H + 1`` is committed (``PeerRegistry.on_commit`` refreshes then).
    Raises ValidationError when no active member has a usable transport CA.
    """
    active = {m.code: m for m in snapshot.members if m.status == "active"}
    allowed: dict[bytes, str] = {}
    barred: dict[bytes, str] = {}
    for node in snapshot.nodes:
        member = snapshot.member(node.org)
        if node.status != "active" and not _still_voting(node, snapshot.height):
            barred[node.transport_key] = f"node {node.name} was removed at height {node.height}"
        elif member is None:
            barred[node.transport_key] = f"node {node.name}: member {node.org} is not registered"
        elif node.org not in active:
            barred[node.transport_key] = f"node {node.name}: member {node.org} is {member.status}"
        else:
            allowed[node.transport_key] = node.name
    for key in allowed.keys() & barred.keys():
        del barred[key]  # a key the registry admits under another record: it decides
    cas = [m.ca_certs[0] for m in active.values() if m.ca_certs and _is_certificate(m.ca_certs[0])]
    if not cas:
        raise ValidationError("no active member has a transport CA that TLS can load")
    return PeerPolicy(pem_bundle(cas), allowed, cert_file, key_file, barred)


def _still_voting(node: NodeRecord, height: int) -> bool:
    """A validator removed at ``node.height`` votes until block ``node.height + 1`` is committed."""
    return node.role == "validator" and height <= node.height


def _is_certificate(der: bytes) -> bool:
    """Whether ``der`` parses as an X.509 certificate (a member's CA that TLS can load)."""
    try:
        x509.Certificate.load(der, strict=True).native  # noqa: B018 - parses every field
    except (ValueError, TypeError):
        return False
    return True


def changes_peers(events: Iterable[Event]) -> bool:
    """Whether a block with ``events`` may have changed a node or a member record."""
    for event in events:
        if event.type == "gov.decided":
            return True
        if event.type.startswith("registry.") and not event.type.startswith(_UNRELATED):
            return True
    return False


def own_standing(
    snapshot: RegistrySnapshot, name: str, role: str, transport_key: bytes
) -> tuple[bool, str]:
    """Whether node ``name`` is registered and active in ``snapshot``, and the line to log.

    Raises ValidationError when the registry lists ``name`` with another role
    or another transport key: this home is not the node the registry means.
    """
    node = snapshot.node(name)
    if node is None:
        return False, (
            f"node {name} is not in the registry at height {snapshot.height}: it follows the "
            f"chain from peers that admit it (they refuse it until a node.add of transport key "
            f"{transport_key.hex()} executes)"
        )
    if node.role != role:
        raise ValidationError(f"config says role {role!r}, the registry says {node.role!r}")
    if node.transport_key != transport_key:
        raise ValidationError(
            f"the registry lists node {name} with transport key {node.transport_key.hex()}, "
            f"not this home's {transport_key.hex()}"
        )
    member = snapshot.member(node.org)
    if node.status != "active":
        return False, f"node {name} was removed from the registry at height {node.height}"
    if member is None or member.status != "active":
        status = "not registered" if member is None else member.status
        return False, f"node {name}: its member {node.org} is {status}"
    return True, f"node {name} is registered (member {node.org}, role {node.role})"


OnChange = Callable[[RegistrySnapshot, PeerPolicy], None]


class PeerRegistry:
    """The registry snapshot and peer policy of one node, refreshed on commits that change them."""

    def __init__(self, chain: ChainStore, cert_file: Path, key_file: Path) -> None:
        self._chain = chain
        self._cert_file = cert_file
        self._key_file = key_file
        self.listeners: list[OnChange] = []
        """Told of each new snapshot and policy (the network, the node's own standing)."""
        self.snapshot = self._read()
        self.policy = peer_policy(self.snapshot, cert_file, key_file)

    def _read(self) -> RegistrySnapshot:
        with self._chain.view() as view:
            height, hash_name = view.height, view.suite.hash_name
            return read_snapshot(lambda key: get_value(view.state, hash_name, height, key), height)

    def refresh(self) -> None:
        """Read the registry at the latest committed height and tell the listeners.

        A registry that gives no usable policy (no active member with a CA
        left, a malformed record) is logged and the current policy stays:
        the chain decided it, so stopping would not help.
        """
        try:
            snapshot = self._read()
            policy = peer_policy(snapshot, self._cert_file, self._key_file)
        except ValidationError as exc:
            logger.error("the peer policy stays as it was: the registry now: %s", exc)
            return
        self.snapshot, self.policy = snapshot, policy
        for listener in self.listeners:
            listener(snapshot, policy)

    def on_commit(self, block: Block, _commit: Commit, result: BlockResult) -> None:
        """A commit listener: refresh when the block may have changed a node or a member, or
        ends the last height a removed validator votes on."""
        height = block.header.height
        leaving = any(
            node.role == "validator" and node.status != "active" and node.height == height - 1
            for node in self.snapshot.nodes
        )
        if leaving or changes_peers(result.events):
            self.refresh()
