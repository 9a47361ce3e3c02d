"""The storage node's side of usage records: proven, uncached reads and its signing key.

``HttpChainSource.usage`` reads ``/v1/usage/{tx}`` from chain nodes (an
httpx mock transport over a real chain with grants) and proves it against
the genesis on every call; the height it reports is the highest it has
verified, so a lagging node cannot make an old record look recent.
``AnnotationSigner.from_home`` takes only the transport key the genesis
registers for the node's name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import httpx
import pytest

from govchain.contracts import ChainReader
from govchain.contracts.grants import UseArgs
from govchain.contracts.grants.reads import usage_with_fact
from govchain.contracts.registry.reads import account_with_fact
from govchain.crypto.certs import certificate_from_pem
from govchain.network.certs import init_transport_ca, issue_transport_certificate
from govchain.storage_node.annotations import AnnotationSigner, TransportKeyError
from govchain.storage_node.chain_source import HttpChainSource
from govchain.types import Genesis, NodeEntry
from tests.unit.contracts.assets.asset_chain import ok
from tests.unit.contracts.grants.test_grants import Scene

NODE = "http://chain:1"


class Chain:
    """A chain with one usage record, answering as a chain node does (``lag``: an older height)."""

    def __init__(self) -> None:
        self.scene = Scene("gm")
        grant_id, receipt = self.scene.grant(self.scene.holder_key)
        ok(receipt)
        use = UseArgs(self.scene.asset, "view", "开户核验", {"grant": grant_id})
        self.tx = ok(self.scene.send(self.scene.bank_key, use)).tx_hash
        self.calls: list[str] = []
        self.lag: int | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        gc = self.scene.ac.gc
        with gc.chain.view() as view:
            reader = ChainReader(view, self.lag)
            name, rest = request.url.path.split("/")[2], request.url.path.rsplit("/", 1)[1]
            if name == "usage":
                record, proven = usage_with_fact(reader, bytes.fromhex(rest))
            else:
                found = account_with_fact(reader, bytes.fromhex(rest))
                record, proven = found.account, found.proven  # type: ignore[assignment]
        if record is None:
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "none"}})
        return httpx.Response(200, json={name: record.to_json(), "fact": proven.fact.to_json()})

    def source(self) -> HttpChainSource:
        transport = httpx.MockTransport(self.handle)
        return HttpChainSource((NODE,), self.scene.ac.gc.genesis, {}, transport=transport)

    @property
    def height(self) -> int:
        with self.scene.ac.gc.chain.view() as view:
            return view.height


@pytest.fixture(scope="module")
def chain() -> Chain:
    return Chain()


def test_a_usage_record_is_proven_and_asked_for_on_every_read(chain: Chain) -> None:
    source = chain.source()
    before = len(chain.calls)
    first = source.usage(chain.tx)
    assert first is not None
    assert first.usage.tx_hash == chain.tx
    assert first.usage.reader == chain.scene.bank
    assert first.height == chain.height
    chain.scene.ac.gc.run()
    second = source.usage(chain.tx)
    assert second is not None
    assert second.height == chain.height == first.height + 1
    assert len(chain.calls) == before + 2
    assert source.usage(bytes(32)) is None


def test_a_lagging_node_cannot_lower_the_height_read_at(chain: Chain) -> None:
    source = chain.source()
    assert source.account(chain.scene.bank) is not None  # a fact at the latest height
    top = chain.height
    chain.lag = top - 1
    try:
        lagging = source.usage(chain.tx)
    finally:
        chain.lag = None
    assert lagging is not None
    assert lagging.height == top


def _home(tmp_path: Path, name: str = "storage1") -> tuple[Path, bytes]:
    now = dt.datetime.now(dt.UTC)
    ca = init_transport_ca(tmp_path / "ca", "demo", now)
    identity = issue_transport_certificate(ca, name, tmp_path / "home" / "tls", now)
    return tmp_path / "home", identity.fingerprint


def _genesis(base: Genesis, name: str, fingerprint: bytes, role: str = "storage") -> Genesis:
    entry = NodeEntry(name, base.network.members[0].org, role, fingerprint)
    network = dataclasses.replace(base.network, nodes=(*base.network.nodes, entry))
    return dataclasses.replace(base, network=network)


def test_the_signer_is_the_registered_transport_key(chain: Chain, tmp_path: Path) -> None:
    home, fingerprint = _home(tmp_path)
    base = chain.scene.ac.gc.genesis
    signer = AnnotationSigner.from_home(home, "storage1", _genesis(base, "storage1", fingerprint))
    cert = certificate_from_pem((home / "tls" / "transport.pem").read_bytes())
    spki = cert["tbs_certificate"]["subject_public_key_info"].dump()
    assert signer.spki == spki
    assert hashlib.sha256(signer.spki).digest() == fingerprint
    refusals = [
        (home, "storage1", _genesis(base, "storage1", bytes(32)), "another key"),
        (home, "storage1", base, "no storage node"),
        (home, "storage1", _genesis(base, "storage1", fingerprint, "full"), "no storage node"),
        (tmp_path / "nowhere", "storage1", base, "nowhere"),
    ]
    for where, name, genesis, reason in refusals:
        with pytest.raises(TransportKeyError, match=reason):
            AnnotationSigner.from_home(where, name, genesis)
    other_home, _ = _home(tmp_path / "other")
    (home / "tls" / "transport.key").write_bytes(
        (other_home / "tls" / "transport.key").read_bytes()
    )
    with pytest.raises(TransportKeyError, match="is not the key of"):
        AnnotationSigner.from_home(home, "storage1", _genesis(base, "storage1", fingerprint))
