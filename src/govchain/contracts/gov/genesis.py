"""The gov service's part of the state at height 0: the genesis policy table and parameters."""

from __future__ import annotations

from govchain.codec import encode
from govchain.contracts.gov.policy import check_param
from govchain.contracts.gov.state import param_key, write_policy
from govchain.types import Genesis

__all__ = ["gov_genesis_state"]


def gov_genesis_state(genesis: Genesis) -> dict[bytes, bytes]:
    """The policies and parameters of the genesis as state writes (empty without members).

    Raises ValidationError for a parameter out of its range.
    """
    writes: dict[bytes, bytes] = {}
    if not genesis.network.members:
        return writes
    for policy in genesis.governance.policies:
        write_policy(writes.get, writes.__setitem__, policy)
    for name, value in genesis.governance.params:
        writes[param_key(name)] = encode(check_param(name, value))
    return writes
