"""The storage nodes of a network ``net init --storage-nodes K`` lays out (F-A1).

Storage node ``j`` (``storage1`` .. ``storageK``) belongs to member
``(j - 1) mod N`` of the N members: it gets a transport certificate from
that member's transport CA (its key hash is in the genesis registry, as a
node of role ``storage``), and a home::

    D/storageJ/storage.toml      name, listen address, disk backend, the chain nodes' APIs
    D/storageJ/genesis.json      the trust for the records it reads
    D/storageJ/tls/transport.pem its registered identity (and transport.key)
    D/storageJ/ca-bundle.pem     with --api-tls: the members' API CAs, to reach the chain nodes
    D/storageJ/platform.pem      the platform account's key: the reminder notifier signs with it

It listens on the first port after the chain nodes' (``base + 2N + j - 1``)
and serves plain HTTP. Every chain node's ``config.toml`` lists the storage
nodes in ``[storage]`` so that clients find them (``GET /v1/storage-nodes``),
and ``D/network.json`` lists them under ``storage_nodes``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.keyfiles import write_file_atomic
from govchain.network.certs import issue_transport_certificate
from govchain.node.config import join_address
from govchain.storage_node.config import StorageConfig, write_storage_config
from govchain.types import NodeEntry

__all__ = [
    "MAX_STORAGE_NODES",
    "StorageNodeLayout",
    "storage_entries",
    "storage_name",
    "write_storage_homes",
]

MAX_STORAGE_NODES = 16
STORAGE_CA_BUNDLE = "ca-bundle.pem"
PLATFORM_KEY_FILE = "platform.pem"


@dataclass(frozen=True)
class StorageNodeLayout:
    """One storage node of a laid-out network."""

    name: str
    org: str
    home: Path
    url: str

    def to_json(self) -> dict[str, str]:
        """Its entry in ``network.json``."""
        return {"name": self.name, "org": self.org, "home": str(self.home), "url": self.url}

    @classmethod
    def from_json(cls, obj: dict[str, str]) -> StorageNodeLayout:
        """Back from ``network.json`` (KeyError or TypeError when malformed)."""
        return cls(obj["name"], obj["org"], Path(obj["home"]), obj["url"])


def storage_name(number: int) -> str:
    """The name of storage node ``number`` (1-based)."""
    return f"storage{number}"


def storage_entries(
    directory: Path, count: int, cas: list[tuple[str, CertificateAuthority]], now: dt.datetime
) -> list[NodeEntry]:
    """The registry entries of ``count`` storage nodes, each with its transport certificate.

    ``cas`` are the members' (credit code, transport CA), in genesis order;
    the certificates go to ``D/storageJ/tls/``.
    """
    entries = []
    for number in range(1, count + 1):
        name = storage_name(number)
        org, ca = cas[(number - 1) % len(cas)]
        identity = issue_transport_certificate(ca, name, directory / name / "tls", now)
        entries.append(NodeEntry(name, org, "storage", identity.fingerprint))
    return entries


def write_storage_homes(
    directory: Path,
    entries: list[NodeEntry],
    host: str,
    first_port: int,
    chain_urls: tuple[str, ...],
    ca_bundle: Path | None,
    platform_pem: bytes = b"",
) -> tuple[StorageNodeLayout, ...]:
    """Each storage node's ``storage.toml`` (and CA bundle, and the platform key when given: its
    reminder notifier runs); the genesis is copied by the caller."""
    layouts = []
    for offset, entry in enumerate(entries):
        home = directory / entry.name
        bundle = ""
        if ca_bundle is not None:
            shutil.copyfile(ca_bundle, home / STORAGE_CA_BUNDLE)
            bundle = STORAGE_CA_BUNDLE
        config = StorageConfig(
            name=entry.name,
            listen=join_address(host, first_port + offset),
            chain_nodes=chain_urls,
            ca_bundle=bundle,
            notifier_key=PLATFORM_KEY_FILE if platform_pem else "",
        )
        if platform_pem:
            write_file_atomic(home / PLATFORM_KEY_FILE, platform_pem)
        write_storage_config(home, config)
        layouts.append(StorageNodeLayout(entry.name, entry.org, home, config.url))
    return tuple(layouts)
