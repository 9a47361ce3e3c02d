"""Write tests/vectors/records.json: canonical bytes and hashes of every ledger record.

For each suite, one small chain moment built from fixed keys, nonces and
times: a genesis, a signed tx, its receipt, a precommit vote, a commit, a
header and its block. The test re-derives every encoding and hash from the
record fields and checks the stored signatures; it also hashes the stored
bytes with hashlib, independently of our codec. SM2 signatures are
randomized, so they are stored, not re-made. Keys are test keys, published here.
Run: .venv/bin/python scripts/make_record_vectors.py
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from govchain.codec import encode
from govchain.crypto import SigningKey, suite_for
from govchain.ledger import records
from govchain.types import (
    Block,
    Commit,
    CommitSig,
    Event,
    Genesis,
    Header,
    Receipt,
    Tx,
    Validator,
    ValidatorSet,
    Vote,
    VoteType,
)

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "records.json"
CHAIN_ID = "vectors-chain"
TIME = 1_800_000_000_000


def _suite_vectors(name: str) -> dict[str, object]:
    suite = suite_for(name)
    keys: list[SigningKey] = [suite.generate_key() for _ in range(2)]
    members = sorted(
        (
            Validator(records.address_of(suite, k.public_key), k.public_key, 10 + i, f"dept-{i}")
            for i, k in enumerate(keys)
        ),
        key=lambda v: v.address,
    )
    by_address = {records.address_of(suite, k.public_key): k for k in keys}
    keys = [by_address[v.address] for v in members]
    validators = ValidatorSet(tuple(members))
    genesis = Genesis(CHAIN_ID, name, TIME, validators)

    tx = records.sign_tx(
        keys[0],
        Tx(
            CHAIN_ID,
            "notary.anchor",
            {"digest": bytes(range(32)), "title": "办事指南 v1"},
            "key",
            keys[0].public_key,
            bytes(range(16)),
            100,
        ),
    )
    tx_hash = records.tx_hash(suite, tx)
    receipt = Receipt(tx_hash, 0, (Event("notary.anchored", {"height": 2, "owner": b"\x01"}),))
    failed = Receipt(bytes(32), 1, (), "document type is not allowed")

    def commit_for(height: int, block_hash: bytes, time: int) -> Commit:
        sigs = []
        for offset, (member, key) in enumerate(zip(members, keys, strict=True)):
            vote = Vote(
                CHAIN_ID, VoteType.PRECOMMIT, height, 0, block_hash, time + offset, member.address
            )
            signature = key.sign(records.vote_signing_bytes(vote))
            sigs.append(CommitSig(member.address, vote.time, signature))
        return Commit(CHAIN_ID, height, 0, block_hash, tuple(sigs))

    previous = commit_for(1, suite.hash(b"block 1"), TIME + 500)
    header = Header(
        chain_id=CHAIN_ID,
        height=2,
        time=TIME + 1000,
        prev_hash=previous.block_hash,
        tx_root=records.tx_root(suite, [tx]),
        state_root=suite.hash(b"state after block 2"),
        receipts_root=records.receipts_root(suite, [receipt, failed]),
        history_root=suite.hash(b"history of 1 block"),
        validators_hash=records.validators_hash(suite, validators),
        next_validators_hash=records.validators_hash(suite, validators),
        proposer=members[0].address,
        last_commit_hash=records.commit_hash(suite, previous),
    )
    block_hash = records.header_hash(suite, header)
    commit = commit_for(2, block_hash, TIME + 2000)
    signed_vote = commit.vote_of(commit.signatures[0])
    vote = dataclasses.replace(signed_vote, signature=b"")
    block = Block(header, (tx,), previous)
    block.validate()
    return {
        "suite": name,
        "hash": suite.hash_name,
        "keys_pem": [k.to_pem().decode() for k in keys],
        "genesis": {"cbor": encode(genesis.to_cbor()).hex()},
        "validators_hash": records.validators_hash(suite, validators).hex(),
        "addresses": [m.address.hex() for m in members],
        "tx": {
            "cbor": records.encode_tx(tx).hex(),
            "signing_bytes": records.tx_signing_bytes(tx).hex(),
            "hash": tx_hash.hex(),
        },
        "receipts": [records.encode_receipt(r).hex() for r in (receipt, failed)],
        "tx_root": header.tx_root.hex(),
        "receipts_root": header.receipts_root.hex(),
        "header": {"cbor": records.encode_header(header).hex(), "hash": block_hash.hex()},
        "block": {"cbor": records.encode_block(block).hex()},
        "vote": {
            "cbor": encode(signed_vote.to_cbor()).hex(),
            "signing_bytes": records.vote_signing_bytes(vote).hex(),
        },
        "commit": {
            "cbor": records.encode_commit(commit).hex(),
            "hash": records.commit_hash(suite, commit).hex(),
        },
    }


def main() -> None:
    vectors = {
        "description": (
            "Canonical CBOR and hashes of ledger records (docs/formats.md section 5), "
            "one set per suite, from fixed test keys. Bytes are hex."
        ),
        "chain_id": CHAIN_ID,
        "suites": [_suite_vectors("gm"), _suite_vectors("intl")],
    }
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
