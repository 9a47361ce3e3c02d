"""What happened in a run, one line per event, kept only when asked (it costs time)."""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.consensus.events import (
    BlockValidated,
    DecisionReceived,
    ProposalBlockReady,
    ProposalReceived,
    ResendDue,
    TimeoutFired,
    VoteReceived,
)

MAX_TRACE_LINES = 200_000


def _short(data: bytes) -> str:
    return data.hex()[:8] if data else "nil"


def describe_event(event: object) -> str:
    """A one-line summary of a core event."""
    if isinstance(event, VoteReceived):
        v = event.vote
        return (
            f"{v.type.name.lower()} h{v.height} r{v.round} {_short(v.block_hash)} "
            f"by {v.validator.hex()[:6]} from {event.peer}"
        )
    if isinstance(event, ProposalReceived):
        p = event.message.proposal
        return (
            f"proposal h{p.height} r{p.round} pol{p.pol_round} {_short(p.block_hash)} "
            f"from {event.peer}"
        )
    if isinstance(event, DecisionReceived):
        c = event.decision.commit
        return f"decision h{c.height} {_short(c.block_hash)} from {event.peer}"
    if isinstance(event, TimeoutFired):
        return f"timeout h{event.height} r{event.round} {event.step.name.lower()}"
    if isinstance(event, ResendDue):
        return f"resend h{event.height}"
    if isinstance(event, BlockValidated):
        return f"validated {_short(event.block_hash)}: {'valid' if event.ok else 'INVALID'}"
    if isinstance(event, ProposalBlockReady):
        return f"own block ready h{event.height} r{event.round}"
    return type(event).__name__


@dataclass
class Trace:
    """Lines ``(time_ms, who, what, height)``; a no-op unless enabled."""

    enabled: bool = False
    lines: list[tuple[int, str, str, int]] = field(default_factory=list)

    def event(self, now: int, node: str, event: object) -> None:
        """A node handled ``event``."""
        if self.enabled and len(self.lines) < MAX_TRACE_LINES:
            self.lines.append((now, node, describe_event(event), _height_of(event)))

    def world(self, now: int, text: str, height: int = -1) -> None:
        """Something the world did: a fault, a crash, a commit."""
        if self.enabled and len(self.lines) < MAX_TRACE_LINES:
            self.lines.append((now, "world", text, height))

    def around(self, height: int, limit: int) -> list[str]:
        """The last ``limit`` lines about ``height`` (and every world line), formatted."""
        about = [(i, line) for i, line in enumerate(self.lines) if line[3] in (height, -1)]
        world = [(i, line) for i, line in about if line[1] == "world"]
        events = [(i, line) for i, line in about if line[1] != "world"][-limit:]
        chosen = [line for _i, line in sorted(world + events, key=lambda pair: pair[0])]
        return [f"{t:>8} ms  {who:<6} {what}" for t, who, what, _h in chosen]


def _height_of(event: object) -> int:
    if isinstance(event, VoteReceived):
        return event.vote.height
    if isinstance(event, ProposalReceived):
        return event.message.proposal.height
    if isinstance(event, DecisionReceived):
        return event.decision.commit.height
    if isinstance(event, (TimeoutFired, ResendDue, ProposalBlockReady)):
        return event.height
    return -1
