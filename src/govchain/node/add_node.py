"""``govchain net add-node``: lay out one more node of a member in a network ``net init`` wrote.

Issue 14 item 8 (F-B2); validators since issue 15 item 7 (F-A2). The new
node's home ``D/<name>`` gets what a node's home gets from ``net init``: a
transport key and certificate from its member's transport CA (found under
``D/cas/`` by comparing each CA's certificate with the member's in the
genesis), an API certificate from the member's API CA when the network
serves HTTPS, ``genesis.json``, and a ``config.toml`` on the next two free
ports after the existing nodes, whose peers are every node of the network.
``D/network.json`` lists it from then on, so ``govchain net up`` starts it.
A validator's home also gets a new consensus signing key, ``validator.pem``
(mode 0600), and the consensus settings of the network's first validator
whose ``config.toml`` is there; its ``node.add`` names the key's public key
and the voting power.

The registry does not list it yet: the members must vote ``node.add`` with
the arguments :func:`add_node` returns (its transport key is the SHA-256 of
its certificate's SubjectPublicKeyInfo, decision 0004). Until that executes
its peers refuse it (``node.runtime``: it starts, and logs that it is not
registered).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from govchain.contracts.registry.validators import MAX_POWER
from govchain.crypto import suite_for
from govchain.crypto.api_ca import API_CERT_FILE, API_KEY_FILE, ApiCertificateAuthority
from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.keyfiles import write_file_atomic
from govchain.ledger.genesis_file import load_genesis
from govchain.network.certs import issue_transport_certificate
from govchain.node.config import (
    CONFIG_FILE,
    ConsensusSettings,
    NodeConfig,
    join_address,
    read_config,
    split_address,
    write_config,
)
from govchain.node.netinit import (
    API_CA_DIR,
    GENESIS_FILE,
    NETWORK_FILE,
    TLS_DIR,
    VALIDATOR_KEY_FILE,
    VALIDATOR_POWER,
    NetworkLayout,
    NodeLayout,
    read_layout,
)
from govchain.node.ports import is_free
from govchain.types.errors import CertificateError, ValidationError
from govchain.types.network_registry import NODE_NAME_PATTERN

__all__ = ["ADDABLE_ROLES", "AddedNode", "add_node"]

ADDABLE_ROLES = ("validator", "full", "storage")
CAS_DIR = "cas"


@dataclass(frozen=True)
class AddedNode:
    """What ``add_node`` wrote, and the proposal that registers the node."""

    node: NodeLayout
    org: str
    transport_key: bytes
    validator_key: bytes = b""
    """A validator's consensus public key (the one of its ``validator.pem``); else empty."""
    power: int = 0
    """A validator's voting power; else 0."""

    def args(self) -> dict[str, object]:
        """The arguments of the ``node.add`` proposal, keys as hex.

        A validator's also hold ``validator_key`` and ``power``.
        """
        args: dict[str, object] = {
            "name": self.node.name,
            "org": self.org,
            "role": self.node.role,
            "transport_key": self.transport_key.hex(),
        }
        if self.node.role == "validator":
            args["validator_key"] = self.validator_key.hex()
            args["power"] = self.power
        return args

    def proposal(self) -> dict[str, object]:
        """``{"action": "node.add", "args": {...}}``: what ``net add-node --json`` prints."""
        return {"action": "node.add", "args": self.args()}

    def propose_arguments(self) -> str:
        """The ``gov propose`` words that make the proposal (without --node, --key, --reason)."""
        sets = " ".join(f"--set {key}={value}" for key, value in self.args().items())
        return f"gov propose node.add {sets}"


def add_node(
    directory: Path,
    name: str,
    org: str,
    role: str,
    *,
    power: int | None = None,
    now: dt.datetime | None = None,
) -> AddedNode:
    """Lay out node ``name`` of member ``org`` in the network of ``directory``.

    A validator gets ``power`` (default ``VALIDATOR_POWER``, the genesis
    validators'). Raises ValidationError (nothing written) when the name is
    taken or malformed, the role is not validator, full or storage, the
    power is out of 1..``MAX_POWER`` or given to another role, the member is
    not one of the genesis, or its CA is not under ``D/cas/``;
    CertificateError when a CA cannot be read; ConfigError when the config
    of the validator whose consensus settings it copies is broken.
    """
    layout = read_layout(directory)
    _check_new_node(layout, name, role)
    power = _checked_power(role, power)
    genesis_file = directory / GENESIS_FILE
    genesis = load_genesis(genesis_file)
    member = next((m for m in genesis.network.members if m.org == org), None)
    if member is None:
        codes = ", ".join(m.org for m in genesis.network.members)
        raise ValidationError(
            f"--org {org}: not a member of this network's genesis (its members: {codes})"
        )
    ca_dir = _transport_ca_dir(directory / CAS_DIR, member.transport_ca, org)
    ca = CertificateAuthority.open(ca_dir)
    api_ca = ApiCertificateAuthority.open(ca_dir / API_CA_DIR) if layout.ca_bundle else None
    consensus = _validator_consensus(layout) if role == "validator" else ConsensusSettings()
    host, p2p_port, api_port = _next_ports(layout)
    home = directory / name
    now = now or dt.datetime.now(dt.UTC)
    try:
        (home / TLS_DIR).mkdir(parents=True)
        identity = issue_transport_certificate(ca, name, home / TLS_DIR, now)
        validator_key = b""
        if role == "validator":
            signing_key = suite_for(genesis.suite).generate_key()
            write_file_atomic(home / VALIDATOR_KEY_FILE, signing_key.to_pem())  # mode 0600
            validator_key = signing_key.public_key
        if api_ca is not None:
            api_ca.issue_server_certificate(name, host, home / TLS_DIR, now)
        write_file_atomic(home / GENESIS_FILE, genesis_file.read_bytes(), 0o644)
        config = NodeConfig(
            name=name,
            role=role,
            p2p_listen=join_address(host, p2p_port),
            api_listen=join_address(host, api_port),
            peers={node.name: node.p2p for node in layout.nodes},
            api_tls=api_ca is not None,
            api_tls_cert=f"{TLS_DIR}/{API_CERT_FILE}",
            api_tls_key=f"{TLS_DIR}/{API_KEY_FILE}",
            consensus=consensus,
        )
        write_config(home, config)
        node = NodeLayout(name, role, home, config.p2p_listen, config.api_url)
        _write_layout(replace(layout, nodes=(*layout.nodes, node)))
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)  # nothing half-laid-out stays behind
        raise
    return AddedNode(node, org, identity.fingerprint, validator_key, power)


def _check_new_node(layout: NetworkLayout, name: str, role: str) -> None:
    if not NODE_NAME_PATTERN.match(name):
        raise ValidationError(
            f"--name {name!r}: 1 to 63 characters of a-z, 0-9 and '-', not starting with '-'"
        )
    if role not in ADDABLE_ROLES:
        raise ValidationError(f"--role {role!r}: expected validator, full or storage")
    taken = [node.name for node in layout.nodes] + [s.name for s in layout.storage_nodes]
    if name in taken:
        raise ValidationError(f"--name {name}: the network already has a node of that name")
    if (layout.directory / name).exists():
        raise ValidationError(f"{layout.directory / name} exists already; choose another name")


def _checked_power(role: str, power: int | None) -> int:
    """A validator's power (default ``VALIDATOR_POWER``); 0 for other roles, which take none."""
    if role != "validator":
        if power is not None:
            raise ValidationError(f"--power: a {role} node has no voting power")
        return 0
    if power is None:
        return VALIDATOR_POWER
    if not 1 <= power <= MAX_POWER:
        raise ValidationError(f"--power {power}: expected 1 to {MAX_POWER:,}")
    return power


def _validator_consensus(layout: NetworkLayout) -> ConsensusSettings:
    """The consensus settings of the first validator whose ``config.toml`` is in its home.

    The defaults when none is (homes copied to other machines).
    """
    for node in layout.nodes:
        if node.role == "validator" and (node.home / CONFIG_FILE).is_file():
            return read_config(node.home).consensus
    return ConsensusSettings()


def _transport_ca_dir(cas: Path, transport_ca: bytes, org: str) -> Path:
    """The directory under ``cas`` of the CA whose certificate is the member's transport CA."""
    candidates = sorted(path for path in cas.iterdir() if path.is_dir()) if cas.is_dir() else []
    for candidate in candidates:
        try:
            if CertificateAuthority.open(candidate).certificate.dump() == transport_ca:
                return candidate
        except CertificateError:
            continue  # not a CA directory (or not readable): not this member's
    raise ValidationError(f"member {org}: its transport CA is not under {cas}")


def _next_ports(layout: NetworkLayout) -> tuple[str, int, int]:
    """The host of the first node, and the first two ports after the highest any node (or
    storage node) uses that can be bound now (another program, or an outgoing connection, may
    hold the next)."""
    if not layout.nodes:
        raise ValidationError(f"{layout.directory / NETWORK_FILE} lists no node")
    host, _ = split_address(layout.nodes[0].p2p, "p2p")
    used = [split_address(node.p2p, node.name)[1] for node in layout.nodes]
    used += [split_address(node.api_url.split("://", 1)[-1], node.name)[1] for node in layout.nodes]
    used += [split_address(s.url.split("://", 1)[-1], s.name)[1] for s in layout.storage_nodes]
    port = max(used) + 1
    while port + 1 <= 65535:
        if all(is_free(p, host) for p in (port, port + 1)):
            return host, port, port + 1
        port += 1
    raise ValidationError("no two free ports are left after the network's nodes")


def _write_layout(layout: NetworkLayout) -> None:
    text = json.dumps(layout.to_json(), indent=2) + "\n"
    write_file_atomic(layout.directory / NETWORK_FILE, text.encode("utf-8"), 0o644)
