"""Who acts: the holder itself, or an agent with a delegation that covers the act.

docs/spec/grants.md, "Who acts for a holder". Every handler that acts for
a holder calls :func:`acting_for` with the sender, the ``on_behalf`` it
names and the asset; it gets the holder back, or a refusal naming why.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.assets.records import Asset
from govchain.contracts.assets.state import read_asset
from govchain.contracts.grants.state import read_delegation
from govchain.contracts.state_lists import ListKeys, list_count
from govchain.execution.registry import ContractError, ReadState

__all__ = ["Acting", "acting_for", "agent_delegations", "refuse", "valid_asset"]

AGENT_PREFIX = b"grants/agent/"


@dataclass(frozen=True, slots=True)
class Acting:
    """Who the act is for (``party``) and who sent it (``by``: the party or its agent)."""

    party: bytes
    by: bytes


def refuse(code: str, reason: str) -> ContractError:
    """A refusal whose message starts with its error code."""
    return ContractError(f"{code}: {reason}")


def agent_delegations(agent: bytes, holder: bytes) -> ListKeys:
    """The ids of the delegations from ``holder`` to ``agent``, in order."""
    return ListKeys(AGENT_PREFIX + agent + b"/" + holder + b"/")


def valid_asset(read: ReadState, content_id: bytes) -> Asset:
    """A ``valid`` asset; ``not_found`` or ``bad_status`` otherwise."""
    asset = read_asset(read, content_id)
    if asset is None:
        raise refuse("not_found", f"no asset with content id {content_id.hex()}")
    if asset.status != "valid":
        raise refuse("bad_status", f"asset {content_id.hex()} is {asset.status}, not valid")
    return asset


def acting_for(
    read: ReadState,
    sender: bytes,
    on_behalf: bytes,
    party: bytes,
    act: str,
    asset: Asset | None,
    time: int,
) -> Acting:
    """The act of ``sender`` for ``party`` (the holder, or a grantee): itself, or as its agent.

    Without ``on_behalf`` the sender must be ``party`` (``not_holder``); with
    it, ``on_behalf`` must be ``party`` and one of its delegations to the
    sender must cover ``act`` on ``asset`` at ``time`` (``not_delegated``).
    """
    if not on_behalf:
        if sender != party:
            raise refuse("not_holder", f"account {sender.hex()} does not act for {party.hex()}")
        return Acting(party, sender)
    if on_behalf != party:
        raise refuse("not_holder", f"on_behalf names {on_behalf.hex()}, not {party.hex()}")
    keys = agent_delegations(sender, party)
    content_id = b"" if asset is None else asset.content_id
    type_code = "" if asset is None else asset.type
    for index in range(list_count(read, keys)):
        raw_id = read(keys.item_key(index))
        delegation = None if raw_id is None else read_delegation(read, raw_id)
        if delegation is not None and delegation.covers(act, content_id, type_code, time):
            return Acting(party, sender)
    raise refuse(
        "not_delegated",
        f"account {sender.hex()} holds no delegation of {party.hex()} that covers {act} now",
    )
