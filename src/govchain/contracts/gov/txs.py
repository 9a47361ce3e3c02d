"""The txs of ``gov``: ``gov.propose``, ``gov.vote``, ``gov.withdraw``, their args and builders.

docs/spec/gov.md, "Proposals". Args are parsed strictly: an unknown key or a
value of the wrong type is a ContractError naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govchain.contracts.gov.actions import ACTION_NAMES
from govchain.contracts.gov.records import MAX_ACTION_ARGS, MAX_REASON
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.execution.registry import ContractError
from govchain.types import Tx

__all__ = [
    "PROPOSE_TX_TYPE",
    "VOTE_TX_TYPE",
    "WITHDRAW_TX_TYPE",
    "ProposeArgs",
    "VoteArgs",
    "proposal_id_of",
    "propose_tx",
    "vote_tx",
    "withdraw_tx",
]

PROPOSE_TX_TYPE = "gov.propose"
VOTE_TX_TYPE = "gov.vote"
WITHDRAW_TX_TYPE = "gov.withdraw"
MAX_PROPOSAL_ID = 2**63 - 1


def _exact_keys(tx_type: str, args: Mapping[str, object], names: tuple[str, ...]) -> None:
    if set(args) != set(names):
        raise ContractError(
            f"{tx_type} args: need exactly {', '.join(names)}, got {', '.join(sorted(args))}"
        )


@dataclass(frozen=True, slots=True)
class ProposeArgs:
    """The args of ``gov.propose``."""

    action: str
    args: dict[str, Any]
    reason: str
    expiry_height: int

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {
            "action": self.action,
            "args": self.args,
            "reason": self.reason,
            "expiry_height": self.expiry_height,
        }

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> ProposeArgs:
        """Parse strictly; ContractError names what is wrong."""
        _exact_keys(PROPOSE_TX_TYPE, args, ("action", "args", "expiry_height", "reason"))
        action, inner = args["action"], args["args"]
        reason, expiry = args["reason"], args["expiry_height"]
        if action not in ACTION_NAMES:
            raise ContractError(
                f"{PROPOSE_TX_TYPE}: unknown action {action!r} (known: {', '.join(ACTION_NAMES)})"
            )
        if not isinstance(inner, dict) or len(inner) > MAX_ACTION_ARGS:
            raise ContractError(
                f"{PROPOSE_TX_TYPE}: args must be a map of at most {MAX_ACTION_ARGS} entries"
            )
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
            raise ContractError(f"{PROPOSE_TX_TYPE}: reason must be 1 to {MAX_REASON} characters")
        if isinstance(expiry, bool) or not isinstance(expiry, int) or expiry < 0:
            raise ContractError(f"{PROPOSE_TX_TYPE}: expiry_height must be a height")
        return cls(str(action), dict(inner), reason, expiry)


@dataclass(frozen=True, slots=True)
class VoteArgs:
    """The args of ``gov.vote``."""

    id: int
    yes: bool

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"id": self.id, "yes": self.yes}

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> VoteArgs:
        """Parse strictly; ContractError names what is wrong."""
        _exact_keys(VOTE_TX_TYPE, args, ("id", "yes"))
        if not isinstance(args["yes"], bool):
            raise ContractError(f"{VOTE_TX_TYPE}: yes must be true or false")
        return cls(proposal_id_of(VOTE_TX_TYPE, args["id"]), args["yes"])


def proposal_id_of(tx_type: str, value: object) -> int:
    """A proposal id argument (1 .. 2^63 - 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PROPOSAL_ID:
        raise ContractError(f"{tx_type}: id must be a proposal number")
    return value


def propose_tx(key: SigningKey, chain_id: str, args: ProposeArgs, nonce: bytes, expiry: int) -> Tx:
    """A signed ``gov.propose`` tx; ContractError for bad args before signing."""
    parsed = ProposeArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, PROPOSE_TX_TYPE, parsed.to_args(), nonce, expiry)


def vote_tx(
    key: SigningKey, chain_id: str, proposal_id: int, yes: bool, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``gov.vote`` tx."""
    args = VoteArgs.from_args({"id": proposal_id, "yes": yes})
    return signed_tx(key, chain_id, VOTE_TX_TYPE, args.to_args(), nonce, expiry)


def withdraw_tx(key: SigningKey, chain_id: str, proposal_id: int, nonce: bytes, expiry: int) -> Tx:
    """A signed ``gov.withdraw`` tx."""
    proposal_id_of(WITHDRAW_TX_TYPE, proposal_id)
    return signed_tx(key, chain_id, WITHDRAW_TX_TYPE, {"id": proposal_id}, nonce, expiry)
