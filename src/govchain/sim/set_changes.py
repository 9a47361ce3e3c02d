"""Validator-set changes at work in a simulated run: who signs what, who follows, what counts.

docs/spec/consensus.md, "The simulator". The schedule and its tx are in
``sim.set_schedule``; this is the part that lives in the running world:

- every proposer adds the change that is due to the block it builds;
- spare instances start outside the set, as followers: a core outside its
  height's set sends nothing, so no peer learns that it is behind, and the
  real node syncs blocks instead. A follower that hears a peer at a later
  height asks it for decided blocks (:class:`SyncRequest`) and its core
  checks each against the set of its height as it reaches it;
- a removed Byzantine validator (and its twin) keeps signing: its core
  believes it is still a member (:func:`keeps_signing`), and every honest
  core must refuse what it sends;
- what the checker needs: the set of each height from the honest chain
  stores, "an honest node never signs outside its height's set", and the
  counts that show the changes happened (changes made, set boundaries,
  votes of added validators in commits, messages a removed validator signed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from govchain.consensus.messages import Message, ProposalMessage
from govchain.contracts.context import ValidatorsAt
from govchain.crypto import SigningKey
from govchain.ledger import records
from govchain.ledger.chainstore import ChainStore
from govchain.ledger.statetree import get_value
from govchain.ledger.validator_sets import EFFECT_DELAY
from govchain.sim.invariants import Checker, signed_slot, signer_of
from govchain.sim.node import SimNode
from govchain.sim.set_schedule import SET_CHANGE_TX, SET_CHANGES_MADE_KEY, SetChange, changes_made
from govchain.types import Block, Commit, Tx, Validator, ValidatorSet, Vote

__all__ = ["SYNC_INTERVAL_MS", "SetChanges", "SyncRequest", "keeps_signing"]

VALIDATORS_CHANGED_EVENT = "registry.validators_changed"
SYNC_INTERVAL_MS = 1000
"""A follower asks one peer again at most this often."""


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """Follower ``peer`` asks for the decided blocks from ``height`` on: block sync, in short."""

    peer: str
    height: int


class Network(Protocol):
    """The network's send: ``send(sender, receiver, peer_name, payload)``."""

    def send(self, sender: int, receiver: int, peer: str, payload: object) -> None:
        """Send one payload over one link."""
        ...


def keeps_signing(validators_at: ValidatorsAt, member: Validator) -> ValidatorsAt:
    """The sets a removed Byzantine validator's core believes in: with itself put back.

    Its core goes on proposing and voting after its boundary, as a validator
    that ignores its removal would; every honest core must refuse it.
    """

    def believed(height: int) -> ValidatorSet:
        validators = validators_at(height)
        if validators.get(member.address) is not None:
            return validators
        back = sorted((*validators.validators, member), key=lambda v: v.address)
        return ValidatorSet(tuple(back))

    return believed


@dataclass
class SetChanges:
    """A run's schedule at work; the cluster calls it at builds, sends, receipts and commits."""

    schedule: tuple[SetChange, ...]
    genesis_set: ValidatorSet
    chain_id: str
    clock: Callable[[], int]
    """Virtual milliseconds since the start of the run."""
    checker: Checker
    network: Network
    nodes: Sequence[SimNode] = ()
    counts: Counter[str] = field(default_factory=Counter)
    _sets: dict[int, ValidatorSet] = field(default_factory=dict)
    _counted: set[int] = field(default_factory=set)
    _asked: dict[tuple[str, str], int] = field(default_factory=dict)

    def follow(self, nodes: Sequence[SimNode], members: Sequence[Validator]) -> None:
        """Take the run's node instances: each proposer adds the change due, and a Byzantine
        validator (and its twin) keeps signing after it is removed."""
        self.nodes = nodes
        for node in nodes:
            node.set_change_tx = self.tx_for
            if not node.honest:
                member = next(m for m in members if m.address == node.address)
                node.validators_at = keeps_signing(node.chain.validators, member)

    def tx_for(self, chain: ChainStore, key: SigningKey, height: int) -> Tx | None:
        """The change a proposer of ``height`` on ``chain`` adds, if one is due."""
        suite = chain.suite
        with chain.view() as view:
            raw = get_value(view.state, suite.hash_name, view.height, SET_CHANGES_MADE_KEY)
        made = changes_made(raw)
        if made >= len(self.schedule) or self.schedule[made].due_ms > self.clock():
            return None
        change = self.schedule[made]
        args = {
            "index": change.index,
            "op": change.op,
            "public_key": change.public_key,
            "power": change.power,
        }
        signer = records.address_of(suite, key.public_key)
        nonce = b"set" + change.index.to_bytes(4, "big") + height.to_bytes(8, "big") + signer[:8]
        unsigned = Tx(
            self.chain_id, SET_CHANGE_TX, args, "key", key.public_key, nonce, height + 100
        )
        return records.sign_tx(key, unsigned)

    def validators(self, height: int) -> ValidatorSet | None:
        """The set of ``height`` from an honest chain store that knows it (None: none does
        yet); kept once known, since honest chains agree on it."""
        known = self._sets.get(height)
        if known is not None:
            return known
        for node in self.nodes:
            if node.honest and height <= node.chain.height + EFFECT_DELAY:
                known = self._sets[height] = node.chain.validators(height)
                return known
        return None

    def on_sent(self, node: SimNode, message: Message) -> None:
        """``node`` sends ``message``: an honest node signs only at heights whose set holds
        it; what a removed Byzantine validator signs is counted (honest cores refuse it)."""
        slot = signed_slot(message)
        if slot is None or signer_of(message) != node.address:
            return
        height = slot[0]
        validators = self.validators(height)
        if validators is None or validators.get(node.address) is not None:
            return
        if node.honest:
            self.checker.on_signed_outside(self.clock(), node.name, height)
        else:
            self.counts["signed_after_removal"] += 1

    def on_heard(self, node: SimNode, message: object, peer: SimNode | None) -> None:
        """Honest ``node`` received ``message`` from ``peer``: if it is a follower and the
        message shows the peer ahead, ask it for the decided blocks. (One height is enough:
        a spare added at ``h`` may be the vote the others wait for at ``h``.)"""
        core = node.core
        if peer is None or core is None or not isinstance(message, (Vote, ProposalMessage)):
            return
        if core.validators.get(node.address) is not None:
            return  # a member's own votes make peers send it what it missed
        slot = signed_slot(message)
        if slot is None or slot[0] <= core.height:
            return
        now = self.clock()
        last = self._asked.get((node.name, peer.name))
        if last is not None and now - last < SYNC_INTERVAL_MS:
            return
        self._asked[(node.name, peer.name)] = now
        self.counts["sync_requests"] += 1
        self.network.send(node.index, peer.index, node.name, SyncRequest(node.name, core.height))

    def on_commit(
        self, block: Block, commit: Commit, validators: ValidatorSet, changes: int
    ) -> None:
        """An honest node committed ``block`` (``changes``: its validators-changed events):
        count, once per height, changes made, set boundaries and votes of added validators."""
        height = block.header.height
        if height in self._counted:
            return
        self._counted.add(height)
        self._sets.setdefault(height, validators)
        self.counts["set_changes_made"] += changes
        added = [s for s in commit.signatures if self.genesis_set.get(s.validator) is None]
        self.counts["added_validator_votes"] += len(added)
        if height > 1 and validators != self.validators(height - 1):
            self.counts["set_boundaries"] += 1
