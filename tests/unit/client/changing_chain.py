"""A real governed chain whose validator set changes three times by vote, for receipt tests.

Four members, four validators of power 10 (total 40). Then, each by a
proposal of member 0 and the votes of members 0-2 (3 of 4):

1. ``node.add`` of ``node9`` (power 10, member 1): five validators, 50;
2. ``node.set_power`` of ``node0`` to 20: 60;
3. ``node.remove`` of ``node3``: four validators, 50.

A change executed by block ``H`` votes from ``H + 2``
(docs/spec/ledger.md, "Validator sets by height"). Blocks follow the last
change so that txs exist before, between and after every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.ledger import records
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import GovernedChain

__all__ = ["ChangingChain", "build_changing_chain"]

TOTAL_POWER_AFTER = (40, 50, 60, 50)
"""The total power of the genesis set and after each change."""


@dataclass(frozen=True)
class ChangingChain:
    """The chain, the heights its sets start at, and every tx hash by its block height."""

    gc: GovernedChain
    starts: tuple[int, ...]
    tx_heights: dict[bytes, int]

    def tx_at(self, changes_before: int) -> bytes:
        """The hash of the first tx of a block with exactly ``changes_before`` sets in force."""
        bounds = (0, *self.starts, 1 << 62)
        low, high = bounds[changes_before], bounds[changes_before + 1]
        return next(h for h, height in self.tx_heights.items() if low <= height < high)


def _ok(receipt: Receipt) -> None:
    assert receipt.status == 0, receipt.error


def _pass(gc: GovernedChain, action: str, args: dict[str, object]) -> int:
    """Propose as member 0, vote yes with members 0-2; return the start height of the new set."""
    proposal_id = gc.propose(0, action, args)
    _ok(gc.vote(0, proposal_id))
    _ok(gc.vote(1, proposal_id))
    last = gc.vote(2, proposal_id)
    _ok(last)
    decided = [e.attributes["state"] for e in last.events if e.type == "gov.decided"]
    assert decided == ["executed"], last.events
    with gc.chain.view() as view:
        changes = view.set_changes()
    return changes[-1][0]


def build_changing_chain(suite_name: str = "intl") -> ChangingChain:
    """Build the chain described in the module docstring."""
    gc = GovernedChain.make(suite_name)
    key = gc.maker.suite.generate_key()
    gc.maker.spare_keys[gc.address(key)] = key
    added = {
        "name": "node9",
        "org": gc.codes[1],
        "role": "validator",
        "transport_key": b"\x09" * 32,
        "validator_key": key.public_key,
        "power": 10,
    }
    starts = (
        _pass(gc, "node.add", added),
        _pass(gc, "node.set_power", {"name": "node0", "power": 20}),
        _pass(gc, "node.remove", {"name": "node3", "reason": "the department leaves"}),
    )
    for _ in range(3):  # txs voted on by the last set
        gc.propose(1, "node.set_power", {"name": "node1", "power": 11})
    with gc.chain.view() as view:
        assert [start for start, _ in view.set_changes()] == list(starts)
        assert [view.validators(s).total_power for s in starts] == list(TOTAL_POWER_AFTER[1:])
        assert view.height >= starts[-1]
        tx_heights = {
            records.tx_hash(view.suite, tx): height
            for height in range(1, view.height + 1)
            for tx in view.block(height).txs
        }
    return ChangingChain(gc, starts, tx_heights)
