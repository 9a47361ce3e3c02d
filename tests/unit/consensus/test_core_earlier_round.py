"""A peer in an earlier round of the height gets our votes of that round (issue 13, F-A2).

The stall of simulator seeds 718 and 101124: validators that were down while
another signed its round-0 votes wait for a third round-0 precommit that its
signer, now alone in round 1, never repeats; a withholding Byzantine
validator keeps both the precommit timeout and the skip rule (L55) from
firing. The spec's answer: a validator that hears a message of an earlier
round from a peer sends that peer the votes it holds of that round.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from govchain.consensus.core import Core
from govchain.consensus.events import (
    Action,
    BlockValidated,
    Broadcast,
    BuildProposal,
    CommitBlock,
    CoreConfig,
    Event,
    ProposalBlockReady,
    ProposalReceived,
    ResendDue,
    ScheduleResend,
    ScheduleTimeout,
    SendTo,
    TimeoutFired,
    Timeouts,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import Message, ProposalMessage
from govchain.consensus.resend import MAX_ANSWERED_PEERS
from govchain.types import Vote
from tests.unit.consensus.core_support import (
    CHAIN_ID,
    GENESIS_TIME,
    NIL,
    NOW,
    PRECOMMIT,
    PREVOTE,
    SUITE,
    BlockMaker,
    Committee,
    Harness,
    block_hash,
    flipped,
    of_type,
)


def sent_to(actions: list[Action], peer: str) -> list[Vote]:
    """The votes ``actions`` send to ``peer`` alone."""
    return [a.message for a in of_type(actions, SendTo) if a.peer == peer]  # type: ignore[misc]


def test_a_peer_in_an_earlier_round_gets_every_vote_we_hold_of_that_round() -> None:
    h = Harness()
    h.end_round()  # round 0 ends with nil votes; we are in round 1
    held = h.core.state.prevotes[0].counted_votes() + h.core.state.precommits[0].counted_votes()
    assert any(v.validator == h.net.address(h.me) for v in held)  # our own among them
    actions = h.feed(VoteReceived(h.net.vote(0, PRECOMMIT, 0, NIL), "peer-a"))
    answer = sent_to(actions, "peer-a")
    assert set(held) <= set(answer)
    assert {v.round for v in answer} <= {0, 1}


def test_the_answer_is_sent_once_per_peer_per_resend_period() -> None:
    h = Harness()
    h.end_round()
    late = h.net.vote(0, PREVOTE, 0, NIL)
    assert sent_to(h.feed(VoteReceived(late, "peer-a")), "peer-a")
    assert sent_to(h.feed(VoteReceived(late, "peer-a")), "peer-a") == []
    assert sent_to(h.feed(VoteReceived(late, "peer-b")), "peer-b")  # another peer: answered
    h.feed(ResendDue(1))
    assert sent_to(h.feed(VoteReceived(late, "peer-a")), "peer-a")


def test_no_answer_to_the_current_round_or_to_a_refused_message() -> None:
    h = Harness()
    h.end_round()
    current = h.net.vote(0, PREVOTE, 1, NIL)
    assert of_type(h.feed(VoteReceived(current, "peer-a")), SendTo) == []
    forged = h.net.vote(1, PREVOTE, 0, NIL)
    forged = dataclasses.replace(forged, signature=flipped(forged.signature))
    assert of_type(h.feed(VoteReceived(forged, "peer-b")), SendTo) == []


def test_the_set_of_answered_peers_is_bounded() -> None:
    h = Harness()
    h.end_round()
    late = h.net.vote(0, PREVOTE, 0, NIL)
    for i in range(MAX_ANSWERED_PEERS + 10):
        h.feed(VoteReceived(late, f"peer-{i}"))
    assert len(h.core.state.answered_peers) == MAX_ANSWERED_PEERS


# --- the stall itself, with three real cores and a silent fourth -------------------------


@dataclass(order=True)
class _Timer:
    at: int
    seq: int
    node: str = field(compare=False)
    event: Event = field(compare=False)


class Pump:
    """Three honest cores on a lossless network; the fourth validator never sends anything.

    ``drop(sender, receiver, message)`` loses chosen messages, as a node that is
    down loses what is sent to it.
    """

    def __init__(self, committee: Committee, silent: int) -> None:
        timeouts = Timeouts()
        self.blocks = BlockMaker(committee)
        self.committee = committee
        self.names = [f"v{i}" for i in range(4) if i != silent]
        self.index = {f"v{i}": i for i in range(4)}
        self.cores: dict[str, Core] = {}
        for name in self.names:
            key = committee.keys[self.index[name]]
            config = CoreConfig(CHAIN_ID, SUITE, committee.validators, key, timeouts)
            self.cores[name] = Core(config, 1, GENESIS_TIME)
        self.now = NOW
        self.queue: list[tuple[str, Event]] = []
        self.timers: list[_Timer] = []
        self.seq = 0
        self.committed: dict[str, bytes] = {}
        self.drop: Callable[[str, str, Message], bool] = lambda _s, _r, _m: False
        for name, core in self.cores.items():
            self.perform(name, core.start(self.now))

    def perform(self, name: str, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Broadcast):
                for other in self.names:
                    if other != name:
                        self.send(name, other, action.message)
            elif isinstance(action, SendTo):
                self.send(name, action.peer, action.message)
            elif isinstance(action, ScheduleTimeout):
                event = TimeoutFired(action.height, action.round, action.step)
                self.later(action.delay_ms, name, event)
            elif isinstance(action, ScheduleResend):
                self.later(action.delay_ms, name, ResendDue(action.height))
            elif isinstance(action, ValidateBlock):
                verdict = BlockValidated(block_hash(action.block), True)
                self.queue.append((name, verdict))
            elif isinstance(action, BuildProposal):
                proposer = self.index[name]
                block = self.blocks.block(action.round + 1, proposer=proposer)
                self.queue.append((name, ProposalBlockReady(action.height, action.round, block)))
            elif isinstance(action, CommitBlock):
                self.committed[name] = action.commit.block_hash

    def send(self, sender: str, receiver: str, message: Message) -> None:
        if receiver not in self.cores or self.drop(sender, receiver, message):
            return
        if isinstance(message, Vote):
            self.queue.append((receiver, VoteReceived(message, sender)))
        elif isinstance(message, ProposalMessage):
            self.queue.append((receiver, ProposalReceived(message, sender)))

    def later(self, delay_ms: int, name: str, event: Event) -> None:
        self.seq += 1
        heapq.heappush(self.timers, _Timer(self.now + delay_ms, self.seq, name, event))

    def run_until(self, done: Callable[[], bool], limit_ms: int) -> None:
        end = self.now + limit_ms
        while not done() and self.now <= end:
            if self.queue:
                name, event = self.queue.pop(0)
                if name in self.committed:
                    continue  # height 1 is all this test follows
                self.perform(name, self.cores[name].handle(event, self.now))
            elif self.timers:
                timer = heapq.heappop(self.timers)
                self.now = max(self.now, timer.at)
                self.queue.append((timer.node, timer.event))
            else:
                return


def _stall_scenario(answer: bool, monkeypatch: pytest.MonkeyPatch) -> Pump:
    """Two validators miss the round-0 precommit of a third, which moves on to round 1 alone.

    As in seed 718: they precommitted round 0, went down, and lost what came meanwhile.
    """
    if not answer:
        monkeypatch.setattr(Core, "_answer_earlier_round", lambda *_args: None)
    committee = Committee((10, 10, 10, 10))
    schedule = Core(
        CoreConfig(CHAIN_ID, SUITE, committee.validators, None, Timeouts()), 1, GENESIS_TIME
    ).schedule
    silent = next(
        i for i in range(4) if schedule.proposer(1, 0) == committee.address(i)
    )  # no proposal in round 0: every round-0 vote is nil
    pump = Pump(committee, silent)
    first, *down = pump.names
    pump.drop = lambda s, r, m: (
        s == first and r in down and isinstance(m, Vote) and (m.type, m.round) == (PRECOMMIT, 0)
    )
    pump.run_until(lambda: pump.cores[first].round == 1, 60_000)
    assert pump.cores[first].round == 1
    assert all(pump.cores[n].round == 0 for n in down)
    pump.drop = lambda _s, _r, _m: False  # the network heals; nothing is lost from here on
    pump.run_until(lambda: len(pump.committed) == 3, 120_000)
    return pump


def test_validators_stuck_in_an_earlier_round_catch_up_and_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pump = _stall_scenario(answer=True, monkeypatch=monkeypatch)
    assert len(pump.committed) == 3
    assert len(set(pump.committed.values())) == 1


def test_without_the_answer_the_same_scenario_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above fails without the rule: the stall is what it fixes, not chance."""
    pump = _stall_scenario(answer=False, monkeypatch=monkeypatch)
    assert pump.committed == {}
