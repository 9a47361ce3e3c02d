"""Issue 5 acceptance, as real OS processes on loopback (F-A1, F-A3, F-A7, F-C5, F-F1).

Four validators and a full node come up; documents are notarized through
several nodes and every receipt verifies offline; a killed validator catches
up; two killed validators halt the chain without losing anything; bad input
to the API gets a 4xx with a code; and every ledger verifies afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from govchain.client import verify_tx_receipt
from govchain.client.notary import NotaryClient
from govchain.client.sdk import ApiError, NodeClient
from govchain.contracts.notary import anchor_tx
from govchain.crypto import suite_for
from govchain.crypto.ca import CertificateAuthority
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.home import open_chain
from govchain.ledger.proofs import TxReceiptBundle
from govchain.ledger.verify import verify_chain
from govchain.network import PeerNetwork, PeerPolicy, pem_bundle
from govchain.network.certs import init_transport_ca, issue_transport_certificate
from govchain.node import launcher
from govchain.node.config import ConsensusSettings
from govchain.node.netinit import NetworkLayout
from govchain.node.services import genesis_state
from govchain.types import Genesis
from govchain.types.errors import GovChainError

from ..govchain_cli import govchain, one_line_error
from .network_support import (
    height_of,
    holds_throughout,
    kill_node,
    running_network,
    settled_height,
    status_of,
    wait_for,
)

DOCUMENTS = 100
HALT_WATCH_S = (2 * ConsensusSettings().resend_ms + ConsensusSettings().timeout_propose_ms) / 1000
"""How long a halted chain is watched: every live validator sends its votes again
twice and a proposal times out; a chain that could still commit would have."""
JOIN_WAIT_S = 30.0
REFUSALS = {  # what the node logs when it turns each impostor away
    "unknown CA": "TLS handshake failed",
    "unregistered key": "is not registered for any node",
}


def _notarize(
    clients: list[NodeClient], key_path: Path, genesis: Genesis, texts: list[bytes]
) -> list[dict[str, Any]]:
    """Submit one anchoring per text, round robin over ``clients``; wait for every receipt."""
    key = read_signing_key(key_path)
    suite = suite_for(genesis.suite)
    hashes = []
    for i, text in enumerate(texts):
        client = clients[i % len(clients)]
        height = int(client.status()["height"])
        tx = anchor_tx(key, genesis.chain_id, suite.hash(text), os.urandom(16), height + 200)
        hashes.append((client, client.submit(tx)))
    receipts = []
    for client, tx_hash in hashes:
        receipt = client.wait(tx_hash, 90).receipt
        assert receipt is not None
        receipts.append(receipt)
    return receipts


def _verify_all(genesis: Genesis, receipts: list[dict[str, Any] | None]) -> None:
    for receipt in receipts:
        assert receipt is not None
        checked = verify_tx_receipt(genesis, TxReceiptBundle.from_json(receipt))
        assert checked.status == 0, checked.error


@pytest.mark.timeout(600)
def test_a_network_of_processes_notarizes_survives_kills_and_refuses_bad_input(
    tmp_path: Path,
) -> None:
    with running_network(tmp_path / "net", validators=4, full_nodes=1) as layout:
        genesis = load_genesis(layout.directory / "genesis.json")
        nodes = layout.nodes
        clients = [NodeClient(n.api_url, timeout_s=10) for n in nodes]

        # 100 documents through every node (the full node forwards to the validators)
        texts = [f"document {i}: {os.urandom(8).hex()}".encode() for i in range(DOCUMENTS)]
        receipts = _notarize(clients, layout.client_key, genesis, texts)
        _verify_all(genesis, receipts)
        # the proposals traveled by tx hash, rebuilt from the pools (issue 21)
        compact = [_compact_counts(n.api_url) for n in nodes[:4]]
        assert sum(c["sent"] for c in compact) > 0, compact
        assert sum(c["rebuilt"] for c in compact) > 0, compact

        # any changed byte of a receipt makes it fail, with a reason
        sample = receipts[0]
        for field in ("tx", "receipt", "header", "commit"):
            altered = dict(sample)
            text = altered[field]
            position = len(text) // 2
            altered[field] = (
                text[:position] + ("0" if text[position] != "0" else "1") + text[position + 1 :]
            )
            with pytest.raises(GovChainError):
                verify_tx_receipt(genesis, TxReceiptBundle.from_json(altered))

        # kill -9 one validator: the other three go on
        victim = nodes[3]
        kill_node(victim.home)
        more = _notarize(clients[:3], layout.client_key, genesis, [b"after the kill 1", b"2"])
        _verify_all(genesis, more)
        launcher.up(layout)  # restarts only the missing one
        top = max(h for h in (height_of(n.api_url) for n in nodes[:3]) if h is not None)
        wait_for(lambda: (height_of(victim.api_url) or 0) >= top, 90, "the restarted validator")

        # kill 2 of 4: no new block, nothing lost; one back: progress resumes
        kill_node(nodes[2].home)
        kill_node(nodes[3].home)
        live = [nodes[0], nodes[1], nodes[4]]
        halted = settled_height(live, gone={nodes[2].name, nodes[3].name})
        stuck_key = read_signing_key(layout.client_key)
        suite = suite_for(genesis.suite)
        pending = anchor_tx(
            stuck_key,
            genesis.chain_id,
            suite.hash(b"while halted"),
            os.urandom(16),
            halted + 500,
        )
        pending_hash = clients[0].submit(pending)
        assert clients[0].tx(pending_hash).status == "pending"
        wait_for(
            lambda: clients[1].tx(pending_hash).status == "pending",
            30,
            "the pending tx to reach the other live validator",
        )
        holds_throughout(
            lambda: (
                [height_of(n.api_url) for n in live] == [halted] * len(live)
                and clients[0].tx(pending_hash).status == "pending"
            ),
            HALT_WATCH_S,
            f"no block after {halted} while 2 of 4 validators are down",
        )
        launcher.up(layout)
        result = clients[0].wait(pending_hash, 120)
        assert result.status == "committed"
        _verify_all(genesis, [result.receipt])
        for receipt in receipts:  # nothing committed before was lost
            bundle = TxReceiptBundle.from_json(receipt)
            again = clients[1].tx(records.tx_hash(suite_for(genesis.suite), bundle.tx))
            assert again.status == "committed"

        _bad_input_is_refused(clients[1], layout.client_key, genesis)
        assert height_of(nodes[1].api_url) is not None  # still running

        wait_for(
            lambda: len({height_of(n.api_url) for n in nodes}) == 1, 60, "every node at one height"
        )
        roots = {str(c.status()["state_root"]) for c in clients}
        heights = {int(c.status()["height"]) for c in clients}
        if len(heights) == 1:  # a block may land between the two reads; then skip this check
            assert len(roots) == 1, roots
        for client in clients:
            client.close()
    for node in layout.nodes:  # after `net down`
        chain = open_chain(node.home)
        try:
            report = verify_chain(chain, initial_state=genesis_state(chain.genesis))
        finally:
            chain.store.close()
        assert report.ok, (node.name, report)


def _compact_counts(url: str) -> dict[str, float]:
    """``govchain_compact_proposals`` of one node, by outcome."""
    text = httpx.get(f"{url}/metrics").text
    found = re.findall(r'^govchain_compact_proposals\{outcome="(\w+)"\} (\S+)$', text, re.M)
    return {outcome: float(value) for outcome, value in found}


def _bad_input_is_refused(client: NodeClient, key_path: Path, genesis: Genesis) -> None:
    url = client.base_url
    key = read_signing_key(key_path)
    suite = suite_for(genesis.suite)
    height = int(client.status()["height"])
    good = anchor_tx(key, genesis.chain_id, suite.hash(b"replayed"), os.urandom(16), height + 50)
    client.wait(client.submit(good), 60)
    wrong_chain = anchor_tx(key, "another-chain", suite.hash(b"x"), os.urandom(16), height + 50)
    expired = anchor_tx(key, genesis.chain_id, suite.hash(b"y"), os.urandom(16), 1)
    bad_sig = dataclasses.replace(
        anchor_tx(key, genesis.chain_id, suite.hash(b"z"), os.urandom(16), height + 50),
        signature=b"\x30\x06\x02\x01\x01\x02\x01\x01",
    )
    cases = {
        "malformed_tx": b"\xa1\x61",
        "wrong_chain": records.encode_tx(wrong_chain),
        "tx_expired": records.encode_tx(expired),
        "bad_signature": records.encode_tx(bad_sig),
        "tx_replayed": records.encode_tx(good),
        "body_too_large": b"\x00" * (2 * 1024 * 1024),
    }
    for code, body in cases.items():
        answer = httpx.post(
            f"{url}/v1/txs", content=body, headers={"content-type": "application/cbor"}
        )
        assert 400 <= answer.status_code < 500, (code, answer.status_code, answer.text)
        assert answer.json()["error"]["code"] == code, answer.text
    # a tx sent after the refused ones commits, and a few blocks follow it: by then
    # none of the refused txs is anywhere
    later = anchor_tx(key, genesis.chain_id, suite.hash(b"after"), os.urandom(16), height + 50)
    client.wait(client.submit(later), 60)
    after = int(client.status()["height"])
    wait_for(lambda: (height_of(url) or 0) >= after + 2, 60, f"height {after + 2}")
    for refused in (wrong_chain, expired, bad_sig):
        assert client.tx(records.tx_hash(suite, refused)).status == "unknown"
    with pytest.raises(ApiError):
        client.submit(bad_sig)
    digest = hashlib.sha256(b"never").digest()
    assert NotaryClient(client).lookup(digest).anchorings == ()


@pytest.mark.timeout(300)
def test_nodes_refuse_a_peer_from_an_unknown_ca_or_with_an_unregistered_key(
    tmp_path: Path,
) -> None:
    """Refused peers; then every kind of security event is caused on the same node and found in
    its security log and its counters, and a signed export of its logs verifies offline (issue
    19 item 4, F-E2, N-3)."""
    with running_network(tmp_path / "net", validators=1, before_up=_low_read_rate) as layout:
        node = layout.nodes[0]
        host, port = node.p2p.rsplit(":", 1)
        genesis = load_genesis(layout.directory / "genesis.json")
        now = dt.datetime.now(dt.UTC)
        stranger_ca = init_transport_ca(tmp_path / "stranger-ca", "Nobody", now)
        member_ca = CertificateAuthority.open(layout.directory / "cas" / "department-0")
        impostors = {
            "unknown CA": issue_transport_certificate(
                stranger_ca, "node0", _fresh(tmp_path / "a"), now
            ),
            "unregistered key": issue_transport_certificate(
                member_ca, "node7", _fresh(tmp_path / "b"), now
            ),
        }
        members = [m.transport_ca for m in genesis.network.members]
        for case, identity in impostors.items():
            allowed = {n.transport_key: n.name for n in genesis.network.nodes}
            allowed[identity.fingerprint] = "impostor"
            policy = PeerPolicy(
                ca_bundle=pem_bundle([*members, stranger_ca.certificate.dump()]),
                allowed=allowed,
                cert_file=identity.cert_file,
                key_file=identity.key_file,
            )
            refusal = REFUSALS[case]
            joined = asyncio.run(
                _try_to_join(policy, genesis.chain_id, (host, int(port)), node.home, refusal)
            )
            assert joined == [], case
        status = status_of(node.api_url)  # and it keeps serving, linked to no impostor
        assert status is not None
        assert status["peers"] == []
        _security_events_are_logged_counted_and_exported(tmp_path, layout)


def _low_read_rate(layout: NetworkLayout) -> None:
    """50 reads a second per client (burst 100), so a loop of reads meets the limit."""
    config = layout.nodes[0].home / "config.toml"
    text = config.read_text("utf-8")
    assert "reads_per_s = 100" in text
    config.write_text(text.replace("reads_per_s = 100", "reads_per_s = 50"), "utf-8")


def _security_events_are_logged_counted_and_exported(tmp_path: Path, layout: NetworkLayout) -> None:
    node, directory = layout.nodes[0], layout.directory
    url = node.api_url
    genesis = load_genesis(directory / "genesis.json")
    suite = suite_for(genesis.suite)
    stranger = suite.generate_key()  # no account: its tx is refused for its permission
    height = int(httpx.get(f"{url}/v1/status").json()["height"])
    refused = anchor_tx(stranger, genesis.chain_id, suite.hash(b"s"), os.urandom(16), height + 50)
    key = read_signing_key(layout.client_key)
    bad_sig = dataclasses.replace(
        anchor_tx(key, genesis.chain_id, suite.hash(b"z"), os.urandom(16), height + 50),
        signature=b"\x30\x06\x02\x01\x01\x02\x01\x01",
    )
    cbor = {"content-type": "application/cbor"}
    denied = httpx.post(f"{url}/v1/txs", content=records.encode_tx(refused), headers=cbor)
    assert denied.status_code == 403, denied.text
    forged = httpx.post(f"{url}/v1/txs", content=records.encode_tx(bad_sig), headers=cbor)
    assert forged.json()["error"]["code"] == "bad_signature", forged.text
    unsigned = httpx.get(f"{url}/v1/lockers/{records.address_of(suite, key.public_key).hex()}")
    assert unsigned.status_code == 401, unsigned.text
    with httpx.Client() as reads:  # reads until the limit answers (at most 2000)
        statuses = (reads.get(f"{url}/v1/status").status_code for _ in range(2000))
        assert any(status == 429 for status in statuses)

    log = json.loads(
        govchain("audit", "log", "--home", node.home, "--security", "--tail", "10000", "--json")
        .stdout
    )  # fmt: skip
    assert log["verified"] is True
    events = {(e["source"], e["event"]) for e in log["entries"]}
    assert {
        ("p2p", "peer_refused"), ("api", "permission_denied"), ("mempool", "permission_denied"),
        ("mempool", "bad_signature"), ("api", "signature_refused"), ("api", "rate_limited"),
    } <= events  # fmt: skip
    by_tx = {e.get("tx"): e["event"] for e in log["entries"] if e["source"] == "mempool"}
    assert by_tx[records.tx_hash(suite, refused).hex()] == "permission_denied"
    assert by_tx[records.tx_hash(suite, bad_sig).hex()] == "bad_signature"
    refusals = {e["refusal"] for e in log["entries"] if e["source"] == "p2p"}
    assert {"tls", "identity"} <= refusals
    metrics = httpx.get(f"{url}/metrics").text  # not rate limited: /metrics is a scrape
    for source, event in events:
        assert f'govchain_security_events_total{{event="{event}",source="{source}"}}' in metrics

    export = tmp_path / "logs.export.json"
    govchain("audit", "log", "--home", node.home, "--export", export)
    checked = json.loads(
        govchain("audit", "verify", export, "--genesis", directory / "genesis.json", "--json")
        .stdout
    )  # fmt: skip
    assert (checked["verified"], checked["node"]) == (True, node.name)
    assert checked["security"]["lines"] == log["lines"]
    document = json.loads(export.read_text("utf-8"))
    del document["access"][1]
    export.write_text(json.dumps(document), "utf-8")
    tampered = govchain(
        "audit", "verify", export, "--genesis", directory / "genesis.json", check=False
    )
    assert tampered.returncode == 1
    assert "line 2 does not follow line 1" in one_line_error(tampered)


def _fresh(directory: Path) -> Path:
    directory.mkdir(parents=True)
    return directory


async def _try_to_join(
    policy: PeerPolicy, chain_id: str, address: tuple[str, int], home: Path, refusal: str
) -> list[str]:
    """Dial the node as an impostor until the node logs ``refusal``; the impostor's links then."""
    log = home / "node.log"
    before = log.read_text().count(refusal)
    impostor = PeerNetwork(
        "impostor", chain_id, policy, listen=("127.0.0.1", 0), peers={"node0": address}
    )
    await impostor.start()
    try:
        deadline = time.monotonic() + JOIN_WAIT_S
        while log.read_text().count(refusal) == before:  # the node has not turned it away yet
            assert time.monotonic() < deadline, f"the node never logged {refusal!r}"
            await asyncio.sleep(0.05)
        # the node refuses before it sends its hello, so the impostor cannot have
        # registered the link, not even for a moment
        return list(impostor.connected_peers)
    finally:
        await impostor.stop()


@pytest.mark.timeout(300)
def test_notarize_and_verify_commands_end_to_end(tmp_path: Path) -> None:
    """`govchain notarize` writes receipts that `govchain verify` accepts (F-C5, item 7)."""
    with running_network(tmp_path / "net", validators=1) as layout:
        node = layout.nodes[0]
        docs = [tmp_path / "license.txt", tmp_path / "contract.txt"]
        for doc in docs:
            doc.write_text(f"{doc.name} {os.urandom(4).hex()}\n")
        out_dir = tmp_path / "receipts"
        result = govchain(
            "notarize", *docs, "--node", node.api_url, "--key", layout.client_key,
            "--out-dir", out_dir, "--json",
        )  # fmt: skip
        report = json.loads(result.stdout)
        assert [a["status"] for a in report["anchorings"]] == ["committed", "committed"]
        genesis = layout.directory / "genesis.json"
        for doc in docs:
            receipt = out_dir / f"{doc.name}.receipt.json"
            verified = json.loads(
                govchain("verify", receipt, "--genesis", genesis, "--json").stdout
            )
            assert verified["ok"] is True
            assert verified["tx_type"] == "notary.anchor"
            times = [a["block_time"] for a in report["anchorings"] if a["file"] == str(doc)]
            assert times == [verified["block_time"]]  # --json keeps the milliseconds
        two = govchain(
            "notarize", *docs, "--node", node.api_url, "--key", layout.client_key,
            "--out", tmp_path / "one.json", check=False,
        )  # fmt: skip
        assert "exactly one document" in one_line_error(two)
