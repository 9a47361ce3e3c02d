"""Service ``contracts``: the reviewed lifecycle of contracts departments write (合约层).

F-D1, F-D2, F-E6, F-F1; the spec is docs/spec/contracts.md. A member's
account submits a WebAssembly module; member admins review it under the
``review_rule``; an approved version is deployed (after a recorded test
call on a test network when ``require_test``), called, upgraded with its
state kept, frozen, unfrozen and abolished by governance. The modules
follow the one shape every service has:

- ``txs``: the tx types, their argument records and the builder;
- ``handlers``, ``tested``, ``calls``: the deterministic handlers;
- ``actions`` (with ``params``): the governance actions;
- ``records`` and ``state``: contracts, versions, votes, tests, history and their keys;
- ``runner``: what the lifecycle needs of the sandbox (``ContractRunner``);
- ``reads``: contracts with their state facts, and history with receipts.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.lifecycle.calls import call_handler
from govchain.contracts.lifecycle.handlers import (
    deploy_handler,
    review_handler,
    submit_handler,
    upgrade_handler,
)
from govchain.contracts.lifecycle.params import ContractParams, read_params
from govchain.contracts.lifecycle.records import ContractRecord, VersionRecord
from govchain.contracts.lifecycle.runner import ContractRunner
from govchain.contracts.lifecycle.tested import record_test_handler
from govchain.contracts.lifecycle.txs import (
    CALL_TX_TYPE,
    DEPLOY_TX_TYPE,
    REVIEW_TX_TYPE,
    SUBMIT_TX_TYPE,
    TEST_RECORD_TX_TYPE,
    UPGRADE_TX_TYPE,
)
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Registry

__all__ = [
    "ContractParams",
    "ContractRecord",
    "ContractRunner",
    "VersionRecord",
    "read_params",
    "register",
    "register_lifecycle",
]


def register_lifecycle(registry: Registry, suite: CryptoSuite, runner: ContractRunner) -> None:
    """Add the handler of every ``contracts.*`` tx type, running modules with ``runner``."""
    registry.register(SUBMIT_TX_TYPE, submit_handler(suite, runner))
    registry.register(UPGRADE_TX_TYPE, upgrade_handler(suite, runner))
    registry.register(REVIEW_TX_TYPE, review_handler(suite))
    registry.register(TEST_RECORD_TX_TYPE, record_test_handler(suite))
    registry.register(DEPLOY_TX_TYPE, deploy_handler(suite))
    registry.register(CALL_TX_TYPE, call_handler(suite, runner))


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: its handlers, when the chain has a
    sandbox (``context.contract_runner``); its governance actions are in gov's table."""
    if context.contract_runner is not None:
        register_lifecycle(registry, context.suite, context.contract_runner)
