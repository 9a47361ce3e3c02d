"""Annotated copies (加注件) verify offline: the usage tx's receipt, the storage node's signature.

A real chain with grants (``tests.unit.contracts.grants.test_grants.Scene``)
commits a ``grants.use``; a storage node's transport key (registered in the
genesis as a node of role ``storage``) signs the annotation. Every tampered
field, a wrong key, a key the genesis does not list and a receipt of another
tx are refused with the check that failed; ``govchain verify`` prints the
copy's table and exits 1 on a bad one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from govchain.client.annotations import (
    COPY_FORMAT,
    AnnotatedCopy,
    Annotation,
    verify_annotated_copy,
    verify_annotation_signature,
)
from govchain.contracts import ChainReader
from govchain.contracts.grants import UseArgs
from govchain.contracts.grants.state import read_usage
from govchain.crypto import suite_for
from govchain.ledger.genesis_file import genesis_json_text
from govchain.ledger.proofs import TxReceiptBundle
from govchain.storage_node.annotations import AnnotationSigner, build_annotation
from govchain.types import Genesis, NodeEntry
from govchain.types.errors import ProofError
from tests.govchain_cli import govchain
from tests.unit.contracts.assets.asset_chain import ok, refused
from tests.unit.contracts.grants.test_grants import Scene

TRANSPORT = suite_for("intl")


@dataclass(frozen=True)
class Served:
    genesis: Genesis
    signer: AnnotationSigner
    copy: AnnotatedCopy
    grant_bundle: TxReceiptBundle
    failed_bundle: TxReceiptBundle


def _with_storage_node(genesis: Genesis, name: str, spki: bytes, role: str) -> Genesis:
    org = genesis.network.members[0].org
    entry = NodeEntry(name, org, role, hashlib.sha256(spki).digest())
    network = dataclasses.replace(genesis.network, nodes=(*genesis.network.nodes, entry))
    return dataclasses.replace(genesis, network=network)


@pytest.fixture(scope="module")
def served() -> Served:
    scene = Scene("gm")
    grant_id, grant_receipt = scene.grant(scene.holder_key)
    ok(grant_receipt)
    use = UseArgs(scene.asset, "view", "开户核验", {"grant": grant_id})
    used = ok(scene.send(scene.bank_key, use))
    failed = scene.send(scene.agent_key, use)
    refused(failed, "not_grantee")
    failed_hash = failed.tx_hash
    scene.ac.gc.run()
    with scene.ac.gc.chain.view() as view:
        reader = ChainReader(view)
        bundle, grant_bundle, failed_bundle = (
            reader.tx_receipt(h) for h in (used.tx_hash, grant_receipt.tx_hash, failed_hash)
        )
    usage = read_usage(scene.ac.gc.read, used.tx_hash)
    assert usage is not None
    assert bundle is not None
    assert grant_bundle is not None
    assert failed_bundle is not None
    key = TRANSPORT.generate_key()
    spki = TRANSPORT.public_key_to_spki(key.public_key)
    genesis = _with_storage_node(scene.ac.gc.genesis, "storage1", spki, "storage")
    signer = AnnotationSigner(genesis.chain_id, suite_for("gm"), "storage1", key, spki)
    copy = AnnotatedCopy(build_annotation(signer, usage), bundle)
    return Served(genesis, signer, copy, grant_bundle, failed_bundle)


def _check_of(genesis: Genesis, copy: AnnotatedCopy) -> str:
    with pytest.raises(ProofError) as failed:
        verify_annotated_copy(genesis, copy)
    return failed.value.check


def test_an_annotated_copy_verifies_and_round_trips_f_c2(served: Served) -> None:
    parsed = AnnotatedCopy.from_json(json.loads(json.dumps(served.copy.to_json())))
    verified = verify_annotated_copy(served.genesis, parsed)
    assert verified.node.name == "storage1"
    assert verified.action == "view"
    assert verified.by == served.copy.annotation.viewer
    assert verified.annotation.purpose == "开户核验"
    assert verified.annotation.time == verified.tx.block_time
    note = served.copy.annotation
    assert Annotation.from_header(note.to_header()) == note


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("purpose", "另一事由", "annotation_match"),
        ("viewer", bytes(20), "annotation_match"),
        ("time", 1, "annotation_match"),
        ("asset", bytes(16), "annotation_match"),
        ("tx_hash", bytes(32), "annotation_match"),
        ("content_hash", bytes(32), "annotation_signature"),
        ("node", "storage2", "annotation_node"),
        ("chain_id", "another-chain", "annotation"),
        ("signature", bytes(64), "annotation_signature"),
    ],
)
def test_a_tampered_field_is_refused(served: Served, field: str, value: Any, check: str) -> None:
    tampered = replace(served.copy.annotation, **{field: value})
    assert _check_of(served.genesis, replace(served.copy, annotation=tampered)) == check


def test_a_signature_by_another_key_is_refused(served: Served) -> None:
    other = TRANSPORT.generate_key()
    forged = replace(served.signer, key=other)  # claims the registered key's SPKI
    annotation = forged.sign(replace(served.copy.annotation, signature=b""))
    copy = replace(served.copy, annotation=annotation)
    assert _check_of(served.genesis, copy) == "annotation_signature"


def test_a_key_the_genesis_does_not_list_is_refused(served: Served) -> None:
    other = TRANSPORT.generate_key()
    spki = TRANSPORT.public_key_to_spki(other.public_key)
    stranger = replace(served.signer, key=other, spki=spki)
    annotation = stranger.sign(replace(served.copy.annotation, key=spki, signature=b""))
    copy = replace(served.copy, annotation=annotation)
    assert _check_of(served.genesis, copy) == "annotation_node"
    bare = _with_storage_node(served.genesis, "x", spki, "full")
    with pytest.raises(ProofError) as failed:  # registered, but not as a storage node
        verify_annotation_signature(bare, replace(annotation, node="x"))
    assert failed.value.check == "annotation_node"


def test_a_receipt_of_another_tx_or_a_failed_use_is_refused(served: Served) -> None:
    for bundle in (served.grant_bundle, served.failed_bundle):
        assert _check_of(served.genesis, replace(served.copy, receipt=bundle)) == "usage_tx"


def test_a_malformed_copy_is_a_format_error(served: Served) -> None:
    good = served.copy.to_json()
    bads: tuple[object, ...] = (
        {**good, "format": "govchain-annotated-copy/v9"},
        {**good, "annotation": "zz"},
        {**good, "annotation": good["annotation"][:-2]},
        {"format": COPY_FORMAT},
        [],
    )
    for bad in bads:
        with pytest.raises(ProofError) as failed:
            AnnotatedCopy.from_json(bad)
        assert failed.value.check == "format"


def test_govchain_verify_shows_an_annotated_copy_and_refuses_a_tampered_one(
    served: Served, tmp_path: Path
) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_text(genesis_json_text(served.genesis), encoding="utf-8")
    copy = tmp_path / "COPY.json"
    copy.write_text(json.dumps(served.copy.to_json()), encoding="utf-8")
    shown = govchain("verify", copy, "--genesis", genesis)
    assert "annotated copy verified" in shown.stdout
    assert "storage1" in shown.stdout
    assert "开户核验" in shown.stdout
    answer = json.loads(govchain("verify", copy, "--genesis", genesis, "--json").stdout)
    assert answer["ok"] is True
    assert answer["kind"] == "annotated_copy"
    assert answer["tx_hash"] == served.copy.annotation.tx_hash.hex()
    tampered = replace(served.copy.annotation, purpose="另一事由")
    copy.write_text(json.dumps(replace(served.copy, annotation=tampered).to_json()))
    result = govchain("verify", copy, "--genesis", genesis, check=False)
    assert result.returncode == 1
    assert "annotation_match" in result.stderr
    assert "Traceback" not in result.stderr
