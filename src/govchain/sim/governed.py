"""A simulated chain with a registry: members, the permission check, and a stranger's txs.

With ``Cluster(governed=True)`` every validator's node belongs to a member
of its own, the validator keys are registered (as ``system`` accounts, by
the genesis), the policy table lets any registered account send
``sim.note``, and every Byzantine proposer fills its blocks with txs of a
key that is registered nowhere. Honest validators must commit those blocks
with a ``permission_denied`` receipt for each such tx, never crash, and
agree on every state root (issue 14 acceptance; docs/spec/registry.md).
"""

from __future__ import annotations

import dataclasses
import random

from govchain.codes.demo import demo_uscc
from govchain.contracts import ServiceContext, gov, registry
from govchain.contracts.context import ValidatorsAt
from govchain.contracts.gov import ACTION_NAMES, DEFAULT_PARAMS, default_policies
from govchain.crypto import CryptoSuite
from govchain.execution import Registry
from govchain.sim.node import seeded_key, sim_registry
from govchain.types import Genesis, Member, NetworkRegistry, NodeEntry
from govchain.types.governance import GenesisGovernance, PolicyEntry
from govchain.types.network_registry import MEMBER_PERMISSIONS

__all__ = ["SIM_TX_TYPE", "governed_genesis", "governed_registry", "governed_state"]

SIM_TX_TYPE = "sim.note"


def governed_genesis(genesis: Genesis, keys: random.Random) -> Genesis:
    """``genesis`` with one member per validator (an admin key each) and the policy table."""
    members, nodes = [], []
    for i, validator in enumerate(genesis.validators.validators):
        code = demo_uscc(i + 1)
        admin = seeded_key(keys)
        members.append(
            Member(code, b"", f"sim member {i}", (admin.public_key,), MEMBER_PERMISSIONS)
        )
        nodes.append(NodeEntry(f"v{i}", code, "validator", keys.randbytes(32), validator.address))
    policies = tuple(
        sorted(
            (*default_policies(ACTION_NAMES), PolicyEntry(SIM_TX_TYPE, "ANY")),
            key=lambda entry: entry.resource,
        )
    )
    governance = GenesisGovernance((), policies, tuple(sorted(DEFAULT_PARAMS.items())))
    return dataclasses.replace(
        genesis, network=NetworkRegistry(tuple(members), tuple(nodes)), governance=governance
    )


def governed_state(genesis: Genesis, suite: CryptoSuite) -> dict[bytes, bytes]:
    """The state at height 0 of a governed genesis (the registry's and gov's parts)."""
    return {**registry.registry_genesis_state(genesis, suite), **gov.gov_genesis_state(genesis)}


def governed_registry(
    suite: CryptoSuite, genesis: Genesis, validators_at: ValidatorsAt
) -> Registry:
    """The simulator's contracts plus the registry, gov and the permission check."""
    contracts = sim_registry(suite, validators_at)
    context = ServiceContext(suite, validators_at, genesis)
    registry.register(contracts, context)
    gov.register(contracts, context)
    return contracts
