"""``govchain net add-node``: lay out one more node of a member in a network ``net init`` wrote.

Issue 14 item 8 (F-B2). The new node's home ``D/<name>`` gets what a full
node's home gets from ``net init``: a transport key and certificate from
its member's transport CA (found under ``D/cas/`` by comparing each CA's
certificate with the member's in the genesis), an API certificate from the
member's API CA when the network serves HTTPS, ``genesis.json``, and a
``config.toml`` on the next two free ports after the existing nodes, whose
peers are every node of the network. ``D/network.json`` lists it from then
on, so ``govchain net up`` starts it.

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

from govchain.crypto.api_ca import API_CERT_FILE, API_KEY_FILE, ApiCertificateAuthority
from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.keyfiles import write_file_atomic
from govchain.ledger.genesis_file import load_genesis
from govchain.network.certs import issue_transport_certificate
from govchain.node.config import NodeConfig, join_address, split_address, write_config
from govchain.node.netinit import (
    API_CA_DIR,
    GENESIS_FILE,
    NETWORK_FILE,
    TLS_DIR,
    NetworkLayout,
    NodeLayout,
    read_layout,
)
from govchain.types.errors import CertificateError, ValidationError
from govchain.types.network_registry import NODE_NAME_PATTERN

__all__ = ["ADDABLE_ROLES", "AddedNode", "add_node"]

ADDABLE_ROLES = ("full", "storage")
"""Validators join by validator-set changes (issue 15), not by ``net add-node``."""
CAS_DIR = "cas"


@dataclass(frozen=True)
class AddedNode:
    """What ``add_node`` wrote, and the proposal that registers the node."""

    node: NodeLayout
    org: str
    transport_key: bytes

    def args(self) -> dict[str, str]:
        """The arguments of the ``node.add`` proposal, the transport key as hex."""
        return {
            "name": self.node.name,
            "org": self.org,
            "role": self.node.role,
            "transport_key": self.transport_key.hex(),
        }

    def proposal(self) -> dict[str, object]:
        """``{"action": "node.add", "args": {...}}``: what ``net add-node --json`` prints."""
        return {"action": "node.add", "args": self.args()}

    def propose_arguments(self) -> str:
        """The ``gov propose`` words that make the proposal (without --node, --key, --reason)."""
        sets = " ".join(f"--set {key}={value}" for key, value in self.args().items())
        return f"gov propose node.add {sets}"


def add_node(
    directory: Path, name: str, org: str, role: str, now: dt.datetime | None = None
) -> AddedNode:
    """Lay out node ``name`` of member ``org`` in the network of ``directory``.

    Raises ValidationError (nothing written) when the name is taken or
    malformed, the role is not full or storage, the member is not one of the
    genesis, or its CA is not under ``D/cas/``; CertificateError when a CA
    cannot be read.
    """
    layout = read_layout(directory)
    _check_new_node(layout, name, role)
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
    host, p2p_port, api_port = _next_ports(layout)
    home = directory / name
    now = now or dt.datetime.now(dt.UTC)
    try:
        (home / TLS_DIR).mkdir(parents=True)
        identity = issue_transport_certificate(ca, name, home / TLS_DIR, now)
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
        )
        write_config(home, config)
        node = NodeLayout(name, role, home, config.p2p_listen, config.api_url)
        _write_layout(replace(layout, nodes=(*layout.nodes, node)))
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)  # nothing half-laid-out stays behind
        raise
    return AddedNode(node, org, identity.fingerprint)


def _check_new_node(layout: NetworkLayout, name: str, role: str) -> None:
    if not NODE_NAME_PATTERN.match(name):
        raise ValidationError(
            f"--name {name!r}: 1 to 63 characters of a-z, 0-9 and '-', not starting with '-'"
        )
    if role not in ADDABLE_ROLES:
        raise ValidationError(
            f"--role {role!r}: expected full or storage (validators join by validator-set "
            f"changes, which this version does not run)"
        )
    if any(node.name == name for node in layout.nodes):
        raise ValidationError(f"--name {name}: the network already has a node of that name")
    if (layout.directory / name).exists():
        raise ValidationError(f"{layout.directory / name} exists already; choose another name")


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
    """The host of the first node, and the two ports after the highest any node uses."""
    if not layout.nodes:
        raise ValidationError(f"{layout.directory / NETWORK_FILE} lists no node")
    host, _ = split_address(layout.nodes[0].p2p, "p2p")
    used = [split_address(node.p2p, node.name)[1] for node in layout.nodes]
    used += [split_address(node.api_url.split("://", 1)[-1], node.name)[1] for node in layout.nodes]
    port = max(used) + 1
    if port + 1 > 65535:
        raise ValidationError("no free port is left after the network's nodes")
    return host, port, port + 1


def _write_layout(layout: NetworkLayout) -> None:
    text = json.dumps(layout.to_json(), indent=2) + "\n"
    write_file_atomic(layout.directory / NETWORK_FILE, text.encode("utf-8"), 0o644)
