"""An HTTPS network of real node processes: SDK, CLI and notarize over it; several URLs, one dead.

Issue 13 item 9 acceptance (N-1, F-F1, F-C5): ``net init --api-tls`` lays out
4 validators on loopback whose APIs serve HTTPS with certificates of their
members' API CAs; clients trust ``D/ca-bundle.pem``. A client without the
bundle is refused with one line saying what to pass. With three node URLs
given and one of those nodes killed, ``notarize`` still succeeds (4
validators, so the other three still commit).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.client.notary import NotaryClient, verify_anchoring
from govchain.client.sdk import NodeClient, UntrustedNodeError
from govchain.client.verify import verify_tx_receipt
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout

from ..govchain_cli import govchain, one_line_error
from .network_support import kill_node, running_network

ENV_WITHOUT_BUNDLE = {k: v for k, v in os.environ.items() if k != "GOVCHAIN_CA_BUNDLE"}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkLayout]:
    directory = tmp_path_factory.mktemp("api-tls") / "net"
    with running_network(directory, validators=4, api_tls=True) as layout:
        yield layout


def _urls(network: NetworkLayout) -> list[str]:
    return [node.api_url for node in network.nodes]


def _bundle(network: NetworkLayout) -> Path:
    assert network.ca_bundle is not None
    return network.ca_bundle


def test_net_status_reads_every_node_over_https(network: NetworkLayout) -> None:
    assert all(url.startswith("https://127.0.0.1:") for url in _urls(network))
    states = launcher.status(network)
    assert all(state.height is not None for state in states), states
    listed = json.loads(govchain("net", "status", "--dir", network.directory, "--json").stdout)
    assert [isinstance(node["height"], int) for node in listed["nodes"]] == [True] * 4


def test_the_sdk_notarizes_over_https_and_the_receipt_verifies_offline(
    network: NetworkLayout,
) -> None:
    genesis = load_genesis(network.directory / "genesis.json")
    signer = read_signing_key(network.client_key)
    digest = suite_for(genesis.suite).hash(b"anchored over https by the SDK")
    with NodeClient(_urls(network), ca_bundle=_bundle(network), start=0) as client:
        notary = NotaryClient(client)
        _tx, tx_hash = notary.anchor(signer, digest, title="sdk")
        result = client.wait(tx_hash, 60)
        assert result.status == "committed"
        assert result.receipt is not None
        verified = verify_tx_receipt(genesis, TxReceiptBundle.from_json(result.receipt))
        assert verified.tx_hash == tx_hash
        (item,) = list(notary.all_anchorings(digest))
    assert verify_anchoring(genesis, digest, item).title == "sdk"


def test_the_cli_notarizes_and_lists_over_https_with_several_nodes(
    network: NetworkLayout, tmp_path: Path
) -> None:
    document, receipt = tmp_path / "document.txt", tmp_path / "receipt.json"
    document.write_text("anchored over https by the CLI\n")
    first, second, third, _fourth = _urls(network)
    notarized = govchain(
        "notarize", document,
        "--node", first, "--node", f"{second},{third}",
        "--ca-bundle", _bundle(network),
        "--key", network.client_key, "--out", receipt, "--json",
    )  # fmt: skip
    (row,) = json.loads(notarized.stdout)["anchorings"]
    assert row["status"] == "committed"
    genesis = network.directory / "genesis.json"
    checked = json.loads(govchain("verify", receipt, "--genesis", genesis, "--json").stdout)
    assert checked["ok"] is True
    assert checked["tx_hash"] == row["tx_hash"]
    env = {**ENV_WITHOUT_BUNDLE, "GOVCHAIN_CA_BUNDLE": str(_bundle(network))}
    listed = govchain(
        "evidence", "list", "--node", ",".join(_urls(network)), "--genesis", genesis, "--json",
        env=env,
    )  # fmt: skip
    assert json.loads(listed.stdout)["evidence"] == []


def test_a_client_without_the_bundle_is_refused_with_one_clear_line(
    network: NetworkLayout, tmp_path: Path
) -> None:
    document = tmp_path / "document.txt"
    document.write_text("never anchored\n")
    url = network.nodes[0].api_url
    result = govchain(
        "notarize", document, "--node", url, "--key", network.client_key,
        "--out", tmp_path / "receipt.json",
        check=False, env=ENV_WITHOUT_BUNDLE,
    )  # fmt: skip
    line = one_line_error(result)
    assert line == (
        f"error: the certificate of {url} is not trusted by the system's CAs: unable to get "
        "local issuer certificate; pass --ca-bundle DIR/ca-bundle.pem (the network's CA "
        "bundle, written by net init --api-tls) or set GOVCHAIN_CA_BUNDLE"
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "receipt.json").exists()
    wrong = network.directory / "cas" / "department-1" / "api" / "ca.pem"  # not node0's CA
    line = one_line_error(
        govchain("evidence", "list", "--node", url, "--ca-bundle", wrong, check=False)
    )
    assert f"is not trusted by the CA bundle {wrong}" in line
    with NodeClient(url) as client, pytest.raises(UntrustedNodeError):
        client.status()
    plain = url.replace("https://", "http://")
    line = one_line_error(govchain("evidence", "list", "--node", plain, check=False))
    assert "use https://" in line


def test_notarize_succeeds_with_three_node_urls_and_one_of_them_killed(
    network: NetworkLayout, tmp_path: Path
) -> None:
    # last in this module: node1 stays down
    kill_node(network.nodes[1].home)
    urls = ",".join(_urls(network)[:3])  # node1 is among them
    genesis = network.directory / "genesis.json"
    for i in range(2):
        document, receipt = tmp_path / f"document{i}.txt", tmp_path / f"receipt{i}.json"
        document.write_text(f"anchored while node1 is down ({i})\n")
        notarized = govchain(
            "notarize", document, "--node", urls, "--ca-bundle", _bundle(network),
            "--key", network.client_key, "--out", receipt, "--json",
        )  # fmt: skip
        (row,) = json.loads(notarized.stdout)["anchorings"]
        assert row["status"] == "committed"
        assert json.loads(govchain("verify", receipt, "--genesis", genesis, "--json").stdout)["ok"]
