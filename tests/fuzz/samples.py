"""Valid inputs to start fuzzing from: real signed votes, proposals, blocks and receipts.

Every sample is built on the deterministic committee of the consensus tests
(fixed Ed25519 keys, fixed nonces), so the same bytes come out in every run
and the corpus files under ``corpus/`` can be compared with them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from govchain.consensus.messages import Decision, ProposalMessage
from govchain.consensus.wire import encode_message
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle, tx_receipt_bundle
from govchain.network.envelope import ConsensusPayload, Hello, Status, encode_envelope
from govchain.network.framing import encode_frame
from govchain.types import Block, Commit, Genesis, Vote

from ..unit.consensus.core_support import (
    CHAIN_ID,
    PRECOMMIT,
    PREVOTE,
    BlockMaker,
    Committee,
    Harness,
    block_hash,
)

POWERS = (10, 10, 10, 10)
"""The committee every sample is signed by: four validators of equal power."""


@dataclass(frozen=True)
class Samples:
    """Block 1 of a deterministic chain, its receipt, and signed consensus messages about it."""

    committee: Committee
    genesis: Genesis
    block: Block
    commit: Commit
    prevote: Vote
    precommit: Vote
    proposal: ProposalMessage
    bundle: TxReceiptBundle

    @property
    def decision(self) -> Decision:
        """The committed block with its certificate, as a peer that is ahead sends it."""
        return Decision(self.block, self.commit)

    def receipt_json(self) -> dict[str, Any]:
        """A fresh copy of the receipt file's JSON object (callers may change it)."""
        copied: dict[str, Any] = json.loads(json.dumps(self.bundle.to_json()))
        return copied


@functools.cache
def samples() -> Samples:
    """Build the samples once: block 1, its commit, and the height-1 messages about it.

    The votes and the proposal are for height 1, where a fresh core starts, so
    a core fed them does real work with them instead of setting them aside.
    """
    committee = Committee(POWERS)
    maker = BlockMaker(committee)
    block = maker.block(label=1)
    commit = committee.commit(block, signers=[0, 1, 2])
    maker.commit(block, commit)
    with maker.chain.view() as view:
        bundle = tx_receipt_bundle(view, records.tx_hash(view.suite, block.txs[0]))
    hash_ = block_hash(block)
    proposer = Harness(committee=committee).proposer_of(0)
    return Samples(
        committee=committee,
        genesis=committee.genesis,
        block=block,
        commit=commit,
        prevote=committee.vote(0, PREVOTE, 0, hash_),
        precommit=committee.vote(1, PRECOMMIT, 0, hash_),
        proposal=committee.proposal(proposer, 0, block),
        bundle=bundle,
    )


def corpus_inputs() -> dict[str, dict[str, bytes]]:
    """Every corpus file's bytes, by target directory and file name."""
    s = samples()
    vote_message = encode_message(s.prevote)
    return {
        "codec": {
            "tx.bin": records.encode_tx(s.block.txs[0]),
            "block.bin": records.encode_block(s.block),
            "vote_message.bin": vote_message,
        },
        "records_tx": {"tx.bin": records.encode_tx(s.block.txs[0])},
        "records_block": {"block.bin": records.encode_block(s.block)},
        "records_commit": {"commit.bin": records.encode_commit(s.commit)},
        "records_receipt": {"receipt.bin": records.encode_receipt(s.bundle.receipt)},
        "consensus_message": {
            "prevote.bin": vote_message,
            "precommit.bin": encode_message(s.precommit),
            "proposal.bin": encode_message(s.proposal),
            "decision.bin": encode_message(s.decision),
        },
        "envelope": {
            "hello.bin": encode_envelope(Hello("node-1", CHAIN_ID, 1)),
            "status.bin": encode_envelope(Status(1)),
            "consensus.bin": encode_envelope(ConsensusPayload(vote_message)),
        },
        "frame": {
            "two_frames.bin": encode_frame(b"\x01") + encode_frame(vote_message),
            "zero_length.bin": bytes(4),
            "truncated.bin": encode_frame(vote_message)[:-1],
        },
        "receipt_json": {
            "receipt.json": json.dumps(s.bundle.to_json(), indent=1).encode() + b"\n",
        },
    }
