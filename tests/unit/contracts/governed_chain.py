"""A real chain with a registry: members with admins, a client, the default policies, for tests.

Four validators, one member per validator (demo credit codes), each member
with one admin key, and one registered client of the first member. Blocks
are proposed, applied and committed with every service of the node.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from govchain.codes.demo import demo_uscc
from govchain.contracts import ServiceContext
from govchain.contracts.gov import ACTION_NAMES, DEFAULT_PARAMS, default_policies
from govchain.contracts.lifecycle.runner import ContractRunner
from govchain.crypto import SigningKey
from govchain.execution import Registry, apply_block, propose_block
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import get_value
from govchain.node.services import build_registry, genesis_state
from govchain.storage import MemoryStore
from govchain.types import Commit, Genesis, Member, NetworkRegistry, NodeEntry, Receipt, Tx
from govchain.types.governance import GenesisAccount, GenesisGovernance
from govchain.types.network_registry import MEMBER_PERMISSIONS
from tests.chain_support import CHAIN_ID, ChainMaker

__all__ = ["GovernedChain"]


@dataclass
class GovernedChain:
    """A chain store with a governed genesis, its keys, and a way to run blocks of txs."""

    maker: ChainMaker
    admins: list[SigningKey]
    client: SigningKey
    codes: list[str]
    chain: ChainStore
    registry: Registry
    last_commit: Commit | None = None
    receipts: list[Receipt] = field(default_factory=list)

    @classmethod
    def make(
        cls,
        suite_name: str = "intl",
        members: int = 4,
        chain_id: str = CHAIN_ID,
        contract_runner: ContractRunner | None = None,
    ) -> GovernedChain:
        """``chain_id`` names the chain; ``contract_runner`` runs the contracts service."""
        base = ChainMaker.make(suite_name, validators=members)
        suite = base.suite
        admins = [suite.generate_key() for _ in range(members)]
        client = suite.generate_key()
        codes = [demo_uscc(i + 1) for i in range(members)]
        network = NetworkRegistry(
            tuple(
                Member(
                    code,
                    b"ca",
                    f"Department {i} (demo)",
                    (admins[i].public_key,),
                    MEMBER_PERMISSIONS,
                )
                for i, code in enumerate(codes)
            ),
            tuple(
                NodeEntry(f"node{i}", codes[i], "validator", bytes([i]) * 32, v.address)
                for i, v in enumerate(base.validators.validators)
            ),
        )
        governance = GenesisGovernance(
            (GenesisAccount(client.public_key, codes[0], "client", ("client",)),),
            default_policies(ACTION_NAMES),
            tuple(sorted(DEFAULT_PARAMS.items())),
        )
        genesis = dataclasses.replace(
            base.genesis, chain_id=chain_id, network=network, governance=governance
        )
        chain = ChainStore.create(MemoryStore(TABLES), genesis, genesis_state(genesis))
        context = ServiceContext(suite, chain.validators, genesis, contract_runner)
        registry = build_registry(context)
        maker = dataclasses.replace(base, genesis=genesis, registry=registry)
        return cls(maker, admins, client, codes, chain, registry)

    @property
    def genesis(self) -> Genesis:
        return self.maker.genesis

    @property
    def height(self) -> int:
        with self.chain.view() as view:
            return view.height

    def read(self, key: bytes) -> bytes | None:
        """A value of the latest state (in its own snapshot)."""
        with self.chain.view() as view:
            return get_value(view.state, view.suite.hash_name, view.height, key)

    def address(self, key: SigningKey) -> bytes:
        return records.address_of(self.maker.suite, key.public_key)

    def tx(self, signer: SigningKey, tx_type: str, args: dict[str, object]) -> Tx:
        chain_id = self.genesis.chain_id
        unsigned = Tx(chain_id, tx_type, args, "key", signer.public_key, os.urandom(16), 10_000)
        return records.sign_tx(signer, unsigned)

    def run(self, *txs: Tx, advance_ms: int = 1) -> list[Receipt]:
        """Commit one block of ``txs``; return their receipts.

        ``advance_ms``: how far after the block's time its commit is signed, so
        the next block's BFT time jumps that far (for deadlines in tests).
        """
        with self.chain.view() as view:
            validators = view.validators(view.height + 1)
            block = propose_block(
                view,
                list(txs),
                proposer=validators.validators[0].address,
                last_commit=self.last_commit,
                registry=self.registry,
            )
            result = apply_block(view, block, self.registry)
        commit = self.maker.commit(
            block.header.height,
            result.block_hash,
            block.header.time + advance_ms,
            validators=validators,
        )
        self.chain.commit_block(block, commit, result)
        self.last_commit = commit
        return list(result.receipts)

    def run_one(self, tx: Tx) -> Receipt:
        [receipt] = self.run(tx)
        return receipt

    def propose(self, proposer: int, action: str, args: dict[str, object], expiry: int = 50) -> int:
        """Propose ``action`` as member ``proposer``'s admin; return the proposal id."""
        receipt = self.run_one(
            self.tx(
                self.admins[proposer],
                "gov.propose",
                {
                    "action": action,
                    "args": args,
                    "reason": "test",
                    "expiry_height": self.height + expiry,
                },
            )
        )
        assert receipt.status == 0, receipt.error
        [event] = [e for e in receipt.events if e.type == "gov.proposed"]
        proposal_id = event.attributes["id"]
        assert isinstance(proposal_id, int)
        return proposal_id

    def vote(self, voter: int, proposal_id: int, yes: bool = True) -> Receipt:
        return self.run_one(
            self.tx(self.admins[voter], "gov.vote", {"id": proposal_id, "yes": yes})
        )


def ok(receipt: Receipt) -> Receipt:
    """``receipt``, asserted successful."""
    assert receipt.status == 0, receipt.error
    return receipt


def decided(receipt: Receipt) -> str | None:
    """The state a ``gov.decided`` event of ``receipt`` names (None: not decided)."""
    states = [e.attributes["state"] for e in receipt.events if e.type == "gov.decided"]
    return states[0] if states else None
