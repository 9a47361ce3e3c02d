"""Known answers for ledger record bytes and hashes (tests/vectors/records.json, formats.md §5).

Each encoding is checked three ways: our decoder accepts the stored bytes and
re-encodes them unchanged; cbor2, an independent encoder, produces the same
bytes from the decoded values; and every hash is recomputed with hashlib over
the stored bytes, not through our hashing helpers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest

from govchain.codec import encode
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import load_signing_key_pem
from govchain.ledger import records
from govchain.ledger.commits import verify_commit
from govchain.ledger.merkle import hasher_for
from govchain.types import Genesis, Vote

from .merkle_reference import mth

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "records.json").read_text("utf-8")
)
SUITES = {s["suite"]: s for s in VECTORS["suites"]}


def _independent_hash(algorithm: str, domain: str, value_cbor: bytes) -> bytes:
    """H(cbor(domain) || cbor(value)), built without govchain.codec."""
    return hashlib.new(algorithm, cbor2.dumps(domain) + value_cbor).digest()


def _cbor2_canonical(value: Any) -> bytes:
    # Our keys are all short text, so RFC 7049 canonical order (cbor2) equals RFC 8949's.
    return cbor2.dumps(value, canonical=True)


@pytest.fixture(params=sorted(SUITES))
def vec(request: pytest.FixtureRequest) -> dict[str, Any]:
    return SUITES[request.param]


def test_both_suites_have_vectors() -> None:
    assert sorted(SUITES) == ["gm", "intl"]


def test_genesis_validators_and_addresses(vec: dict[str, Any]) -> None:
    suite = suite_for(vec["suite"])
    raw = bytes.fromhex(vec["genesis"]["cbor"])
    genesis = records.decode_record(raw, Genesis.from_cbor, records.RECORD_LIMITS, "genesis")
    assert encode(genesis.to_cbor()) == raw
    assert _cbor2_canonical(cbor2.loads(raw)) == raw
    keys = [load_signing_key_pem(pem.encode()) for pem in vec["keys_pem"]]
    assert [v.public_key for v in genesis.validators.validators] == [k.public_key for k in keys]
    addresses = [records.address_of(suite, k.public_key) for k in keys]
    assert [a.hex() for a in addresses] == vec["addresses"]
    for key, address in zip(keys, addresses, strict=True):
        independent = _independent_hash(
            vec["hash"], records.ADDRESS_DOMAIN, cbor2.dumps(key.public_key)
        )
        assert independent[:20] == address
    validators_cbor = _cbor2_canonical(cbor2.loads(raw)["validators"])
    expected = _independent_hash(vec["hash"], records.VALIDATORS_DOMAIN, validators_cbor)
    assert expected.hex() == vec["validators_hash"]
    assert records.validators_hash(suite, genesis.validators) == expected


def test_tx_bytes_hash_and_signature(vec: dict[str, Any]) -> None:
    suite = suite_for(vec["suite"])
    raw = bytes.fromhex(vec["tx"]["cbor"])
    tx = records.decode_tx(raw)
    assert records.encode_tx(tx) == raw
    assert _cbor2_canonical(cbor2.loads(raw)) == raw
    body = {k: v for k, v in cbor2.loads(raw).items() if k != "signature"}
    signing = cbor2.dumps(records.TX_DOMAIN) + _cbor2_canonical(body)
    assert signing.hex() == vec["tx"]["signing_bytes"]
    assert records.tx_signing_bytes(tx) == signing
    assert hashlib.new(vec["hash"], signing).hexdigest() == vec["tx"]["hash"]
    assert records.tx_hash(suite, tx).hex() == vec["tx"]["hash"]
    records.verify_tx_signature(suite, tx)
    key = load_signing_key_pem(vec["keys_pem"][0].encode())
    if vec["suite"] == "intl":  # Ed25519 is deterministic; SM2 signatures are randomized
        assert key.sign(signing) == tx.signature


def test_receipts_and_roots(vec: dict[str, Any]) -> None:
    suite = suite_for(vec["suite"])
    hasher = hasher_for(vec["hash"])
    raws = [bytes.fromhex(r) for r in vec["receipts"]]
    receipts = [records.decode_receipt(r) for r in raws]
    assert [records.encode_receipt(r) for r in receipts] == raws
    assert all(_cbor2_canonical(cbor2.loads(r)) == r for r in raws)
    assert mth(hasher, raws).hex() == vec["receipts_root"]
    assert records.receipts_root(suite, receipts).hex() == vec["receipts_root"]
    tx_raw = bytes.fromhex(vec["tx"]["cbor"])
    assert mth(hasher, [tx_raw]).hex() == vec["tx_root"]
    assert hashlib.new(vec["hash"], b"\x00" + tx_raw).hexdigest() == vec["tx_root"]


def test_header_and_block(vec: dict[str, Any]) -> None:
    suite = suite_for(vec["suite"])
    raw = bytes.fromhex(vec["header"]["cbor"])
    header = records.decode_header(raw)
    assert records.encode_header(header) == raw
    assert _cbor2_canonical(cbor2.loads(raw)) == raw
    expected = _independent_hash(vec["hash"], records.HEADER_DOMAIN, raw)
    assert expected.hex() == vec["header"]["hash"]
    assert records.header_hash(suite, header) == expected
    assert (header.tx_root.hex(), header.receipts_root.hex()) == (
        vec["tx_root"],
        vec["receipts_root"],
    )
    assert header.validators_hash.hex() == vec["validators_hash"]
    block_raw = bytes.fromhex(vec["block"]["cbor"])
    block = records.decode_block(block_raw)
    assert records.encode_block(block) == block_raw
    assert block.header == header
    assert block.last_commit is not None
    assert header.last_commit_hash == records.commit_hash(suite, block.last_commit)
    assert header.prev_hash == block.last_commit.block_hash
    assert records.encode_tx(block.txs[0]).hex() == vec["tx"]["cbor"]


def test_vote_and_commit(vec: dict[str, Any]) -> None:
    suite = suite_for(vec["suite"])
    raw_genesis = bytes.fromhex(vec["genesis"]["cbor"])
    genesis = records.decode_record(
        raw_genesis, Genesis.from_cbor, records.RECORD_LIMITS, "genesis"
    )
    vote_raw = bytes.fromhex(vec["vote"]["cbor"])
    vote = Vote.from_cbor(cbor2.loads(vote_raw))
    assert encode(vote.to_cbor()) == vote_raw
    body = {k: v for k, v in cbor2.loads(vote_raw).items() if k != "signature"}
    signing = cbor2.dumps(records.VOTE_DOMAIN) + _cbor2_canonical(body)
    assert signing.hex() == vec["vote"]["signing_bytes"]
    assert records.vote_signing_bytes(vote) == signing
    member = genesis.validators.get(vote.validator)
    assert member is not None
    assert suite.verify(member.public_key, signing, vote.signature)

    commit_raw = bytes.fromhex(vec["commit"]["cbor"])
    commit = records.decode_commit(commit_raw)
    assert records.encode_commit(commit) == commit_raw
    assert _cbor2_canonical(cbor2.loads(commit_raw)) == commit_raw
    expected = _independent_hash(vec["hash"], records.COMMIT_DOMAIN, commit_raw)
    assert expected.hex() == vec["commit"]["hash"]
    assert records.commit_hash(suite, commit) == expected
    assert commit.block_hash.hex() == vec["header"]["hash"]
    power = verify_commit(
        suite,
        commit,
        genesis.validators,
        chain_id=VECTORS["chain_id"],
        height=commit.height,
        block_hash=commit.block_hash,
    )
    assert power == genesis.validators.total_power
    assert commit.vote_of(commit.signatures[0]) == vote
