"""A governed chain that runs the contracts service with the fake runner, and its steps."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codec import decode, encode
from govchain.contracts.lifecycle.records import ContractRecord, VersionRecord
from govchain.contracts.lifecycle.state import read_contract, read_version
from govchain.contracts.lifecycle.txs import EMPTY_ARGS
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import GovernedChain, decided, ok
from tests.unit.contracts.lifecycle.fake_runner import FakeRunner, fake_module

__all__ = ["LifecycleChain", "called", "events_of"]


def events_of(receipt: Receipt, event_type: str) -> list[dict[str, object]]:
    """The attributes of ``receipt``'s events of one type."""
    return [e.attributes for e in receipt.events if e.type == event_type]


def called(receipt: Receipt) -> object:
    """The decoded result of a successful call's receipt."""
    [event] = events_of(ok(receipt), "contracts.called")
    result = event["result"]
    assert isinstance(result, bytes)
    return decode(result)


@dataclass
class LifecycleChain:
    """A four-member chain with the contracts service; member 0 owns the contracts."""

    chain: GovernedChain
    runner: FakeRunner

    @classmethod
    def make(cls, chain_id: str = "test-chain", members: int = 4) -> LifecycleChain:
        runner = FakeRunner()
        return cls(
            GovernedChain.make(members=members, chain_id=chain_id, contract_runner=runner), runner
        )

    @property
    def owner(self) -> SigningKey:
        return self.chain.admins[0]

    def send(self, signer: SigningKey, tx_type: str, **args: object) -> Receipt:
        return self.chain.run_one(self.chain.tx(signer, tx_type, dict(args)))

    def submit(
        self, name: str = "fee-rule", module: bytes | None = None, **extra: object
    ) -> Receipt:
        code = (
            module
            if module is not None
            else fake_module("count", "put", "drop", "whoami", "loop", "abort")
        )
        args: dict[str, object] = {"name": name, "version": 1, "code": code, **extra}
        return self.send(self.owner, "contracts.submit", **args)

    def submitted(self, name: str = "fee-rule", module: bytes | None = None) -> bytes:
        [event] = events_of(ok(self.submit(name, module)), "contracts.submitted")
        contract = event["contract"]
        assert isinstance(contract, bytes)
        return contract

    def review(
        self, member: int, contract: bytes, version: int = 1, approve: bool = True
    ) -> Receipt:
        return self.send(
            self.chain.admins[member], "contracts.review", contract=contract, version=version,
            approve=approve, comment="reviewed" if approve else "refused",
        )  # fmt: skip

    def approve(self, contract: bytes, version: int = 1) -> None:
        """Three of four members approve (MAJORITY)."""
        for member in range(3):
            ok(self.review(member, contract, version))

    def deployed(self, name: str = "fee-rule", module: bytes | None = None) -> bytes:
        contract = self.submitted(name, module)
        self.approve(contract)
        ok(self.send(self.owner, "contracts.deploy", contract=contract))
        return contract

    def call(
        self, contract: bytes, method: str, args: object = None, signer: SigningKey | None = None
    ) -> Receipt:
        raw = EMPTY_ARGS if args is None else encode(args)
        return self.send(
            signer or self.chain.client,
            "contracts.call",
            contract=contract,
            method=method,
            args=raw,
        )

    def govern(self, action: str, args: dict[str, object]) -> str | None:
        """Propose ``action`` and vote yes with three members; the decided state."""
        proposal = self.chain.propose(0, action, args)
        state = None
        for member in range(3):
            state = decided(ok(self.chain.vote(member, proposal))) or state
        return state

    def contract(self, contract: bytes) -> ContractRecord:
        record = read_contract(self.chain.read, contract)
        assert record is not None
        return record

    def version(self, contract: bytes, number: int) -> VersionRecord:
        return read_version(self.chain.read, contract, number)
