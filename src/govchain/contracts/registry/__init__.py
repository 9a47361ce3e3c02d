"""Service ``registry`` (F-B1..B5): members, nodes, accounts, roles, and the permission check.

Who may do what on the chain. It starts from the genesis and changes by its
own txs (a member's admin manages its accounts and roles) and by the
governance actions of ``govchain.contracts.gov``. The spec is
docs/spec/registry.md; the modules follow the one shape every service has:

- ``txs``: ``registry.account_add``, ``registry.account_set_roles``,
  ``registry.role_set``, their argument records and builders;
- ``handlers``: the deterministic handlers;
- ``records`` and ``state``: the stored records and their keys;
- ``genesis``: the registry's part of the state at height 0;
- ``permission``: the one check before every handler;
- ``certs``: account certificates (``registry.cert_register``) and the check
  of a ``cert`` sender (F-B5);
- ``reads``: records with their state facts, and pages.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.registry.access import (
    ACCESS_APPLY_TX_TYPE,
    ACCESS_DECIDE_TX_TYPE,
    access_apply_handler,
    access_decide_handler,
)
from govchain.contracts.registry.certs import CERT_REGISTER_TX_TYPE, cert_register_handler
from govchain.contracts.registry.genesis import registry_genesis_state
from govchain.contracts.registry.handlers import (
    account_add_handler,
    role_set_handler,
    set_roles_handler,
)
from govchain.contracts.registry.permission import permission_check
from govchain.contracts.registry.records import Account, MemberRecord, NodeRecord, RoleRecord
from govchain.contracts.registry.subject_txs import SUBJECT_APPLY_TX_TYPE, SUBJECT_DECIDE_TX_TYPE
from govchain.contracts.registry.subjects import subject_apply_handler, subject_decide_handler
from govchain.contracts.registry.txs import (
    ACCOUNT_ADD_TX_TYPE,
    ROLE_SET_TX_TYPE,
    SET_ROLES_TX_TYPE,
)
from govchain.execution.registry import Registry

__all__ = [
    "Account",
    "MemberRecord",
    "NodeRecord",
    "RoleRecord",
    "register",
    "register_certificates",
    "registry_genesis_state",
]


def register(registry: Registry, context: ServiceContext) -> None:
    """Add the registry's handlers, and the permission check when the chain has a registry."""
    suite = context.suite
    registry.register(ACCOUNT_ADD_TX_TYPE, account_add_handler(suite))
    registry.register(SET_ROLES_TX_TYPE, set_roles_handler(suite))
    registry.register(ROLE_SET_TX_TYPE, role_set_handler(suite))
    registry.register(SUBJECT_APPLY_TX_TYPE, subject_apply_handler(suite))
    registry.register(SUBJECT_DECIDE_TX_TYPE, subject_decide_handler(suite))
    registry.register(ACCESS_APPLY_TX_TYPE, access_apply_handler(suite))
    registry.register(ACCESS_DECIDE_TX_TYPE, access_decide_handler(suite))
    if context.genesis.network.members:
        registry.set_permission_check(permission_check(suite))


def register_certificates(registry: Registry, context: ServiceContext) -> None:
    """Add ``registry.cert_register`` (the node lists it as service ``certificates``, F-B5)."""
    registry.register(CERT_REGISTER_TX_TYPE, cert_register_handler(context.suite))
