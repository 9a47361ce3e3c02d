"""Service ``gov`` (F-B1, F-B2, F-A2, F-E6): policies, parameters, proposals and votes.

The consortium decides about itself: a proposal names an action, member
admins vote, and the vote that decides it executes the action. The spec is
docs/spec/gov.md; the modules follow the one shape every service has:

- ``txs``: ``gov.propose``, ``gov.vote``, ``gov.withdraw``, their args and builders;
- ``actions`` (with ``args``): what an executed proposal does;
- ``handlers``: the deterministic handlers;
- ``records`` and ``state``: proposals, votes, policies, parameters and their keys;
- ``policy``: the default table and how a tally meets a rule;
- ``genesis``: the policies and parameters of the state at height 0;
- ``reads``: proposals with their state facts, and pages.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.gov.actions import ACTION_NAMES, build_actions
from govchain.contracts.gov.genesis import gov_genesis_state
from govchain.contracts.gov.handlers import propose_handler, vote_handler, withdraw_handler
from govchain.contracts.gov.policy import DEFAULT_PARAMS, default_policies
from govchain.contracts.gov.records import Proposal
from govchain.contracts.gov.txs import PROPOSE_TX_TYPE, VOTE_TX_TYPE, WITHDRAW_TX_TYPE
from govchain.execution.registry import Registry

__all__ = [
    "ACTION_NAMES",
    "DEFAULT_PARAMS",
    "Proposal",
    "default_policies",
    "gov_genesis_state",
    "register",
]


def register(registry: Registry, context: ServiceContext) -> None:
    """Add the handlers of ``gov.propose``, ``gov.vote`` and ``gov.withdraw``."""
    actions = build_actions(context.suite)
    registry.register(PROPOSE_TX_TYPE, propose_handler(context.suite, actions))
    registry.register(VOTE_TX_TYPE, vote_handler(context.suite, actions))
    registry.register(WITHDRAW_TX_TYPE, withdraw_handler(context.suite))
