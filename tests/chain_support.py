"""Build real chains for tests: validator keys, signed txs, commits, and a test contract."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from govchain.consensus.evidence import DuplicateVote
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.execution import ContractError, Registry, TxContext, apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore
from govchain.types import Commit, CommitSig, Genesis, Tx, Validator, ValidatorSet, Vote, VoteType

CHAIN_ID = "test-chain"
GENESIS_TIME = 1_790_000_000_000


def kv_put(ctx: TxContext, tx: Tx) -> None:
    """Test contract ``kv.put``: ``{"key": bytes, "value": bytes}``; refuses the key b"deny"."""
    key, value = tx.args.get("key"), tx.args.get("value")
    if not isinstance(key, bytes) or not isinstance(value, bytes) or not key:
        raise ContractError("kv.put needs bytes key and value")
    if key == b"deny":
        raise ContractError("this key is refused")
    ctx.put(b"kv/" + key, value)
    ctx.emit("kv.written", key=key)


def make_registry() -> Registry:
    """A registry with only the ``kv.put`` test contract."""
    registry = Registry()
    registry.register("kv.put", kv_put)
    return registry


@dataclass
class ChainMaker:
    """A validator set with its keys, and helpers to sign what a chain needs."""

    suite: CryptoSuite
    keys: list[SigningKey]
    genesis: Genesis
    registry: Registry = field(default_factory=make_registry)
    spare_keys: dict[bytes, SigningKey] = field(default_factory=dict)
    """Keys of validators added after genesis, by address (``commit(validators=...)``)."""

    @classmethod
    def make(cls, suite_name: str = "intl", validators: int = 4) -> ChainMaker:
        suite = suite_for(suite_name)
        keys = [suite.generate_key() for _ in range(validators)]
        members = sorted(
            (
                Validator(records.address_of(suite, k.public_key), k.public_key, 10, f"v{i}")
                for i, k in enumerate(keys)
            ),
            key=lambda v: v.address,
        )
        by_address = {records.address_of(suite, k.public_key): k for k in keys}
        ordered = [by_address[v.address] for v in members]
        genesis = Genesis(CHAIN_ID, suite_name, GENESIS_TIME, ValidatorSet(tuple(members)))
        return cls(suite, ordered, genesis)

    @property
    def validators(self) -> ValidatorSet:
        return self.genesis.validators

    def tx(
        self, signer: SigningKey, tx_type: str = "kv.put", expiry: int = 10_000, **args: object
    ) -> Tx:
        chain_id = self.genesis.chain_id
        unsigned = Tx(
            chain_id, tx_type, dict(args), "key", signer.public_key, os.urandom(16), expiry
        )
        return records.sign_tx(signer, unsigned)

    def commit(
        self,
        height: int,
        block_hash: bytes,
        time: int,
        signers: int | None = None,
        validators: ValidatorSet | None = None,
    ) -> Commit:
        """Precommits of the first ``signers`` members of ``validators`` (default: genesis)."""
        known = {
            v.address: key for v, key in zip(self.validators.validators, self.keys, strict=True)
        }
        known.update(self.spare_keys)
        members = (validators or self.validators).validators
        sigs = []
        for index, member in enumerate(members):
            key = known[member.address]
            if signers is not None and index >= signers:
                break
            vote = Vote(
                self.genesis.chain_id,
                VoteType.PRECOMMIT,
                height,
                0,
                block_hash,
                time + index,
                member.address,
            )
            sigs.append(
                CommitSig(member.address, vote.time, key.sign(records.vote_signing_bytes(vote)))
            )
        return Commit(self.genesis.chain_id, height, 0, block_hash, tuple(sigs))

    def extend(self, chain: ChainStore, txs: list[Tx], last_commit: Commit | None) -> Commit:
        """Propose, apply and commit the next block; return its commit certificate."""
        with chain.view() as view:
            block = propose_block(
                view,
                txs,
                proposer=self.validators.validators[0].address,
                last_commit=last_commit,
                registry=self.registry,
            )
            result = apply_block(view, block, self.registry)
        commit = self.commit(block.header.height, result.block_hash, block.header.time + 1)
        chain.commit_block(block, commit, result)
        return commit

    def grow(self, chain: ChainStore, blocks: int, txs_per_block: int = 3) -> list[Commit]:
        commits: list[Commit] = []
        with chain.view() as view:
            last = view.height
        last_commit = None if last == 0 else self._stored_commit(chain, last)
        for b in range(blocks):
            txs = [
                self.tx(
                    self.keys[i % len(self.keys)],
                    key=f"k{(b * 7 + i) % 11}".encode(),
                    value=os.urandom(4),
                )
                for i in range(txs_per_block)
            ]
            last_commit = self.extend(chain, txs, last_commit)
            commits.append(last_commit)
        return commits

    @staticmethod
    def _stored_commit(chain: ChainStore, height: int) -> Commit:
        with chain.view() as view:
            return view.commit(height)


def double_vote(
    maker: ChainMaker,
    signer: int,
    height: int,
    round_: int = 0,
    vote_type: VoteType = VoteType.PREVOTE,
) -> DuplicateVote:
    """Evidence that ``maker.keys[signer]`` signed two votes for one step, for two random blocks."""
    key = maker.keys[signer]
    votes = []
    for _ in range(2):
        vote = Vote(
            CHAIN_ID,
            vote_type,
            height,
            round_,
            os.urandom(32),
            maker.genesis.time + 5,
            records.address_of(maker.suite, key.public_key),
        )
        votes.append(
            dataclasses.replace(vote, signature=key.sign(records.vote_signing_bytes(vote)))
        )
    return DuplicateVote.of(*votes)
