"""``govchain net init``: lay out a local network of nodes from nothing.

One member organization per node (each with its own transport CA, so peers
really chain to different member CAs), validators first, then full nodes.
Everything a deployment on many machines needs is here too: copy a node's
home to its machine and change the addresses in its ``config.toml``.

Layout::

    D/genesis.json               the chain's genesis (also in every home)
    D/cas/<org>/                 each member's transport CA (its key stays here)
    D/cas/<org>/api/             with --api-tls: each member's API CA (ECDSA P-256)
    D/ca-bundle.pem              with --api-tls: every member's API CA certificate, for clients
    D/node0 ... D/nodeN          node homes (see govchain.node.config)
    D/client/key.pem             a client key to sign txs with (e.g. notarize), registered
                                 as a ``client`` account of the first member
    D/platform/key.pem           the platform account's key, registered as a ``system``
                                 account of the first member: the storage nodes' reminder
                                 notifier signs with it (a copy in each storage home)
    D/members/<code>/admin.pem   each member's admin key: proposes and votes in governance
    D/members/<code>/identity.key  each member's identity key (off chain): blind indexes
                                 and sealed records of the persons it registers (F-C7)
    D/storage1 ... D/storageK    with --storage-nodes K: storage node homes
                                 (see govchain.node.storage_layout)
    D/network.json               names, roles, homes, URLs, CA bundle: for ``net up|status|down``

Without ``api_tls`` every API is plain HTTP (the loopback default of ``make
run``); with it every node serves HTTPS with a certificate from its member's
API CA for ``host`` (docs/decisions/0006-api-tls.md), and its URL in
``network.json`` is ``https://``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from govchain.client.subjects import new_identity_key
from govchain.codes.demo import demo_uscc
from govchain.contracts.gov import ACTION_NAMES, DEFAULT_PARAMS, default_policies
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.api_ca import (
    API_CERT_FILE,
    API_KEY_FILE,
    ApiCertificateAuthority,
    api_host_names,
)
from govchain.crypto.keyfiles import write_file_atomic
from govchain.ledger import records
from govchain.ledger.genesis_file import genesis_json_text
from govchain.network.certs import init_transport_ca, issue_transport_certificate
from govchain.node.config import NodeConfig, join_address, write_config
from govchain.node.storage_layout import (
    MAX_STORAGE_NODES,
    StorageNodeLayout,
    storage_entries,
    write_storage_homes,
)
from govchain.types import Genesis, Member, NetworkRegistry, NodeEntry, Validator, ValidatorSet
from govchain.types.errors import ValidationError
from govchain.types.governance import GenesisAccount, GenesisGovernance
from govchain.types.network_registry import MEMBER_PERMISSIONS

VALIDATOR_POWER = 10
MAX_NODES = 64
NETWORK_FILE = "network.json"
GENESIS_FILE = "genesis.json"
VALIDATOR_KEY_FILE = "validator.pem"
TLS_DIR = "tls"
CA_BUNDLE_FILE = "ca-bundle.pem"
API_CA_DIR = "api"


@dataclass(frozen=True)
class NodeLayout:
    """One node of a laid-out network."""

    name: str
    role: str
    home: Path
    p2p: str
    api_url: str


@dataclass(frozen=True)
class NetworkLayout:
    """What ``init_network`` wrote."""

    directory: Path
    chain_id: str
    suite: str
    nodes: tuple[NodeLayout, ...]
    client_key: Path
    ca_bundle: Path | None = None
    """The members' API CA certificates, when the APIs are HTTPS (clients trust these only)."""
    members: tuple[tuple[str, str, Path], ...] = ()
    """Each member's (credit code, name, admin key file), in genesis order."""
    storage_nodes: tuple[StorageNodeLayout, ...] = ()
    """The storage nodes (``net init --storage-nodes K``), started by ``net up`` too."""

    def to_json(self) -> dict[str, object]:
        """The ``network.json`` object."""
        return {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "client_key": str(self.client_key),
            "ca_bundle": None if self.ca_bundle is None else str(self.ca_bundle),
            "members": [
                {"code": code, "name": name, "admin_key": str(key)}
                for code, name, key in self.members
            ],
            "nodes": [
                {
                    "name": n.name,
                    "role": n.role,
                    "home": str(n.home),
                    "p2p": n.p2p,
                    "api_url": n.api_url,
                }
                for n in self.nodes
            ],
            "storage_nodes": [s.to_json() for s in self.storage_nodes],
        }


def init_network(
    directory: Path,
    *,
    validators: int,
    full_nodes: int = 0,
    suite_name: str = "gm",
    host: str = "127.0.0.1",
    base_port: int = 26600,
    chain_id: str = "govchain-local",
    now: dt.datetime | None = None,
    api_tls: bool = False,
    storage_nodes: int = 0,
) -> NetworkLayout:
    """Write genesis, CAs, keys, certificates and configs for a network; refuse to overwrite.

    With ``api_tls`` every node's API is HTTPS: each member gets an API CA,
    each node an API certificate for ``host``, and ``D/ca-bundle.pem`` holds
    the members' API CA certificates. ``storage_nodes`` storage nodes are
    laid out after the chain nodes (``govchain.node.storage_layout``) and
    registered in the genesis with role ``storage``.
    """
    _check_request(directory, validators, full_nodes, storage_nodes, base_port)
    if api_tls:
        api_host_names(host)  # a host no certificate can name is refused before anything is written
    suite = suite_for(suite_name)
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    names = [f"node{i}" for i in range(validators + full_nodes)]
    members, entries, chain_validators, admins, cas = [], [], [], [], []
    for i, name in enumerate(names):
        home = directory / name
        (home / TLS_DIR).mkdir(parents=True)
        org, display = demo_uscc(i + 1), f"Department {i} (demo)"
        ca = init_transport_ca(directory / "cas" / f"department-{i}", display, now)
        cas.append((org, ca))
        identity = issue_transport_certificate(ca, name, home / TLS_DIR, now)
        admin_key, admin_file = _member_admin(directory, org, suite)
        admins.append((org, display, admin_file))
        members.append(
            Member(org, ca.certificate.dump(), display, (admin_key,), MEMBER_PERMISSIONS)
        )
        address = b""
        if i < validators:
            key = suite.generate_key()
            write_file_atomic(home / VALIDATOR_KEY_FILE, key.to_pem())
            address = records.address_of(suite, key.public_key)
            chain_validators.append(Validator(address, key.public_key, VALIDATOR_POWER, name))
        role = "validator" if i < validators else "full"
        entries.append(NodeEntry(name, org, role, identity.fingerprint, address))
    stores = storage_entries(directory, storage_nodes, cas, now)
    client, platform = suite.generate_key(), suite.generate_key()
    governance = GenesisGovernance(
        (
            GenesisAccount(client.public_key, members[0].org, "client", ("client",)),
            GenesisAccount(platform.public_key, members[0].org, "system"),
        ),
        default_policies(ACTION_NAMES),
        tuple(sorted(DEFAULT_PARAMS.items())),
    )
    genesis = Genesis(
        chain_id,
        suite_name,
        int(now.timestamp() * 1000),
        ValidatorSet(tuple(sorted(chain_validators, key=lambda v: v.address))),
        NetworkRegistry(tuple(members), (*entries, *stores)),
        governance,
    )
    genesis.validate()
    text = genesis_json_text(genesis)
    (directory / GENESIS_FILE).write_text(text, encoding="utf-8")
    ca_bundle = None
    if api_tls:
        names_of = {member.org: member.name for member in members}
        owners = {entry.name: (i, names_of[entry.org]) for i, entry in enumerate(entries)}
        ca_bundle = _issue_api_certificates(directory, owners, host, now)
    for entry in (*entries, *stores):
        (directory / entry.name / GENESIS_FILE).write_text(text, encoding="utf-8")
    storage_port = base_port + 2 * len(entries)
    storage_urls = {
        s.name: f"http://{join_address(host, storage_port + k)}" for k, s in enumerate(stores)
    }
    layouts = _write_configs(directory, entries, host, base_port, api_tls, storage_urls)
    storage = write_storage_homes(
        directory,
        stores,
        host,
        storage_port,
        tuple(n.api_url for n in layouts),
        ca_bundle,
        platform.to_pem(),
    )
    write_file_atomic(_made_dir(directory / "platform") / "key.pem", platform.to_pem())
    client_key = directory / "client" / "key.pem"
    client_key.parent.mkdir()
    write_file_atomic(client_key, client.to_pem())
    layout = NetworkLayout(
        directory, chain_id, suite_name, layouts, client_key, ca_bundle, tuple(admins), storage
    )
    (directory / NETWORK_FILE).write_text(json.dumps(layout.to_json(), indent=2) + "\n")
    return layout


IDENTITY_KEY_FILE = "identity.key"


def _made_dir(path: Path) -> Path:
    path.mkdir()
    return path


def _check_request(
    directory: Path, validators: int, full_nodes: int, storage_nodes: int, base_port: int
) -> None:
    """ValidationError naming what ``net init`` cannot lay out, before anything is written."""
    if not validators >= 1 or validators + full_nodes > MAX_NODES or full_nodes < 0:
        raise ValidationError(f"a network has 1 to {MAX_NODES} nodes, at least one validator")
    if not 0 <= storage_nodes <= MAX_STORAGE_NODES:
        raise ValidationError(f"a network has 0 to {MAX_STORAGE_NODES} storage nodes")
    if directory.exists() and any(directory.iterdir()):
        raise ValidationError(f"{directory} is not empty; choose a new directory")
    if base_port + 2 * (validators + full_nodes) + storage_nodes > 65535:
        raise ValidationError(f"--base-port {base_port} leaves no room for every node's ports")


def _member_admin(directory: Path, org: str, suite: CryptoSuite) -> tuple[bytes, Path]:
    """Write a member's admin key under ``D/members/<org>/``; return its public key and file."""
    admin = suite.generate_key()
    admin_file = directory / "members" / org / "admin.pem"
    admin_file.parent.mkdir(parents=True)
    write_file_atomic(admin_file, admin.to_pem())
    new_identity_key(admin_file.parent / IDENTITY_KEY_FILE)
    return admin.public_key, admin_file


def _write_configs(
    directory: Path,
    entries: list[NodeEntry],
    host: str,
    base_port: int,
    api_tls: bool,
    storage_urls: dict[str, str],
) -> tuple[NodeLayout, ...]:
    """Each node's ``config.toml``: its ports, its peers, HTTPS when ``api_tls``, and the
    storage nodes clients are told of."""
    p2p = {e.name: join_address(host, base_port + 2 * i) for i, e in enumerate(entries)}
    layouts = []
    for i, entry in enumerate(entries):
        config = NodeConfig(
            name=entry.name,
            role=entry.role,
            p2p_listen=p2p[entry.name],
            api_listen=join_address(host, base_port + 2 * i + 1),
            peers={peer: address for peer, address in p2p.items() if peer != entry.name},
            api_tls=api_tls,
            api_tls_cert=f"{TLS_DIR}/{API_CERT_FILE}",
            api_tls_key=f"{TLS_DIR}/{API_KEY_FILE}",
            storage_nodes=storage_urls,
        )
        home = directory / entry.name
        write_config(home, config)
        layouts.append(NodeLayout(entry.name, entry.role, home, p2p[entry.name], config.api_url))
    return tuple(layouts)


def _issue_api_certificates(
    directory: Path, owners: dict[str, tuple[int, str]], host: str, now: dt.datetime
) -> Path:
    """Each member's API CA and its node's API certificate for ``host``; the CA bundle's path.

    ``owners`` maps a node to its member (its number and organization, as in
    the registry): that member's API CA, next to its transport CA, issues
    the node's certificate.
    """
    bundle = []
    for name, (number, org) in owners.items():
        ca = ApiCertificateAuthority.init(
            directory / "cas" / f"department-{number}" / API_CA_DIR, org, now
        )
        ca.issue_server_certificate(name, host, directory / name / TLS_DIR, now)
        bundle.append(ca.certificate_pem())
    path = directory / CA_BUNDLE_FILE
    write_file_atomic(path, b"".join(bundle), 0o644)
    return path


def read_layout(directory: Path) -> NetworkLayout:
    """Read ``D/network.json`` back."""
    path = directory / NETWORK_FILE
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
        nodes = tuple(
            NodeLayout(n["name"], n["role"], Path(n["home"]), n["p2p"], n["api_url"])
            for n in obj["nodes"]
        )
        bundle = obj.get("ca_bundle")  # absent from files written before API TLS
        members = tuple(
            (m["code"], m["name"], Path(m["admin_key"])) for m in obj.get("members", [])
        )
        storage = tuple(  # absent from files written before storage nodes
            StorageNodeLayout.from_json(s) for s in obj.get("storage_nodes", [])
        )
        return NetworkLayout(
            directory,
            obj["chain_id"],
            obj["suite"],
            nodes,
            Path(obj["client_key"]),
            None if bundle is None else Path(bundle),
            members,
            storage,
        )
    except FileNotFoundError as exc:
        raise ValidationError(f"{directory} holds no network (run govchain net init)") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"{path}: not a network file: {exc}") from exc
