"""The stored proposal and vote records of ``gov`` (docs/spec/gov.md, "Proposals")."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from govchain.codec import encode
from govchain.contracts.registry.records import json_form
from govchain.ledger import records
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    NAME_PATTERN,
    check_bytes,
    check_list,
    check_map,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.governance import check_rule, parse_fraction
from govchain.types.network_registry import MAX_MEMBERS, MAX_WEIGHT
from govchain.types.validators import ADDRESS_SIZE

__all__ = ["PROPOSAL_STATES", "Proposal", "VoteRecord"]

PROPOSAL_STATES = ("open", "executed", "rejected", "withdrawn")
"""Stored states; ``expired`` is read from an open proposal past its expiry height."""
MAX_REASON = 512
MAX_ACTION_ARGS = 32

_PROPOSAL_FIELDS = (
    "id",
    "action",
    "args",
    "reason",
    "proposer",
    "proposer_org",
    "height",
    "expiry_height",
    "rule",
    "electorate",
    "participate_rate",
    "win_rate",
    "yes",
    "no",
    "voters",
    "yes_members",
    "state",
    "decided_height",
    "result",
)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A governance proposal and its tally so far."""

    id: int
    action: str
    args: dict[str, Any]
    reason: str
    proposer: bytes
    proposer_org: str
    height: int
    expiry_height: int
    rule: str
    electorate: tuple[tuple[str, int], ...]
    participate_rate: str
    win_rate: str
    yes: int = 0
    no: int = 0
    voters: int = 0
    yes_members: int = 0
    state: str = "open"
    decided_height: int = 0
    result: str = ""

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        if check_uint("proposal.id", self.id) == 0:
            raise ValidationError("proposal.id: ids start at 1")
        check_text("proposal.action", self.action, max_size=64, pattern=NAME_PATTERN)
        check_map("proposal.args", self.args, max_items=MAX_ACTION_ARGS)
        check_text("proposal.reason", self.reason, max_size=MAX_REASON)
        check_bytes("proposal.proposer", self.proposer, size=ADDRESS_SIZE)
        check_text("proposal.proposer_org", self.proposer_org, max_size=18)
        check_uint("proposal.height", self.height)
        if check_uint("proposal.expiry_height", self.expiry_height) < self.height:
            raise ValidationError("proposal.expiry_height: below the proposal's height")
        check_rule("proposal.rule", self.rule)
        check_list("proposal.electorate", self.electorate, max_items=MAX_MEMBERS)
        for code, weight in self.electorate:
            check_text("proposal.electorate[] code", code, max_size=18)
            check_uint("proposal.electorate[] weight", weight, maximum=MAX_WEIGHT)
        codes = [code for code, _ in self.electorate]
        if not codes or codes != sorted(set(codes)):
            raise ValidationError("proposal.electorate: not empty, sorted and distinct")
        parse_fraction(self.participate_rate)
        parse_fraction(self.win_rate)
        total = sum(weight for _, weight in self.electorate)
        if check_uint("proposal.yes", self.yes) + check_uint("proposal.no", self.no) > total:
            raise ValidationError("proposal: more weight voted than the electorate has")
        if (
            not check_uint("proposal.yes_members", self.yes_members)
            <= check_uint("proposal.voters", self.voters)
            <= len(codes)
        ):
            raise ValidationError("proposal: voter counts out of range")
        if self.state not in PROPOSAL_STATES:
            raise ValidationError(f"proposal.state: expected one of {PROPOSAL_STATES}")
        check_uint("proposal.decided_height", self.decided_height)
        check_text("proposal.result", self.result, max_size=MAX_REASON)

    @property
    def total_weight(self) -> int:
        """The electorate's weight."""
        return sum(weight for _, weight in self.electorate)

    def weight_of(self, code: str) -> int | None:
        """Member ``code``'s weight, or None when it is not in the electorate."""
        return next((weight for member, weight in self.electorate if member == code), None)

    def state_at(self, height: int) -> str:
        """The state as seen after block ``height``: ``expired`` once an open one is past expiry."""
        if self.state == "open" and height > self.expiry_height:
            return "expired"
        return self.state

    def replace(self, **changes: Any) -> Proposal:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        stored = {name: getattr(self, name) for name in _PROPOSAL_FIELDS}
        stored["electorate"] = [[code, weight] for code, weight in self.electorate]
        return stored

    def encode(self) -> bytes:
        """The stored value."""
        return encode(self.to_cbor())

    def to_json(self) -> dict[str, Any]:
        """The API's JSON form (bytes as hex), with the stored state."""
        return json_form(self.to_cbor())  # type: ignore[no-any-return]

    @classmethod
    def from_stored(cls, raw: bytes) -> Proposal:
        """Decode and check a stored proposal; ValidationError if malformed."""

        def build(obj: object) -> Proposal:
            data = fields_of("proposal", obj, _PROPOSAL_FIELDS)
            electorate = []
            for item in check_list(
                "proposal.electorate", data["electorate"], max_items=MAX_MEMBERS
            ):
                if not isinstance(item, list) or len(item) != 2:
                    raise ValidationError("proposal.electorate: entries are [code, weight]")
                electorate.append((item[0], item[1]))
            data["electorate"] = tuple(electorate)
            proposal = cls(**data)
            proposal.validate()
            return proposal

        return records.decode_record(raw, build, records.RECORD_LIMITS, "proposal record")


@dataclass(frozen=True, slots=True)
class VoteRecord:
    """One member's vote on a proposal."""

    admin: bytes
    yes: bool
    height: int

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("vote.admin", self.admin, size=ADDRESS_SIZE)
        if not isinstance(self.yes, bool):
            raise ValidationError("vote.yes: expected a boolean")
        check_uint("vote.height", self.height)

    def encode(self) -> bytes:
        """The stored value."""
        return encode({"admin": self.admin, "yes": self.yes, "height": self.height})

    @classmethod
    def from_stored(cls, raw: bytes) -> VoteRecord:
        """Decode and check a stored vote; ValidationError if malformed."""

        def build(obj: object) -> VoteRecord:
            vote = cls(**fields_of("vote", obj, ("admin", "yes", "height")))
            vote.validate()
            return vote

        return records.decode_record(raw, build, records.RECORD_LIMITS, "vote record")
