"""The refusal codes of the lifecycle, and the checks every lifecycle handler shares.

docs/spec/contracts.md, "Error codes". A refused tx's receipt error starts
with its code (``contract_frozen: ...``), the same text on every node.
"""

from __future__ import annotations

from govchain.contracts.lifecycle.records import ContractRecord
from govchain.contracts.lifecycle.state import read_contract
from govchain.contracts.registry.records import MemberRecord
from govchain.contracts.registry.state import MEMBERS, list_count, read_account, read_member
from govchain.execution.registry import ContractError, ReadState

__all__ = [
    "LIFECYCLE_REFUSALS",
    "active_members",
    "live_contract",
    "owner_member",
    "refuse",
]

LIFECYCLE_REFUSALS = (
    "unknown_contract",
    "unknown_method",
    "contract_frozen",
    "contract_abolished",
    "not_approved",
    "test_required",
    "name_taken",
    "bad_version",
    "bad_abi",
    "no_member",
    "not_owner",
    "not_reviewer",
    "already_reviewed",
    "not_in_review",
    "bad_test_record",
    "bad_status",
)
"""The lifecycle's own codes (the module rules' and a call's come from the sandbox)."""


def refuse(code: str, message: str) -> ContractError:
    """The ContractError of a refusal: its code, then what is wrong."""
    assert code in LIFECYCLE_REFUSALS, code
    return ContractError(f"{code}: {message}")


def live_contract(read: ReadState, contract: bytes) -> ContractRecord:
    """A contract that is not abolished; ``unknown_contract`` or ``contract_abolished``."""
    record = read_contract(read, contract)
    if record is None:
        raise refuse("unknown_contract", f"no contract has id {contract.hex()}")
    if record.status == "abolished":
        raise refuse("contract_abolished", f"contract {record.name} was abolished: {record.reason}")
    return record


def owner_member(read: ReadState, address: bytes, action: str) -> MemberRecord:
    """The active member account ``address`` belongs to, that may manage contracts.

    ``no_member`` when the account belongs to no member (a contract is a
    member's), or the member lacks the ``contract`` permission.
    """
    account = read_account(read, address)
    if account is None or not account.org:
        raise refuse(
            "no_member", f"account {address.hex()} belongs to no member, so it cannot {action}"
        )
    member = read_member(read, account.org)
    if member is None or member.status != "active":
        raise refuse("no_member", f"member {account.org} is not an active member")
    if "contract" not in member.permissions:
        raise refuse("no_member", f"member {member.code} has no permission to manage contracts")
    return member


def active_members(read: ReadState) -> tuple[str, ...]:
    """The credit codes of every active member, sorted: who reviews a new version."""
    codes = []
    for index in range(list_count(read, MEMBERS)):
        raw = read(MEMBERS.item_key(index))
        assert raw is not None, "the members list has a hole"
        member = read_member(read, raw.decode("ascii"))
        if member is not None and member.status == "active":
            codes.append(member.code)
    return tuple(sorted(codes))
