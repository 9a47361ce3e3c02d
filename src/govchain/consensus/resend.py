"""What the core sends again: lost messages, and answers to peers that are behind.

The paper assumes gossip (every message an honest validator receives
reaches every honest validator); links here lose messages and validators
restart, so the core repeats itself (spec: docs/spec/consensus.md, "Lost
messages are sent again" and "A peer in an earlier round"). ``Resending``
is the part of :class:`~govchain.consensus.core.Core` that decides what to
send again; every send is bounded per peer and per resend period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govchain.consensus.events import (
    Action,
    Broadcast,
    CoreConfig,
    Event,
    ProposalReceived,
    ResendDue,
    ScheduleResend,
    SendDecision,
    SendTo,
    VoteReceived,
)
from govchain.consensus.state import HeightState
from govchain.types import Block, ValidatorSet, Vote

MAX_BUFFERED = 4096
MAX_DECISIONS_AHEAD = 16
"""Decisions for later heights kept while catching up, and sent per answer to a laggard."""
MAX_ANSWERED_PEERS = 1024
"""Peers answered with the votes of an earlier round per resend period (memory bound)."""


class Resending:
    """Repeat what we signed, and answer peers at an older height or an earlier round."""

    config: CoreConfig
    validators: ValidatorSet
    address: bytes | None
    state: HeightState
    _buffer: dict[tuple[bytes, int, int], Event]

    if TYPE_CHECKING:  # provided by Core

        @property
        def height(self) -> int: ...

        def _emit(self, action: Action) -> None: ...

        def _polka(self, block: Block, round_: int) -> list[Vote]: ...

    def _other_height(self, height: int, round_: int, peer: str, event: Event) -> bool:
        """Handle a message not for this height; return True if it was one.

        A peer one height behind is usually a validator whose precommit
        arrived after we decided: the precommits it needs are on their way,
        and it commits on its own a moment later. It is answered with a
        decision only if it is still behind when we leave this height or at
        the next resend (spec: "Lost messages are sent again"); a peer further behind
        is answered at once.
        """
        s = self.state
        if height >= self.height:
            s.one_behind.pop(peer, None)  # it has reached our height
            if height == self.height:
                return False
            if height == self.height + 1 and len(self._buffer) < MAX_BUFFERED:
                self._buffer.setdefault(_buffer_key(event, round_), event)
            return True
        if peer and (peer, height) not in s.decisions_sent:
            if height < self.height - 1:
                self._send_decisions(peer, height)
            elif peer not in s.one_behind and len(s.one_behind) < MAX_ANSWERED_PEERS:
                s.one_behind[peer] = height
        return True

    def _send_decisions(self, peer: str, height: int) -> None:
        """Answer a peer at ``height`` with the decisions after it (once per resend period)."""
        self.state.decisions_sent.add((peer, height))
        self._emit(SendDecision(peer, height, min(MAX_DECISIONS_AHEAD, self.height - height)))

    def _answer_still_behind(self, behind: dict[str, int]) -> None:
        """Send decisions to the peers of ``behind`` (peer -> its height), in peer order."""
        for peer, height in sorted(behind.items()):
            if (peer, height) not in self.state.decisions_sent:
                self._send_decisions(peer, height)

    def _answer_earlier_round(self, peer: str, round_: int) -> None:
        """A peer sent a message of an earlier round of this height: send it our votes.

        It may be stuck there: waiting for 2/3+ precommits of its round that
        were signed while it was down, which their signers (now in a later
        round) no longer repeat. We send it every vote we hold of its round,
        of the round before ours and of ours: enough for it to fire L47 in its
        round, or L55 to ours (spec: "A peer in an earlier round"). Once per
        peer per resend period; relayed votes are signed by their validators,
        so this changes no one's vote and no safety claim.
        """
        s = self.state
        if not peer or round_ >= s.round or peer in s.answered_peers:
            return
        if len(s.answered_peers) >= MAX_ANSWERED_PEERS:
            return
        s.answered_peers.add(peer)
        for r in sorted({round_, s.round - 1, s.round}):
            for table in (s.prevotes, s.precommits):
                votes = table.get(r)
                if votes is not None:
                    for vote in votes.counted_votes():
                        self._emit(SendTo(peer, vote))

    def _on_resend(self, event: ResendDue) -> None:
        """Messages can be lost: repeat ours and let laggards ask again."""
        if event.height != self.height:
            return
        s = self.state
        s.decisions_sent.clear()
        s.answered_peers.clear()
        behind, s.one_behind = s.one_behind, {}
        self._answer_still_behind(behind)
        self._repeat_signed()
        self._schedule_resend()

    def _schedule_resend(self) -> None:
        if len(self.validators.validators) > 1:
            self._emit(ScheduleResend(self.height, self.config.timeouts.resend))

    def _repeat_signed(self) -> None:
        """Broadcast again what we signed in this round, our prevotes a proof of lock needs,
        and the polka behind our valid value (others must count it to follow a re-proposal).
        """
        s = self.state
        rounds = {s.round, s.valid_round}
        current = s.proposals.get(s.round)
        if current is not None:
            rounds.add(current.proposal.pol_round)
        for (round_, _step), message in sorted(s.signed.items()):
            if round_ in rounds:
                self._emit(Broadcast(message))
        if s.valid_block is not None:
            for vote in self._polka(s.valid_block, s.valid_round):
                if vote.validator != self.address:
                    self._emit(Broadcast(vote))


def _buffer_key(event: Event, round_: int) -> tuple[bytes, int, int]:
    """(signer, round, kind) of a buffered next-height message: one of each is kept."""
    if isinstance(event, VoteReceived):
        return event.vote.validator, round_, int(event.vote.type)
    assert isinstance(event, ProposalReceived)
    return event.message.proposal.proposer, round_, 0
